"""A Claude ``conversations.json`` conversation as a Threadline session.

A Claude conversation is a flat ``chat_messages`` list, so it becomes one session: text and
thinking blocks, pasted or uploaded text kept whole as a file part, files the export only names
as a "[file: name]" note.
"""

from __future__ import annotations

from typing import Any

from threadline.core.events import Event, FilePart, Message
from threadline.sessions.bulk import SessionPlan
from threadline.sessions.foreign.common import (
    ASSISTANT,
    as_list,
    date_plans,
    dicts,
    first_title,
    one_line,
    seconds,
    timestamp,
)

CLAUDE = "Claude"


def claude_plans(conversation: dict[str, Any]) -> list[SessionPlan]:
    """The conversation as one session, or [] when it holds no message to keep."""
    started = seconds(conversation.get("created_at"))
    events: list[Event] = []
    when = started
    for message in conversation["chat_messages"]:
        event = _claude_event(message, when) if isinstance(message, dict) else None
        if event is not None:
            events.append(event)
            when = event.timestamp
    if not events:
        return []
    plans = [SessionPlan(one_line(conversation.get("name")), events=events)]
    date_plans(plans, started, seconds(conversation.get("updated_at")))
    plans[0].title = plans[0].title or first_title(plans) or f"{CLAUDE} conversation"
    return plans


def _claude_event(message: dict[str, Any], when: float | None) -> Event | None:
    sender = message.get("sender")
    if sender not in ("human", "assistant"):
        return None
    blocks = as_list(message.get("content"))
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
    for item in dicts(message.get("attachments")):
        content = item.get("extracted_content")
        if isinstance(content, str) and content:  # pasted or uploaded text: kept whole
            name = one_line(item.get("file_name")) or "pasted text"
            parts.append(FilePart(name=name, mime_type="text/plain", data=content.encode()))
    for item in dicts(message.get("files")):  # named, but not held, by the export
        texts.append(f"[file: {one_line(item.get('file_name')) or 'attachment'}]")
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
        timestamp=timestamp(seconds(message.get("created_at")), when),
        metadata=extra,
    )
