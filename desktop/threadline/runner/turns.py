"""What an LLM agent's loop works with besides the model call: the outcome of a tool round,
structured output, positions in a history."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import BaseModel, ValidationError

from threadline.core import event_log
from threadline.core.events import ErrorInfo, Event, EventTag
from threadline.runner.transfer import transfer_message

EMPTY_REPLY_CODE = "empty_reply"
EMPTY_REPLY_TEXT = "The model returned no text."


class RoundOutcome:
    """What the tool results of a round asked for: a transfer, or an escalation.

    ``transfer_message`` is what the model told the next agent to do (the ``message``
    argument of ``transfer_to_agent``), or None when it said nothing.
    """

    def __init__(self) -> None:
        self.transfer_to: str | None = None
        self.transfer_message: str | None = None
        self.is_escalated = False
        self.is_paused = False  # calls wait for approval: the agent stops until ``resume``

    def note(self, event: Event) -> None:
        if event.actions.transfer_to_agent:
            self.transfer_to = event.actions.transfer_to_agent
            self.transfer_message = transfer_message(event)
        self.is_escalated = self.is_escalated or event.actions.escalate
        self.is_paused = self.is_paused or event.tag == EventTag.TOOL_APPROVAL

    @property
    def stops(self) -> bool:
        return self.transfer_to is not None or self.is_escalated or self.is_paused


def position(events: Sequence[Event], event_id: str | None, *, default: int) -> int:
    """Where ``event_id`` is in ``events`` (searched from the end), else ``default``."""
    found = None if event_id is None else event_log.position(events, event_id)
    return default if found is None else found


def attach_structured_output(schema: type[BaseModel] | None, reply: Event) -> None:
    """Checks a reply against the agent's ``output_schema``; the parsed value goes into its
    metadata, a mismatch becomes the reply's ``invalid_output`` error."""
    if schema is None or reply.message is None:
        return
    try:
        value = schema.model_validate_json(reply.message.content)
    except ValidationError as exc:
        reply.error = ErrorInfo(
            code="invalid_output",
            message=f"The reply did not match {schema.__name__}: {exc.errors()[0]['msg']}",
        )
        return
    reply.metadata["structured_output"] = json.loads(value.model_dump_json())


def empty_reply_notice(invocation_id: str, author: str, branch: str) -> Event:
    """The stored error a reply without text (only reasoning, or nothing) leaves, so the
    chat says so instead of showing nothing."""
    return Event(
        invocation_id=invocation_id,
        author=author,
        branch=branch,
        error=ErrorInfo(code=EMPTY_REPLY_CODE, message=EMPTY_REPLY_TEXT),
        tag=EventTag.ERROR,
    )
