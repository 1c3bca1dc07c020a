"""The window's icons: Material Design Icons, one well-kept set, as the font qtawesome ships.

The font is loaded straight from the qtawesome package (11 ms) rather than through qtawesome
itself, whose start-up reads every bundled font's character map (~400 ms on the GUI thread).
Glyphs are text, so they are crisp at any scale and take the palette's colours.
"""

from __future__ import annotations

import html
import importlib.util
from pathlib import Path

from PySide6.QtGui import QFontDatabase

FONT_FILE = "materialdesignicons6-webfont-6.9.96.ttf"
FAMILY = "Material Design Icons"
# action -> (code point in the font, what the icon does: its tooltip and accessible name)
GLYPHS: dict[str, tuple[int, str]] = {
    "copy": (0xF018F, "Copy"),
    "edit": (0xF0CB6, "Edit (makes a branch)"),
    "branch": (0xF062C, "Branch from here"),
    "regen": (0xF0450, "Regenerate"),
    "continue": (0xF0F1B, "Continue"),
    "inspect": (0xF0349, "Inspect the request"),
    "retry": (0xF0450, "Retry"),
    "more": (0xF01D8, "More actions"),
}
# Glyphs the cards draw (not message actions): name -> code point.
MARKS: dict[str, int] = {
    "done": 0xF012C,  # check: Copy worked, a call was approved
    "approve": 0xF05E1,  # check-circle-outline
    "deny": 0xF015A,  # close-circle-outline
    "edit-args": 0xF0626,  # code-json
    "always": 0xF0CC8,  # shield-check-outline
    "approval": 0xF0ECD,  # shield-alert-outline
    "tool": 0xF0BE0,  # wrench-outline
    "open": 0xF0140,  # chevron-down
    "closed": 0xF0142,  # chevron-right
    "error": 0xF05D6,  # alert-circle-outline
    "menu": 0xF035C,  # the sidebar drawer's button in a narrow window
    "more": 0xF01D8,  # dots-horizontal: a sidebar row's menu
    "pin": 0xF0931,  # pin-outline
    "unpin": 0xF0930,  # pin-off-outline
    "attach": 0xF03E2,  # paperclip
    "send": 0xF005D,  # arrow-up
    "stop": 0xF04DB,  # stop (a square)
}
_loaded: bool | None = None


def icon_font() -> bool:
    """Registers the icon font once; False when the qtawesome package or its font is missing
    (the actions then show as words)."""
    global _loaded
    if _loaded is None:
        spec = importlib.util.find_spec("qtawesome")
        folder = Path(spec.origin).parent / "fonts" if spec and spec.origin else None
        font = folder / FONT_FILE if folder else None
        _loaded = bool(font and font.exists() and QFontDatabase.addApplicationFont(str(font)) >= 0)
    return _loaded


def action_link(action: str, colour: str) -> str:
    """A message action as a link: its icon (or its name without the font)."""
    code, name = GLYPHS[action]
    if not icon_font():
        return f'<a href="act:{action}">{html.escape(name.split(" (")[0])}</a>'
    return (
        f'<a href="act:{action}" style="text-decoration:none">'
        f"<span style=\"font-family:'{FAMILY}';font-size:17px;color:{colour}\">&#x{code:x};</span>"
        "</a>"
    )


def glyph(code: int) -> str:
    """The icon font's character for ``code`` (draw it in a font of family ``FAMILY``)."""
    return chr(code)


def mark_html(name: str, colour: str, size: int = 15) -> str:
    """One of ``MARKS`` inline in HTML, in ``colour`` ("" without the icon font)."""
    if not icon_font():
        return ""
    return (
        f"<span style=\"font-family:'{FAMILY}';font-size:{size}px;color:{colour}\">"
        f"&#x{MARKS[name]:x};</span>"
    )


def action_at(href: str) -> str:
    """The tooltip for a message link's target ("act:copy" -> "Copy"), or ""."""
    found = GLYPHS.get(href.removeprefix("act:"))
    return found[1] if found else ""
