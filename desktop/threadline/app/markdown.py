"""Markdown to the HTML subset Qt's rich text understands, with highlighted code blocks.

Streaming replies are rendered block by block (``split_stable``): finished blocks are rendered
once, so each ~30 ms update only renders the paragraph still growing (see ``stream_doc``).
"""

from __future__ import annotations

import colorsys
import html
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.texmath import texmath_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

from threadline.app.links import is_web_link
from threadline.app.math import math_html

_FORMATTER = HtmlFormatter(noclasses=True, nowrap=True, style="default")
# A code block's long lines run past the bubble until the reader asks for them wrapped (the
# view swaps these for ``wrapped``'s, per message).
PRE_STYLE = 'style="margin:0;font-family:monospace;color:#1f2328"'
WRAP_LABEL = "Wrap lines"


_BACKGROUNDS = {"#f1f3f5": "#2b2f33"}  # the code block's (a table cell's bgcolor)
_COLOUR = re.compile(r"(color:\s*)#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")


@lru_cache(maxsize=256)
def _lighter(hex_colour: str) -> str:
    """The same hue, light enough to read on a dark background."""
    if len(hex_colour) == 3:
        hex_colour = "".join(c * 2 for c in hex_colour)
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4))
    hue, light, sat = colorsys.rgb_to_hls(r, g, b)
    if light >= 0.7:
        return f"#{hex_colour}"
    r, g, b = colorsys.hls_to_rgb(hue, 0.7 if sat > 0.1 else 0.88, sat)
    return "#" + "".join(f"{round(c * 255):02x}" for c in (r, g, b))


def for_dark(html_text: str) -> str:
    """``html_text`` recoloured for the dark theme: every text colour (code highlighting, the
    code block's text, links, labels) lightened in its own hue, the code block darkened."""
    for light, dark in _BACKGROUNDS.items():
        html_text = html_text.replace(f'bgcolor="{light}"', f'bgcolor="{dark}"')
    return _COLOUR.sub(lambda m: m.group(1) + _lighter(m.group(2)), html_text)


def wrapped(html_text: str) -> str:
    """``html_text`` with its code blocks' lines wrapped (and the toggle saying so)."""
    return html_text.replace(
        f"<pre {PRE_STYLE}>",
        '<pre style="margin:0;font-family:monospace;color:#1f2328;white-space:pre-wrap">',
    ).replace(f">{WRAP_LABEL}<", ">Unwrap lines<")


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
        f'<a href="{copy}" style="color:#2563eb">Copy</a> &nbsp; '
        f'<a href="act:wrap" style="color:#2563eb">{WRAP_LABEL}</a>'
        f"<pre {PRE_STYLE}>"
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
# Math: $…$ and $$…$$ (not "$5 and $10": no digit or space just inside the dollars), \(…\)
# and \[…\]; never inside code. Drawn by app.math.
dollarmath_plugin(_MD, allow_space=False, allow_digits=False, double_inline=True)
texmath_plugin(_MD, delimiters="brackets")


def _inline_math(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return math_html(tokens[idx].content, display=False)


def _display_math(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return math_html(tokens[idx].content, display=True)


def _display_in_line(
    renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    return math_html(tokens[idx].content, display=True, block=False)


_MD.add_render_rule("math_inline", _inline_math)
_MD.add_render_rule("math_inline_double", _display_in_line)
for _rule in ("math_block", "math_block_label", "math_block_eqno"):
    _MD.add_render_rule(_rule, _display_math)


@lru_cache(maxsize=4096)
def render_block(text: str) -> str:
    """HTML for a run of complete Markdown blocks (cached: finished text never re-renders)."""
    return str(_MD.render(_separate_display_math(text)))


def _separate_display_math(text: str) -> str:
    """Blank lines around display math that starts or ends a line (models write "So:\n\\[")
    outside code fences: a math block, like any block, cannot interrupt a paragraph."""
    if "\\[" not in text and "$$" not in text:
        return text
    out: list[str] = []
    in_fence = False
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
        opens = not in_fence and stripped.startswith(("\\[", "$$"))
        if opens and out and out[-1].strip():
            out.append("")
        out.append(line)
        if (
            not in_fence
            and stripped.endswith(("\\]", "$$"))
            and (opens or stripped in ("\\]", "$$"))
        ):
            out.append("")
    return "\n".join(out)


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
