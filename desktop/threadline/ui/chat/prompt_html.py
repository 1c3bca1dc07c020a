"""The rich text of MCP prompt cards: a sampling request, an address to open, a settled form."""

from __future__ import annotations

import html
import json
from typing import Any

from threadline.app.timeline import ChatItem

SETTLED_COLOUR = {"accepted": "#16a34a", "approved": "#16a34a"}


def prompt_html(item: ChatItem) -> str:
    """The card of an ``elicitation`` or ``sampling`` item (a pending form draws a widget)."""
    if item.kind == "sampling":
        return sampling_html(item)
    return elicitation_html(item)


def _status(item: ChatItem) -> str:
    colour = SETTLED_COLOUR.get(item.status, "#dc2626")
    detail = f" — {html.escape(item.detail)}" if item.detail else ""
    return f'<span style="color:{colour}">{html.escape(item.status)}</span>{detail}'


def elicitation_html(item: ChatItem) -> str:
    server = html.escape(str(item.data.get("server", "")))
    message = html.escape(item.text)
    if item.data.get("mode") == "url":
        url = html.escape(str(item.data.get("url", "")))
        head = (
            f"<b>{server}</b> asks you to open an address: {message}"
            f'<pre style="font-family:monospace">{url}</pre>'
        )
        if item.status != "pending":
            return head + _status(item)
        return head + (
            '<a href="act:elicit-open">Open…</a> · <a href="act:elicit-decline">Decline</a> · '
            '<a href="act:elicit-cancel">Cancel</a>'
        )
    return f"<b>{server}</b> asked you: {message}<br>{_status(item)}"


def _content(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: text as text, images by their type
        pieces = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text":
                pieces.append(str(part.get("text", "")))
            elif isinstance(part, dict) and part.get("type") == "image_url":
                pieces.append("[an image]")
            else:
                pieces.append(json.dumps(part, ensure_ascii=False)[:200])
        return "\n".join(pieces)
    return json.dumps(content, ensure_ascii=False)


def sampling_html(item: ChatItem) -> str:
    """The request exactly as it would go to the model, and Approve / Deny."""
    data = item.data
    server = html.escape(str(data.get("server", "")))
    model = html.escape(str(data.get("model", "")))
    rows = []
    system = str(data.get("system_prompt") or "")
    if system:
        rows.append(("system", system))
    for message in data.get("messages", []):
        rows.append((str(message.get("role", "?")), _content(message.get("content", ""))))
    body = "".join(
        f'<p><b>{html.escape(role)}</b><br><span style="font-family:monospace">'
        f"{html.escape(text).replace(chr(10), '<br>')}</span></p>"
        for role, text in rows
    )
    facts = [f"at most {data.get('max_tokens')} tokens"]
    if data.get("temperature") is not None:
        facts.append(f"temperature {data['temperature']:g}")
    if data.get("stop"):
        facts.append("stops at " + ", ".join(repr(s) for s in data["stop"]))
    if data.get("model_hints"):
        facts.append("the server would like " + ", ".join(data["model_hints"]))
    if data.get("include_context") and data["include_context"] != "none":
        facts.append("it asked for context; nothing from this conversation is added")
    head = (
        f"<b>Sampling request</b>: <b>{server}</b> wants the model <b>{model}</b> to answer"
        f"{body}<small style='color:gray'>{html.escape(' · '.join(facts))}</small><br>"
    )
    if item.status != "pending":
        return head + _status(item)
    return head + '<a href="act:sample-approve">Approve</a> · <a href="act:sample-deny">Deny</a>'
