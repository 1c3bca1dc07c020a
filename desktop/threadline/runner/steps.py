"""``RunResult.steps``: one record per model call (seed 002's ``Result.Steps``), made from the
events of a run, so a resumed or collected stream gives the same steps as a live one."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from threadline.core.events import Event, EventTag, Usage

# ``requested``: the run ended before the call ran (a cancel, a failure, a transfer).
ToolCallStatus = Literal["requested", "pending", "ok", "error", "timeout", "denied"]


class StepToolCall(BaseModel):
    """A tool call a model step asked for, and how it ended.

    Attributes:
        id: the call id the model gave.
        name: the tool's name.
        arguments: the raw JSON arguments the model sent.
        status: ``ok``, ``error``, ``timeout`` or ``denied`` once it ran; ``pending`` while it
            waits for a person's approval (the run paused); ``requested`` if it never ran.
        result: the text the model got back.
        duration_ms: how long the tool ran.
    """

    id: str
    name: str
    arguments: str = "{}"
    status: ToolCallStatus = "requested"
    result: str = ""
    duration_ms: float = 0.0


class Step(BaseModel):
    """One model call of a run: who asked, when, how long, what it called, what it cost.

    A reply a ``before_model`` callback gave instead of the model counts as a step too (its
    ``usage`` is None). A model call that failed is no step: ``RunResult.error`` says why.

    Attributes:
        agent: the name of the agent that asked the model.
        branch: that agent's path in the tree (``coordinator.math``).
        started_at: when the model call began (seconds since the epoch, like
            ``Event.timestamp``).
        duration_ms: the model call plus the tool round it asked for.
        model_ms: the model call alone.
        tool_calls: the calls the reply asked for, in the model's order, with their outcome.
        usage: the tokens this call used, when the server said.
        event_id: the id of the reply event (the session's record of this step).
    """

    agent: str
    branch: str = ""
    started_at: float
    duration_ms: float = 0.0
    model_ms: float = 0.0
    tool_calls: list[StepToolCall] = Field(default_factory=list)
    usage: Usage | None = None
    event_id: str = ""


class StepRecorder:
    """Builds the steps from a run's non-partial events, fed one by one in stream order."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        # (branch, call id) -> the step and its call: parallel branches may reuse call ids.
        self._calls: dict[tuple[str, str], tuple[Step, StepToolCall]] = {}

    def note(self, event: Event) -> None:
        """Takes one event into account (partial events and other tags are ignored)."""
        if event.partial:
            return
        if event.tag == EventTag.MODEL_REPLY and event.message is not None:
            self._begin(event)
        elif event.tag == EventTag.TOOL_RESULT:
            self._finish_call(event)
        elif event.tag == EventTag.TOOL_APPROVAL:
            for call in event.metadata.get("pending", []):
                found = self._calls.get((event.branch, str(call.get("id", ""))))
                if found is not None:
                    found[1].status = "pending"

    def _begin(self, event: Event) -> None:
        assert event.message is not None
        meta = event.metadata
        model_ms = float(meta.get("latency_ms", 0.0))
        started_at = float(meta.get("started_at", event.timestamp - model_ms / 1000))
        step = Step(
            agent=event.author,
            branch=event.branch,
            started_at=started_at,
            duration_ms=model_ms,
            model_ms=model_ms,
            tool_calls=[
                StepToolCall(id=c.id, name=c.name, arguments=c.arguments)
                for c in event.message.tool_calls
            ],
            usage=event.usage,
            event_id=event.id,
        )
        self.steps.append(step)
        for call in step.tool_calls:
            self._calls[(event.branch, call.id)] = (step, call)

    def _finish_call(self, event: Event) -> None:
        meta: dict[str, Any] = event.metadata
        found = self._calls.get((event.branch, str(meta.get("call_id", ""))))
        if found is None:  # a call of an earlier run, answered on resume
            return
        step, call = found
        status = meta.get("status", "ok")
        call.status = status if status in ("ok", "error", "timeout", "denied") else "error"
        call.result = event.message.content if event.message is not None else ""
        call.duration_ms = float(meta.get("duration_ms", 0.0))
        # The step lasts until its last tool result is in.
        step.duration_ms = max(step.duration_ms, (event.timestamp - step.started_at) * 1000)
