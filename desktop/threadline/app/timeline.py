"""What the chat timeline shows: items built from stored rows and live runner events.

Plain data, no Qt: the chat model holds these, the delegate draws them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Sequence

    from threadline.core.events import Event
    from threadline.sessions import EventRow


Kind = Literal[
    "user", "assistant", "tool", "error", "transfer", "approval", "note", "elicitation", "sampling"
]
AWAITING = "awaiting approval"
WAITING = ("running", AWAITING)  # a tool item's status before its result arrives


@dataclass(eq=False)
class ChatItem:
    """One entry of the timeline."""

    kind: Kind
    author: str
    text: str = ""
    event_id: str = ""
    status: str = ""  # streaming | interrupted | ok | error | timeout | denied | running
    detail: str = ""  # tool result, error message, usage line
    call_id: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    revision: int = 0  # bumped on every change so cached layouts know they are stale

    def touch(self) -> None:
        """Marks the item changed."""
        self.revision += 1


# "Continue" on a cut reply sends this; the timeline shows a quiet note for it, not a bubble.
CONTINUE_PROMPT = (
    "Continue exactly where your last reply stopped. Do not repeat anything you already wrote."
)
CONTINUED_NOTE = "Continued the reply above"


def items_from_rows(rows: Sequence[EventRow]) -> list[ChatItem]:
    """Timeline items for a stored history; only rows that need structure are parsed."""
    from threadline.core.events import Event  # pydantic: loaded after the first paint

    items: list[ChatItem] = []
    tools: dict[str, ChatItem] = {}
    for _seq, event_id, author, role, tag, text, body, stamp in rows:
        first = len(items)
        if role == "user" and text == CONTINUE_PROMPT:
            items.append(ChatItem("note", "runner", CONTINUED_NOTE, event_id))
        elif role == "user":
            user = Event.model_validate_json(body) if body else None
            detail = parts_line(user) if user is not None else ""
            item = ChatItem("user", author, text, event_id, detail=detail)
            if user is not None and user.message is not None and user.message.parts:
                item.data["images"] = image_refs(user.message.parts)
            items.append(item)
        elif role == "assistant" and tag != "agent.transfer":  # a transfer's announcement
            has_calls = '"tool_calls":[{' in body
            status = "interrupted" if tag == "interrupted" else ""
            thought = '"reasoning":"' in body
            if text or thought:
                reply = ChatItem("assistant", author, text, event_id, status)
                if thought:
                    reply.data.update(thinking_data(Event.model_validate_json(body)))
                if tag == "model.reply":  # the figures the streamed reply showed under it
                    reply.detail = _stored_usage_line(body)
                items.append(reply)
            if has_calls:
                event = Event.model_validate_json(body)
                items.extend(_tool_items(event, tools))
        elif role == "tool" or tag in (
            "agent.transfer",
            "tool.approval",
            "error",
            "instruction",
            "team",
            "model",
            "memory",
        ):
            items.extend(items_for_event(Event.model_validate_json(body), tools))
        for item in items[first:]:
            item.data.setdefault("time", stamp)
    _settle_approvals(items, tools)
    stale = {id(i) for i in stale_errors(items)}
    return [i for i in items if id(i) not in stale] if stale else items


def stale_errors(items: Sequence[ChatItem]) -> list[ChatItem]:
    """Error cards a later attempt made good: those followed, before the next message of
    yours, by a finished reply (a 401, then Retry answered). They are history, not news."""
    stale: list[ChatItem] = []
    since_user: list[ChatItem] = []
    for item in items:
        if item.kind == "user":
            since_user = []
        elif item.kind == "error":
            since_user.append(item)
        elif item.kind == "assistant" and item.status == "" and since_user:
            stale.extend(since_user)
            since_user = []
    return stale


def _settle_approvals(items: list[ChatItem], tools: dict[str, ChatItem]) -> None:
    """Approval cards whose call already has a result are history, not pending."""
    for item in items:
        result = tools.get(item.call_id) if item.kind == "approval" else None
        if result is not None and item.status == "pending" and result.status not in WAITING:
            if result.status == "denied":
                item.status = "denied"
            elif result.data.get("edited"):
                item.status = "approved with edited arguments"
            else:
                item.status = "approved"


def pending_calls(items: list[ChatItem]) -> list[str]:
    """Call ids of approval cards still waiting for a decision."""
    return [i.call_id for i in items if i.kind == "approval" and i.status == "pending"]


def items_for_event(event: Event, tools: dict[str, ChatItem]) -> list[ChatItem]:
    """New items for a non-partial live event; tool results update ``tools`` in place. Each
    item knows when its event happened (``data["time"]``, shown on hover)."""
    made = _items_for_event(event, tools)
    for item in made:
        item.data.setdefault("time", event.timestamp)
    return made


def _items_for_event(event: Event, tools: dict[str, ChatItem]) -> list[ChatItem]:
    message = event.message
    if event.error is not None:
        return [ChatItem("error", event.author, event.error.message, event.id, event.error.code)]
    if event.tag == "agent.transfer":
        text = f"{event.metadata.get('from', event.author)} → {event.metadata.get('to', '?')}"
        return [ChatItem("transfer", event.author, text, event.id)]
    if event.tag == "tool.approval":
        pending = event.metadata.get("pending", [])
        for call in pending:  # the call itself is not running: it waits for the person
            waiting = tools.get(call["id"])
            if waiting is not None and waiting.status == "running":
                waiting.status = AWAITING
                waiting.touch()
        return [
            ChatItem(
                "approval",
                event.author,
                f"{call['name']}({call['arguments']})",
                event.id,
                "pending",
                call_id=call["id"],
                data={"name": call["name"], "arguments": call["arguments"]},
            )
            for call in pending
        ]
    if event.tag == "instruction" and event.metadata.get("scope") == "conversation":
        own = event.metadata.get("text")
        note = (
            "From here on this conversation has its own instruction"
            if own is not None
            else "From here on this conversation follows the default instruction"
        )
        return [ChatItem("note", "runner", note, event.id, data={"instruction": own})]
    if event.tag == "instruction":
        version = event.metadata.get("version", "?")
        return [ChatItem("note", "runner", f"Instruction changed to v{version}", event.id)]
    if event.tag == "memory":
        on = bool(event.metadata.get("memory"))
        note = "Memory on: past conversations may help here" if on else "Memory off here"
        return [ChatItem("note", "runner", note, event.id)]
    if event.tag == "team":
        team = event.metadata.get("team", "?")
        return [ChatItem("note", "runner", f"From here on {team} answers", event.id)]
    if event.tag == "model":
        model = event.metadata.get("model") or "the provider's model"
        return [
            ChatItem("note", "runner", f"From here on this conversation asks {model}", event.id)
        ]
    if message is None:
        return []
    if message.role == "user" and message.content == CONTINUE_PROMPT:
        return [ChatItem("note", "runner", CONTINUED_NOTE, event.id)]
    if message.role == "user":
        user = ChatItem("user", event.author, message.content, event.id, detail=parts_line(event))
        if message.parts:
            user.data["images"] = image_refs(message.parts)
        return [user]
    if message.role == "tool":
        item = tools.get(message.tool_call_id or "")
        status = str(event.metadata.get("status", "ok"))
        duration = event.metadata.get("duration_ms")
        if item is None:
            item = ChatItem(
                "tool", event.author, message.name or "tool", call_id=message.tool_call_id or ""
            )
            tools[item.call_id] = item
            created = [item]
        else:
            created = []
        item.status = status
        item.detail = message.content
        item.data.pop("progress", None)
        if message.parts:
            item.data["images"] = image_refs(message.parts)
        if event.metadata.get("edited"):  # it ran with the arguments the person wrote
            arguments = str(event.metadata.get("arguments", ""))
            item.text = f"{message.name}({_short_args(arguments)})"
            item.data.update(arguments=arguments, edited=True)
        item.data["duration_ms"] = duration
        item.touch()
        return created
    items: list[ChatItem] = []
    if message.content or message.reasoning:
        status = "interrupted" if message.interrupted else ""
        reply = ChatItem(
            "assistant", event.author, message.content, event.id, status, detail=usage_line(event)
        )
        reply.data.update(thinking_data(event))
        items.append(reply)
    items.extend(_tool_items(event, tools))
    return items


def _tool_items(event: Event, tools: dict[str, ChatItem]) -> list[ChatItem]:
    created = []
    for call in event.message.tool_calls if event.message else []:
        item = ChatItem(
            "tool",
            event.author,
            f"{call.name}({_short_args(call.arguments)})",
            event.id,
            "running",
            call_id=call.id,
            data={"name": call.name, "arguments": call.arguments},
        )
        tools[call.id] = item
        created.append(item)
    return created


def thinking_data(event: Event) -> dict[str, Any]:
    """What a reply's "Thought for N s" block shows (nothing when the model did not think)."""
    reasoning = event.message.reasoning if event.message is not None else None
    if not reasoning:
        return {}
    data: dict[str, Any] = {"reasoning": reasoning}
    if isinstance(event.metadata.get("reasoning_ms"), int | float):
        data["reasoning_ms"] = event.metadata["reasoning_ms"]
    return data


