"""The reasoning block drawn above a reply ("Thinking…", then "Thought for N s")."""

from __future__ import annotations

import html

from threadline.app.timeline import ChatItem

THINKING_TAIL = 240  # characters of the reasoning shown while the model is still thinking


def thinking_html(item: ChatItem) -> str:
    """The reasoning block above a reply: "Thinking…" with its latest words while only the
    reasoning streams, then a "Thought for N s" line that opens to the whole text."""
    reasoning = str(item.data.get("reasoning", ""))
    if not reasoning:
        return ""
    if item.status == "streaming" and not item.text:
        tail = reasoning[-THINKING_TAIL:]
        return (
            f'<p style="color:gray"><i>Thinking…</i> {html.escape(tail).replace(chr(10), " ")}</p>'
        )
    milliseconds = item.data.get("reasoning_ms")
    if not isinstance(milliseconds, int | float):
        label = "Thought"
    elif milliseconds < 1000:
        label = "Thought for less than a second"
    else:
        label = f"Thought for {round(float(milliseconds) / 1000)} s"
    if not item.data.get("thinking_open"):
        return f'<p><a href="act:thinking">▸ {label}</a></p>'
    body = html.escape(reasoning).replace("\n", "<br>")
    return (
        f'<p><a href="act:thinking">▾ {label}</a></p>'
        f'<blockquote style="color:gray"><i>{body}</i></blockquote>'
    )
