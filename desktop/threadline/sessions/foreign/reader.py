"""Which app's export a loaded JSON file is, and the sessions it makes.

``read_foreign(data)`` looks at the shape of a loaded JSON file: a ChatGPT
``conversations.json`` (a list of conversations, each a ``mapping`` of message nodes that
form a tree) or a Claude ``conversations.json`` (a list of conversations with a flat
``chat_messages`` list). It returns the sessions to create (``sessions.bulk.SessionPlan``),
checked whole before anything is written, or None for a Threadline export (a dict), and raises
``ExportFormatError`` naming any other kind of file plainly. How each format's conversation
becomes sessions is in ``chatgpt.py`` and ``claude.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from threadline.sessions.bulk import SessionPlan
from threadline.sessions.export import FORMAT, ExportFormatError
from threadline.sessions.foreign.chatgpt import CHATGPT, chatgpt_plans
from threadline.sessions.foreign.claude import CLAUDE, claude_plans

UNKNOWN_LIST = (
    "This JSON file is not a conversation export Threadline knows (ChatGPT, Claude or Threadline)."
)


@dataclass
class ForeignImport:
    """What an export of another app holds, ready to write (``sessions.bulk.import_plans``).

    Attributes:
        kind: ``"ChatGPT"`` or ``"Claude"``.
        plans: The sessions to create: each conversation, then its branches.
        conversations: How many conversations (root plans).
        branches: How many branches (the other plans).
        skipped: Conversations left out because nothing in them was a message to keep.
    """

    kind: str
    plans: list[SessionPlan] = field(default_factory=list)
    conversations: int = 0
    branches: int = 0
    skipped: int = 0


def kind_of(data: Any) -> str:
    """``"ChatGPT"``, ``"Claude"``, ``"Threadline"`` or ``""``, by the data's shape."""
    if isinstance(data, dict):
        if data.get("format") == FORMAT:
            return "Threadline"
        data = [data]  # one conversation taken out of an export
    first = data[0] if isinstance(data, list) and data else None
    if isinstance(first, dict) and isinstance(first.get("mapping"), dict):
        return CHATGPT
    if isinstance(first, dict) and isinstance(first.get("chat_messages"), list):
        return CLAUDE
    return ""


def read_foreign(data: Any) -> ForeignImport | None:
    """The sessions a ChatGPT or Claude export makes, or None for a dict that is neither (a
    Threadline export, or a file ``export.check_export`` names).

    Raises ``ExportFormatError`` for a list that is neither, an empty list, an export with no
    message to import, or a conversation that is not an object.
    """
    kind = kind_of(data)
    if kind == "Threadline" or (not kind and not isinstance(data, list)):
        return None
    if isinstance(data, dict):
        data = [data]
    if not data:
        raise ExportFormatError("This file holds an empty list: there is no conversation in it.")
    if kind == CHATGPT:
        found = _read_all(data, CHATGPT, "mapping", dict, chatgpt_plans)
    elif kind == CLAUDE:
        found = _read_all(data, CLAUDE, "chat_messages", list, claude_plans)
    else:
        raise ExportFormatError(UNKNOWN_LIST)
    if not found.plans:
        raise ExportFormatError(f"This {kind} export has no messages to import.")
    return found


def _read_all(
    data: list[Any],
    kind: str,
    key: str,
    expected: type,
    convert: Callable[[dict[str, Any]], list[SessionPlan]],
) -> ForeignImport:
    found = ForeignImport(kind)
    for number, conversation in enumerate(data, start=1):
        if not isinstance(conversation, dict) or not isinstance(conversation.get(key), expected):
            raise ExportFormatError(
                f"Conversation {number} of this {kind} export is not a conversation"
                f" (it has no {'message tree' if expected is dict else 'message list'})."
            )
        plans = convert(conversation)
        if not plans:
            found.skipped += 1
            continue
        offset = len(found.plans)
        for plan in plans:
            if plan.parent is not None:
                plan.parent += offset
        found.plans += plans
        found.conversations += 1
        found.branches += len(plans) - 1
    return found
