"""Markdown to the HTML subset Qt's rich text understands, with highlighted code blocks.

Streaming replies are rendered block by block (``split_stable``): finished blocks are rendered
once, so each ~30 ms update only renders the paragraph still growing (see ``stream_doc``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from markdown_it import MarkdownIt
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

from threadline.app.links import is_web_link

_FORMATTER = HtmlFormatter(noclasses=True, nowrap=True, style="default")


def _fence(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    lang = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
    code = token.content
    try:
        lexer = get_lexer_by_name(lang) if lang else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    body = highlight(code, lexer, _FORMATTER)
    label = html.escape(lang or "code")
    copy = "copy:" + quote(code, safe="")
    # Qt rich text draws no CSS boxes around <pre>; a one-cell table gives the code a background.
    return (
        '<table width="100%" cellpadding="8" cellspacing="0" bgcolor="#f1f3f5"><tr><td>'
        f'<span style="color:#6b7280">{label}</span> &nbsp; '
        f'<a href="{copy}" style="color:#2563eb">Copy</a>'
        '<pre style="margin:0;font-family:monospace;color:#1f2328">'
        f"{body}</pre></td></tr></table>\n"
    )


def _table_open(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return '<table border="1" cellspacing="0" cellpadding="4" style="border-color:#d1d5db">\n'


# breaks: a single line break in a reply stays a line break (poems, addresses), as every chat
# app shows it, streamed or reopened alike.
_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable(
    ["table", "strikethrough"]
)
_MD.validateLink = is_web_link  # type: ignore[method-assign,assignment]  # never an app action
_MD.add_render_rule("fence", _fence)
_MD.add_render_rule("code_block", _fence)
_MD.add_render_rule("table_open", _table_open)


@lru_cache(maxsize=4096)
def render_block(text: str) -> str:
    """HTML for a run of complete Markdown blocks (cached: finished text never re-renders)."""
    return str(_MD.render(text))


def split_stable(text: str) -> tuple[str, str]:
    """Splits at the last blank line outside a code fence: (finished blocks, growing tail)."""
    in_fence = False
    cut = 0
    position = 0
    for line in text.splitlines(keepends=True):
        stripped = line.lstrip()
        if stripped.startswith("```") or stripped.startswith("~~~"):
            in_fence = not in_fence
        position += len(line)
        if not in_fence and not line.strip() and position < len(text):
            cut = position
    return text[:cut], text[cut:]


def render_markdown(text: str) -> str:
    """HTML for a whole message, rendered in the same blocks a streamed one is."""
    stable, tail = split_stable(text)
    return render_block(stable) + (render_block(tail) if tail.strip() else "")


def plain_html(text: str) -> str:
    """Escaped text with line breaks kept (user messages are shown as typed)."""
    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"
