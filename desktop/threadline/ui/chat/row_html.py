"""The HTML of each kind of timeline row: a message (its author line, then the text as
Markdown or as written), a tool call, an approval, an error, a note."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from threadline.app.timeline import ChatItem
from threadline.ui.chat.bubbles import header_html
from threadline.ui.chat.cards import approval_html, error_html, tool_html
from threadline.ui.chat.thinking import thinking_html

if TYPE_CHECKING:
    from threadline.ui.chat.images import ImageCache

DISPLAY_LIMIT = 100_000  # characters drawn per message; Copy still takes the whole text
TABLE_RULE = ("border-color:#d1d5db", "border-color:#4a4f57")  # markdown's, and on dark


def dark_body(body: str) -> str:
    """A rendered reply recoloured for the dark palette: code, links, and table rules that
    would glare at their light-theme grey."""
    from threadline.app.markdown import for_dark

    return for_dark(body).replace(*TABLE_RULE)


def row_html(item: ChatItem, *, dark: bool, images: ImageCache | None) -> str:
    """``item`` as the HTML its row's document is made from, in the light or dark palette."""
    # markdown-it and Pygments load on the first message drawn, not at start-up.
    from threadline.app.markdown import plain_html, render_markdown, wrapped

    text = item.text
    clipped = len(text) > DISPLAY_LIMIT
    if clipped:
        text = text[:DISPLAY_LIMIT]
    note = (
        f"<p><i>… {len(item.text) - DISPLAY_LIMIT:,} more characters (Copy takes them all)</i></p>"
        if clipped
        else ""
    )
    if item.kind == "user":
        return header_html(item, dark=dark) + plain_html(text) + note + _images(item, images)
    if item.kind == "assistant":
        body = render_markdown(text)
        if item.data.get("wrap"):
            body = wrapped(body)
        if dark:
            body = dark_body(body)
        return header_html(item, dark=dark) + thinking_html(item) + body + note
    if item.kind == "tool":
        return tool_html(item, dark=dark) + _images(item, images)
    if item.kind == "error":
        return error_html(text, dark=dark)
    if item.kind == "transfer":
        return f'<p align="center" style="color:gray">↪ transferred {html.escape(text)}</p>'
    if item.kind == "approval":
        return approval_html(item, dark=dark)
    if item.status == "waiting":  # where the reply will appear: "Connecting…"
        return f'<p style="color:gray"><i>{html.escape(text)}</i></p>'
    if item.kind in ("elicitation", "sampling"):
        from threadline.ui.chat.prompt_html import prompt_html

        return prompt_html(item)
    return f'<p align="center" style="color:gray"><i>{html.escape(text)}</i></p>'


def _images(item: ChatItem, images: ImageCache | None) -> str:
    from threadline.ui.chat.images import images_html  # the runner is loaded by now

    return images_html(item, images)
