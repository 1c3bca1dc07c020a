"""How each kind of timeline row looks: its surface (fill, edge, accent bar) in the light and
dark palettes, the author line above a message, and the colours agents are told apart by.

The palette is written down, with its reasons, in docs/design.md ("Palette").
"""

from __future__ import annotations

import html
from typing import NamedTuple

from PySide6.QtGui import QColor

from threadline.app.timeline import ChatItem

AGENT_COLOURS = ["#2563eb", "#7c3aed", "#0d9488", "#c2410c", "#be185d", "#4d7c0f"]
# The same hues lifted to read on the dark chat background (contrast ≥ 4.5:1 on #1e1f22).
AGENT_COLOURS_DARK = ["#7aa7ff", "#b69cff", "#4fd1c5", "#fb923c", "#f472b6", "#a3e635"]


class Surface(NamedTuple):
    """A row's look: fill (None: the chat background), edge (None: none) and a left accent
    bar (None: none)."""

    fill: str | None
    edge: str | None
    bar: str | None


# kind -> (light, dark). Replies sit on the page itself (a quiet reading column); the user's
# messages are soft bubbles; tool calls are outlined cards; what waits on you is tinted in the
# warning hue with an accent bar.
SURFACES: dict[str, tuple[Surface, Surface]] = {
    "user": (Surface("#eef2f8", None, None), Surface("#2c323c", None, None)),
    "tool": (Surface("#f8f9fb", "#e1e5eb", None), Surface("#24262a", "#363a41", None)),
    "error": (Surface("#fdf0ef", "#f5c9c5", "#dc2626"), Surface("#3a2224", "#5c3035", "#f87171")),
    "approval": (
        Surface("#fff8eb", "#f3d9a4", "#d97706"),
        Surface("#332a19", "#5a4624", "#f59e0b"),
    ),
    "elicitation": (
        Surface("#f1f5ff", "#cfdcf7", "#2563eb"),
        Surface("#1f2738", "#33415c", "#60a5fa"),
    ),
    "sampling": (
        Surface("#fff8eb", "#f3d9a4", "#d97706"),
        Surface("#332a19", "#5a4624", "#f59e0b"),
    ),
}
NONE = Surface(None, None, None)


def surface(kind: str, *, dark: bool) -> Surface:
    """How a row of ``kind`` is drawn in the light or dark palette."""
    pair = SURFACES.get(kind)
    return NONE if pair is None else pair[1 if dark else 0]


def colour(value: str | None) -> QColor | None:
    """``value`` as a ``QColor`` (None stays None)."""
    return QColor(value) if value else None


def agent_colour(name: str, *, dark: bool = False) -> str:
    """A stable colour per agent name, for author labels."""
    colours = AGENT_COLOURS_DARK if dark else AGENT_COLOURS
    return colours[sum(map(ord, name)) % len(colours)]


def header_html(item: ChatItem, *, dark: bool) -> str:
    """The author line above a message: who wrote it, whether it is still being written,
    and (quietly) its usage line. The actions are a toolbar (real buttons) over its right end."""
    status = {"streaming": "typing…", "interrupted": "interrupted"}.get(item.status, "")
    amber = "#fbbf24" if dark else "#b45309"
    status_html = f' &nbsp;<span style="color:{amber}">{status}</span>' if status else ""
    muted = "#9aa0a8" if dark else "#6b7280"
    detail = (
        f' &nbsp;<small style="color:{muted}">{html.escape(item.detail)}</small>'
        if item.detail
        else ""
    )
    if item.kind == "user":
        author, shade = "You", ("#c3cad5" if dark else "#475569")
    else:
        author, shade = item.author, agent_colour(item.author, dark=dark)
    return (
        f'<p style="margin-top:0;margin-bottom:4px"><b style="color:{shade}">'
        f"{html.escape(author)}</b>{status_html}{detail}</p>"
    )
