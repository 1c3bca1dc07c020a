"""A ChatGPT ``conversations.json`` conversation as Threadline sessions.

A ChatGPT conversation is a tree: every edited message and every regenerated reply adds a
sibling under the same parent. The path from the root to ``current_node`` (what ChatGPT showed
last) becomes the conversation; every other child of a node becomes a Threadline branch of the
session it leaves, forked at the last message kept before it (the message both share), and
follows its newest child down. System and hidden messages, tool calls and tool output are left
out; images, which the export holds only as references, become an "[image]" note; ``thoughts``
become the reply's reasoning. Timestamps are kept (messages, and the conversations' dates).
"""

from __future__ import annotations

from collections import deque
from typing import Any

from threadline.core.events import Event, Message
from threadline.sessions.bulk import SessionPlan
from threadline.sessions.foreign.common import (
    ASSISTANT,
    IMAGE_NOTE,
    as_dict,
    as_list,
    date_plans,
    dicts,
    first_title,
    one_line,
    seconds,
    timestamp,
)

CHATGPT = "ChatGPT"


def chatgpt_plans(conversation: dict[str, Any]) -> list[SessionPlan]:
    """The conversation and its branches (local parent indices), or [] when it is empty."""
    mapping = {k: v for k, v in conversation["mapping"].items() if isinstance(v, dict)}
    title = one_line(conversation.get("title"))
    started = seconds(conversation.get("create_time"))

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
    date_plans(plans, started, seconds(conversation.get("update_time")))
    if not plans[0].events and len(plans) == 1:
        return []
    plans[0].title = plans[0].title or first_title(plans) or f"{CHATGPT} conversation"
    for plan in plans[1:]:
        plan.title = plans[0].title
    return plans


def _chatgpt_event(message: Any, when: float | None) -> Event | str | None:
    """The event a ChatGPT message becomes; its reasoning text for ``thoughts``; else None."""
    if not isinstance(message, dict):
        return None
    role = as_dict(message.get("author")).get("role")
    meta = as_dict(message.get("metadata"))
    content = as_dict(message.get("content"))
    if meta.get("is_visually_hidden_from_conversation") or meta.get("is_user_system_message"):
        return None
    kind = content.get("content_type")
    if role == "assistant" and message.get("recipient", "all") not in ("all", None):
        return None  # a call to a tool (code, browsing, image generation), not a reply
    if role == "assistant" and kind == "thoughts":
        thoughts = dicts(content.get("thoughts"))
        texts = [t.get("content") or t.get("summary") for t in thoughts]
        return "\n\n".join(t for t in texts if isinstance(t, str) and t.strip()) or None
    if kind not in ("text", "multimodal_text"):
        return None  # system errors, quotes, browsing displays, code output, context
    pieces = [_chatgpt_part(part) for part in as_list(content.get("parts"))]
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
        timestamp=timestamp(seconds(message.get("create_time")), when),
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
    for item in dicts(attachments):
        mime = str(item.get("mime_type") or item.get("mimeType") or "")
        if not mime.startswith("image/"):  # images are parts already
            notes.append(f"[file: {one_line(item.get('name')) or 'attachment'}]")
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
