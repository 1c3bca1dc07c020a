"""Where a paused invocation goes on: the plan ``Runner.resume`` hands to the agent tree.

A run that pauses for approval leaves one ``tool.approval`` event per agent that paused (every
branch of a ``ParallelAgent`` that paused has its own). Each records, besides its pending calls,
the agent the invocation started from (``entry``), the iteration of every enclosing
``CycleAgent`` (``positions``) and where the paused agent's part of the invocation began
(``start_event_id``). ``resume`` rebuilds a ``ResumePlan`` from those events, so it works the
same after a restart; the workflow agents read it to go on with the step that paused (and then
the following ones), and each paused agent takes its own calls from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from threadline.core.errors import ThreadlineError
from threadline.core.events import Event, EventTag, ToolCall

if TYPE_CHECKING:
    from threadline.runner.agents import BaseAgent


class NothingToResumeError(ThreadlineError):
    """``resume`` was called without (complete) decisions for a paused invocation."""

    code = "nothing_to_resume"


class UnknownAgentError(ThreadlineError, ValueError):
    """A run names an agent the tree does not have (``RunConfig.agent``, or the agent a paused
    call belongs to after the team changed)."""

    code = "unknown_agent"


class PendingApproval(NamedTuple):
    """One paused agent: its ``tool.approval`` event and the calls still awaiting a decision."""

    event: Event
    calls: list[ToolCall]


def pending_approvals(events: Sequence[Event]) -> list[PendingApproval]:
    """Every approval event of the latest paused invocation with calls still unanswered.

    Oldest first; empty when the session has nothing waiting (a user message after a pause
    leaves its calls behind).
    """
    answered: set[str] = set()
    found: list[PendingApproval] = []
    for event in reversed(events):
        if event.author == "user":
            break
        if event.message is not None and event.message.role == "tool":
            answered.add(event.message.tool_call_id or "")
        if event.tag == EventTag.TOOL_APPROVAL:
            calls = [ToolCall.model_validate(c) for c in event.metadata.get("pending", [])]
            open_calls = [c for c in calls if c.id not in answered]
            if open_calls:
                found.append(PendingApproval(event, open_calls))
    found.reverse()
    return found


@dataclass
class _Waiting:
    calls: list[ToolCall]
    start_event_id: str | None


@dataclass
class ResumePlan:
    """What a resumed invocation still has to do, keyed by agent path (``Event.branch``).

    Attributes:
        invocation_id: the paused invocation's id; the resumed one keeps it, so the timeline
            filters (``current_request``, ``current_invocation``) see what it had.
        entry: the agent to run: the one the paused invocation started from.
        decisions: call id -> approved.
        positions: ``CycleAgent`` path -> the iteration it paused in (1-based).
    """

    invocation_id: str
    entry: BaseAgent
    decisions: dict[str, bool]
    positions: dict[str, int] = field(default_factory=dict)
    _waiting: dict[str, _Waiting] = field(default_factory=dict)

    def is_waiting_under(self, path: str) -> bool:
        """True when the agent at ``path`` or one below it still has paused calls."""
        prefix = path + "."
        return any(b == path or b.startswith(prefix) for b in self._waiting)

    def waiting_child(self, agent: BaseAgent) -> BaseAgent | None:
        """The direct sub-agent of ``agent`` under which paused calls wait, if any."""
        for sub in agent.sub_agents:
            if self.is_waiting_under(sub.path):
                return sub
        return None

    def take(self, path: str) -> tuple[list[ToolCall], str | None] | None:
        """The paused calls of the agent at ``path`` and where its part began; once only."""
        waiting = self._waiting.pop(path, None)
        return None if waiting is None else (waiting.calls, waiting.start_event_id)

    @property
    def is_done(self) -> bool:
        """True once every paused agent took its calls."""
        return not self._waiting


def build_plan(root: BaseAgent, events: Sequence[Event], decisions: dict[str, bool]) -> ResumePlan:
    """The plan for resuming the session's paused invocation with ``decisions``.

    Raises ``NothingToResumeError`` (nothing paused, or a call without a decision) and
    ``UnknownAgentError`` (the agent that paused is not in ``root``'s tree).
    """
    paused = pending_approvals(events)
    if not paused:
        raise NothingToResumeError("this session has no tool call waiting for approval")
    missing = {c.id for p in paused for c in p.calls} - set(decisions)
    if missing:
        raise NothingToResumeError(f"no decision for call(s): {', '.join(sorted(missing))}")
    latest = paused[-1].event
    plan = ResumePlan(invocation_id=latest.invocation_id, entry=root, decisions=dict(decisions))
    for item in paused:
        agent = _paused_agent(root, item.event)
        start = item.event.metadata.get("start_event_id")
        slot = plan._waiting.setdefault(agent.path, _Waiting([], None))
        slot.calls.extend(item.calls)
        slot.start_event_id = slot.start_event_id or (start if isinstance(start, str) else None)
        for path, iteration in dict(item.event.metadata.get("positions") or {}).items():
            if isinstance(path, str) and isinstance(iteration, int):
                plan.positions[path] = iteration
    entry_path = latest.metadata.get("entry")
    entry = find_by_path(root, entry_path) if isinstance(entry_path, str) else None
    if entry is not None and plan.is_waiting_under(entry.path):
        plan.entry = entry
    else:
        # No workflow position recorded (an older event), or the pause happened in an agent
        # the conversation was handed to: that agent goes on by itself.
        plan.entry = _paused_agent(root, latest)
    return plan


def _paused_agent(root: BaseAgent, event: Event) -> BaseAgent:
    agent = find_by_path(root, event.branch) if event.branch else None
    if agent is None:
        agent = root.find_agent(event.author)
    if agent is None:
        raise UnknownAgentError(
            f"the agent {event.author!r} that asked for approval is not part of this team"
        )
    return agent


def find_by_path(root: BaseAgent, path: str) -> BaseAgent | None:
    """The agent of ``root``'s tree whose ``path`` is ``path``."""
    if path == root.path:
        return root
    if not path.startswith(root.path + "."):
        return None
    node: BaseAgent | None = root
    for name in path[len(root.path) + 1 :].split("."):
        assert node is not None
        node = next((s for s in node.sub_agents if s.name == name), None)
        if node is None:
            return None
    return node