def parts_line(event: Event) -> str:
    """The attachments a message carries, as the line shown under it ("" without any)."""
    from threadline.app.attachments import summary

    parts = event.message.parts if event.message is not None else []
    if not parts:
        return ""
    return summary([(p.name or p.mime_type, p.mime_type, p.size) for p in parts])


def image_refs(parts: Sequence[Any]) -> list[dict[str, Any]]:
    """What the chat needs to show a message's images: ref, type, size and name of each."""
    return [
        {"ref": p.ref, "mime": p.mime_type, "size": p.size, "name": p.name}
        for p in parts
        if getattr(p, "type", "") == "image" and p.ref
    ]


def progress_line(progress: Any, total: Any, message: Any) -> str:
    """ "step 2 of 3 – copying" for a running tool's progress report."""

    def number(value: Any) -> str:
        return f"{value:g}" if isinstance(value, int | float) else str(value)

    if isinstance(total, int | float) and total > 0:
        if float(progress).is_integer() and float(total).is_integer():
            line = f"step {number(progress)} of {number(total)}"
        else:
            line = f"{100 * float(progress) / total:.0f} %"
    elif progress is not None:
        line = f"step {number(progress)}"
    else:
        line = ""
    text = str(message or "").strip()
    return f"{line} – {text}" if line and text else line or text


