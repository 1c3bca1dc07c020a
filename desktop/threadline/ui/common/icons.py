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


def action_at(href: str) -> str:
    """The tooltip for a message link's target ("act:copy" -> "Copy"), or ""."""
    found = GLYPHS.get(href.removeprefix("act:"))
    return found[1] if found else ""
