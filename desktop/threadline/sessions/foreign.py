"""Conversations exported by other apps, as Threadline sessions: ChatGPT and Claude.

``read_foreign(data)`` looks at the shape of a loaded JSON file: a ChatGPT
``conversations.json`` (a list of conversations, each a ``mapping`` of message nodes that
form a tree) or a Claude ``conversations.json`` (a list of conversations with a flat
``chat_messages`` list). It returns the sessions to create (``sessions.bulk.SessionPlan``),
checked whole before anything is written, or None for a Threadline export (a dict), and raises
``ExportFormatError`` naming any other kind of file plainly.

A ChatGPT conversation is a tree: every edited message and every regenerated reply adds a
sibling under the same parent. The path from the root to ``current_node`` (what ChatGPT showed
last) becomes the conversation; every other child of a node becomes a Threadline branch of the
session it leaves, forked at the last message kept before it (the message both share), and
follows its newest child down. System and hidden messages, tool calls and tool output are left
out; images, which the export holds only as references, become an "[image]" note; ``thoughts``
become the reply's reasoning. Timestamps are kept (messages, and the conversations' dates).
"""

from __future__ import annotations

import datetime
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from threadline.core.events import Event, FilePart, Message
from threadline.core.titles import title_from_event
from threadline.sessions.bulk import SessionPlan
from threadline.sessions.export import FORMAT, ExportFormatError

CHATGPT = "ChatGPT"
CLAUDE = "Claude"
# Imported replies are the built-in assistant's: continuing the conversation sends them to the
# model as its own earlier answers, not as quotes from another agent.
ASSISTANT = "assistant"
UNKNOWN_LIST = (
    "This JSON file is not a conversation export Threadline knows (ChatGPT, Claude or Threadline)."
)
IMAGE_NOTE = "[image]"
NOTE = re.compile(r"\[(?:image|file: [^\]\n]*)\]")  # what stands in for what an export lacks


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
        found = _read_all(data, CHATGPT, "mapping", dict, _chatgpt_plans)
    elif kind == CLAUDE:
        found = _read_all(data, CLAUDE, "chat_messages", list, _claude_plans)
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


# -- ChatGPT -------------------------------------------------------------------------------


def _chatgpt_plans(conversation: dict[str, Any]) -> list[SessionPlan]:
    """The conversation and its branches (local parent indices), or [] when it is empty."""
    mapping = {k: v for k, v in conversation["mapping"].items() if isinstance(v, dict)}
    title = _one_line(conversation.get("title"))
    started = _seconds(conversation.get("create_time"))

    def children(node_id: str) -> list[str]:
        kids = mapping[node_id].get("children")
        return (
            [c for c in kids if isinstance(c, str) and c in mapping]
            if isinstance(kids, list)
            else []
        )

    shown: set[str] = set()  # the path ChatGPT showed last: root to current_node
    node_id = conversation.get("current_node")
    root = None
    while isinstance(node_id, str) and node_id in mapping and node_id not in shown:
        shown.add(node_id)
        root = node_id
        node_id = mapping[node_id].get("parent")
    roots = [k for k, v in mapping.items() if v.get("parent") not in mapping]
    if root is None:
        if not roots:
            return []
        root = roots[0]

    plans: list[SessionPlan] = []
    visited: set[str] = set()
    # (first node, plan it branches from, the event it forks at); the main path first, then
    # each branch after the session it leaves (a plan's parent always comes before it).
    queue: deque[tuple[str, int | None, str]] = deque([(root, None, "")])
    queue.extend((other, 0, "") for other in roots if other != root)
    while queue:
        start, parent, fork_at = queue.popleft()
        if start in visited:
            continue
        number = len(plans)
        plan = SessionPlan(title, parent=parent, fork_event_id=fork_at)
        plans.append(plan)
        last, reasoning, when = fork_at, "", started
        node_id = start
        while node_id is not None and node_id not in visited:
            visited.add(node_id)
            converted = _chatgpt_event(mapping[node_id].get("message"), when)
            if isinstance(converted, str):
                reasoning = "\n\n".join(filter(None, [reasoning, converted]))
            elif converted is not None:
                if reasoning and converted.message and converted.message.role == "assistant":
                    converted.message.reasoning, reasoning = reasoning, ""
                plan.events.append(converted)
                last, when = converted.id, converted.timestamp
            kids = [c for c in children(node_id) if c not in visited]
            if not kids:
                break
            on_path = [c for c in kids if c in shown]
            follow = on_path[0] if on_path else kids[-1]  # a branch follows its newest child
            queue.extend((kid, number, last) for kid in kids if kid != follow)
            node_id = follow
    plans = _without_empty_branches(plans)
    _date(plans, started, _seconds(conversation.get("update_time")))
    if not plans[0].events and len(plans) == 1:
        return []
    plans[0].title = plans[0].title or _first_title(plans) or f"{CHATGPT} conversation"
    for plan in plans[1:]:
        plan.title = plans[0].title
    return plans