def usage_line(event: Event) -> str:
    """ "123 tokens · 41 tok/s · 0.3 s to first token · context 3.1k / 128k" for a reply (what
    the server reported and the runner timed), or empty. The tokens are the reply's own
    (completion tokens, as the rate counts them); the context is the prompt's."""
    usage = event.usage
    if usage is None:
        return _usage_text(event.metadata, 0, 0)
    return _usage_text(event.metadata, usage.prompt_tokens, usage.completion_tokens)


def _stored_usage_line(body: str) -> str:
    """``usage_line`` of a stored reply's JSON, read without building the event."""
    if '"usage":{' not in body and '_ms"' not in body:
        return ""
    data = json.loads(body)
    usage = data.get("usage") or {}
    meta = data.get("metadata") or {}
    return _usage_text(
        meta, int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
    )


def _usage_text(meta: dict[str, Any], prompt: int, completion: int) -> str:
    from threadline.app.context import context_line

    parts = []
    if completion:
        parts.append(f"{completion} token{'s' if completion != 1 else ''}")
    generating = meta.get("generating_ms")
    seconds = generating / 1000 if isinstance(generating, int | float) else 0.0
    if completion > 1 and seconds > 0:
        parts.append(f"{completion / seconds:.0f} tok/s")
    first = meta.get("first_token_ms")
    latency = meta.get("latency_ms")
    retries = meta.get("retries")
    after = (
        f" after {retries} retr{'y' if retries == 1 else 'ies'}"
        if isinstance(retries, int) and retries > 0
        else ""
    )
    if isinstance(first, int | float):
        parts.append(f"{first / 1000:.1f} s to first token{after}")
    elif isinstance(latency, int | float):
        parts.append(f"{latency / 1000:.1f} s{after}")
    if prompt:
        request = meta.get("request")
        model = str(request.get("model", "")) if isinstance(request, dict) else ""
        parts.append(context_line(prompt, model))
    return " · ".join(parts)


RETRY_REASONS = {
    "rate_limited": "Rate limited by the server",
    "server_error": "The model server failed",
    "network": "Could not reach the model server",
    "timeout": "The model server did not answer in time",
}
CONNECTING = "Connecting…"


def retry_line(meta: dict[str, Any], left: float | None = None) -> str:
    """ "Rate limited by the server — retrying in 20 s" for a ``model.retry`` event's metadata
    (``left``: the seconds still to wait, else its whole delay)."""
    reason = RETRY_REASONS.get(str(meta.get("code", "")), "The request failed")
    delay = meta.get("delay_s")
    seconds = left if left is not None else delay if isinstance(delay, int | float) else 0.0
    if seconds < 0.5:
        return f"{reason} — retrying now"
    return f"{reason} — retrying in {max(1, round(seconds))} s"


def _short_args(arguments: str, limit: int = 80) -> str:
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError:
        text = arguments
    else:
        if isinstance(value, dict):
            text = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in value.items())
        else:
            text = arguments
    return text if len(text) <= limit else text[: limit - 1] + "…"
