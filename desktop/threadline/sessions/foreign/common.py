"""What the ChatGPT and Claude readers share: loose JSON fields read safely, times, dates and
titles of the sessions they plan.

Apart from the two readers because both formats need the same care with fields that may be
missing or of another type, and a session's dates and title are made the same way for both.
"""

from __future__ import annotations

import datetime
import re
import time
from typing import Any

from threadline.core.events import Message
from threadline.core.titles import title_from_event
from threadline.sessions.bulk import SessionPlan

# Imported replies are the built-in assistant's: continuing the conversation sends them to the
# model as its own earlier answers, not as quotes from another agent.
ASSISTANT = "assistant"
IMAGE_NOTE = "[image]"
NOTE = re.compile(r"\[(?:image|file: [^\]\n]*)\]")  # what stands in for what an export lacks


def date_plans(plans: list[SessionPlan], started: float | None, updated: float | None) -> None:
    """Each session's dates from its messages; a conversation's from the export when given."""
    for plan in plans:
        times = [e.timestamp for e in plan.events]
        plan.created_at = times[0] if times else started
        plan.updated_at = times[-1] if times else plan.created_at
    root = plans[0]
    root.created_at = started if started is not None else root.created_at
    latest = max([t for t in (updated, root.updated_at) if t is not None], default=None)
    root.updated_at = latest


def first_title(plans: list[SessionPlan]) -> str:
    """The title Threadline would give: the first user message's words (notes left out)."""
    for event in plans[0].events:
        if event.message is None:
            continue
        words = NOTE.sub(" ", event.message.content)
        title = title_from_event(
            "", event.model_copy(update={"message": Message(role="user", content=words)})
        )
        if title:
            return title
    return ""


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a dict, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def dicts(value: Any) -> list[dict[str, Any]]:
    """The dicts in ``value`` if it is a list."""
    return [item for item in as_list(value) if isinstance(item, dict)]


def one_line(value: Any) -> str:
    """A string with its white space folded to single spaces; "" for anything else."""
    return " ".join(value.split()) if isinstance(value, str) else ""


def seconds(value: Any) -> float | None:
    """Seconds since the epoch from a number (ChatGPT) or an ISO 8601 time (Claude)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value > 0 else None
    if isinstance(value, str) and value:
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return moment.timestamp()
    return None


def timestamp(own: float | None, before: float | None) -> float:
    """A message's time: its own, else the one before it, else now (as a new event's)."""
    if own is not None:
        return own
    return before if before is not None else time.time()