def _chatgpt_event(message: Any, when: float | None) -> Event | str | None:
    """The event a ChatGPT message becomes; its reasoning text for ``thoughts``; else None."""
    if not isinstance(message, dict):
        return None
    role = _dict(message.get("author")).get("role")
    meta = _dict(message.get("metadata"))
    content = _dict(message.get("content"))
    if meta.get("is_visually_hidden_from_conversation") or meta.get("is_user_system_message"):
        return None
    kind = content.get("content_type")
    if role == "assistant" and message.get("recipient", "all") not in ("all", None):
        return None  # a call to a tool (code, browsing, image generation), not a reply
    if role == "assistant" and kind == "thoughts":
        thoughts = _dicts(content.get("thoughts"))
        texts = [t.get("content") or t.get("summary") for t in thoughts]
        return "\n\n".join(t for t in texts if isinstance(t, str) and t.strip()) or None
    if kind not in ("text", "multimodal_text"):
        return None  # system errors, quotes, browsing displays, code output, context
    pieces = [_chatgpt_part(part) for part in _list(content.get("parts"))]
    if role == "user":
        pieces += _attachment_notes(meta.get("attachments"))
    elif role == "tool":  # only the images a tool made (DALL·E) are part of the conversation
        pieces = [p for p in pieces if p == IMAGE_NOTE]
    elif role != "assistant":
        return None
    text = "\n\n".join(p for p in pieces if p.strip())
    if not text:
        return None
    extra: dict[str, Any] = {"imported_from": "chatgpt"}
    if isinstance(message.get("id"), str):
        extra["source_id"] = message["id"]
    if role != "user" and isinstance(meta.get("model_slug"), str):
        extra["model"] = meta["model_slug"]
    return Event(
        author="user" if role == "user" else ASSISTANT,
        message=Message(role="user" if role == "user" else "assistant", content=text),
        timestamp=_timestamp(_seconds(message.get("create_time")), when),
        metadata=extra,
    )


def _chatgpt_part(part: Any) -> str:
    if isinstance(part, str):
        return part
    if not isinstance(part, dict):
        return ""
    kind = str(part.get("content_type") or "")
    if "image" in kind:
        return IMAGE_NOTE  # the export names the image (file-service://...), without its bytes
    if kind == "audio_transcription" or isinstance(part.get("text"), str):
        return str(part.get("text") or "")
    return ""  # audio and video pointers: a voice message's words are its transcription


def _attachment_notes(attachments: Any) -> list[str]:
    notes = []
    for item in _dicts(attachments):
        mime = str(item.get("mime_type") or item.get("mimeType") or "")
        if not mime.startswith("image/"):  # images are parts already
            notes.append(f"[file: {_one_line(item.get('name')) or 'attachment'}]")
    return notes


def _without_empty_branches(plans: list[SessionPlan]) -> list[SessionPlan]:
    """Drops branches with no message of their own (only skipped nodes); their own branches
    move up to the session they left (their fork events are in its lineage too)."""
    kept: list[SessionPlan] = []
    new_index: dict[int, int] = {}
    moved_up: dict[int, int] = {}  # a dropped plan -> the plan it branched from
    for old, plan in enumerate(plans):
        parent = plan.parent
        while parent is not None and parent in moved_up:
            parent = moved_up[parent]
        if parent is not None and not plan.events:
            moved_up[old] = parent
            continue
        plan.parent = None if parent is None else new_index[parent]
        new_index[old] = len(kept)
        kept.append(plan)
    return kept


# -- Claude --------------------------------------------------------------------------------


def _claude_plans(conversation: dict[str, Any]) -> list[SessionPlan]:
    started = _seconds(conversation.get("created_at"))
    events: list[Event] = []
    when = started
    for message in conversation["chat_messages"]:
        event = _claude_event(message, when) if isinstance(message, dict) else None
        if event is not None:
            events.append(event)
            when = event.timestamp
    if not events:
        return []
    plans = [SessionPlan(_one_line(conversation.get("name")), events=events)]
    _date(plans, started, _seconds(conversation.get("updated_at")))
    plans[0].title = plans[0].title or _first_title(plans) or f"{CLAUDE} conversation"
    return plans


def _claude_event(message: dict[str, Any], when: float | None) -> Event | None:
    sender = message.get("sender")
    if sender not in ("human", "assistant"):
        return None
    blocks = _list(message.get("content"))
    texts: list[str] = []
    thinking: list[str] = []
    for block in blocks:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text" and isinstance(block.get("text"), str):
            texts.append(block["text"])
        elif block.get("type") == "thinking" and isinstance(block.get("thinking"), str):
            thinking.append(block["thinking"])
    if not any(t.strip() for t in texts) and isinstance(message.get("text"), str):
        texts = [message["text"]]
    parts: list[FilePart] = []
    for item in _dicts(message.get("attachments")):
        content = item.get("extracted_content")
        if isinstance(content, str) and content:  # pasted or uploaded text: kept whole
            name = _one_line(item.get("file_name")) or "pasted text"
            parts.append(FilePart(name=name, mime_type="text/plain", data=content.encode()))
    for item in _dicts(message.get("files")):  # named, but not held, by the export
        texts.append(f"[file: {_one_line(item.get('file_name')) or 'attachment'}]")
    text = "\n\n".join(t for t in texts if t.strip())
    if not text and not parts:
        return None
    extra: dict[str, Any] = {"imported_from": "claude"}
    if isinstance(message.get("uuid"), str):
        extra["source_id"] = message["uuid"]
    return Event(
        author="user" if sender == "human" else ASSISTANT,
        message=Message(
            role="user" if sender == "human" else "assistant",
            content=text,
            parts=list(parts),
            reasoning="\n\n".join(thinking) or None,
        ),
        timestamp=_timestamp(_seconds(message.get("created_at")), when),
        metadata=extra,
    )


# -- shared --------------------------------------------------------------------------------


def _date(plans: list[SessionPlan], started: float | None, updated: float | None) -> None:
    """Each session's dates from its messages; a conversation's from the export when given."""
    for plan in plans:
        times = [e.timestamp for e in plan.events]
        plan.created_at = times[0] if times else started
        plan.updated_at = times[-1] if times else plan.created_at
    root = plans[0]
    root.created_at = started if started is not None else root.created_at
    latest = max([t for t in (updated, root.updated_at) if t is not None], default=None)
    root.updated_at = latest


def _first_title(plans: list[SessionPlan]) -> str:
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


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in _list(value) if isinstance(item, dict)]


def _one_line(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _seconds(value: Any) -> float | None:
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


def _timestamp(own: float | None, before: float | None) -> float:
    """A message's time: its own, else the one before it, else now (as a new event's)."""
    if own is not None:
        return own
    return before if before is not None else time.time()
