"""LaTeX in replies drawn as math: ziamath lays the formula out and writes SVG (pure Python,
with its STIX Two Math font); the chat view paints that SVG (``ui/chat/rich_doc``).

Markdown hands each formula here (``markdown``); the HTML keeps an ``<img src="math:KEY">``
whose alt text is the LaTeX source, and the SVG waits under KEY until the view asks for it.
A formula ziamath cannot read stays visible as its source, in code style.
"""

from __future__ import annotations

import hashlib
import html
from collections import OrderedDict
from typing import NamedTuple

INLINE_SIZE = 17  # px: the formula's em beside 14-15 px text
DISPLAY_SIZE = 20
_KEPT = 2048  # formulas whose SVG is kept for the view


class Formula(NamedTuple):
    svg: str
    width: float  # px at 1× scale
    height: float


_formulas: OrderedDict[str, Formula] = OrderedDict()


def math_html(latex: str, *, display: bool, block: bool | None = None) -> str:
    """An ``<img>`` showing ``latex`` (display style in a centred paragraph when ``display``,
    unless not ``block``: ``$$…$$`` inside a line), or the source in code style when it is not
    LaTeX that ziamath can draw."""
    block = display if block is None else block
    key = hashlib.sha1(f"{display}:{latex}".encode()).hexdigest()[:20]
    formula = _formulas.get(key) or _draw(key, latex, display)
    source = html.escape(latex.strip())
    if formula is None:
        code = f"<code>{'$$' if display else '$'}{source}{'$$' if display else '$'}</code>"
        return f"<p>{code}</p>\n" if block else code
    image = (
        f'<img src="math:{key}" width="{formula.width:.0f}" height="{formula.height:.0f}"'
        f' align="middle" alt="{source}" title="{source}">'
    )
    return f'<p align="center">{image}</p>\n' if block else image


def formula(key: str) -> Formula | None:
    """The drawn formula under ``key`` (the ``math:`` image source), if still kept."""
    found = _formulas.get(key)
    if found is not None:
        _formulas.move_to_end(key)
    return found


def _draw(key: str, latex: str, display: bool) -> Formula | None:
    import ziamath  # ~50 ms to load with its font: only once a reply holds math

    ziamath.config.svg2 = False  # type: ignore[attr-defined]  # plain paths: QtSvg (SVG Tiny) draws no <symbol> with a viewBox

    try:
        drawn = ziamath.Latex(latex, size=DISPLAY_SIZE if display else INLINE_SIZE)  # type: ignore[attr-defined]
        svg = drawn.svg()
        width, height = _svg_size(svg)
    except Exception:
        return None
    found = Formula(svg, width, height)
    _formulas[key] = found
    while len(_formulas) > _KEPT:
        _formulas.popitem(last=False)
    return found


def _svg_size(svg: str) -> tuple[float, float]:
    head = svg[: svg.index(">")]
    width = float(head.split('width="', 1)[1].split('"', 1)[0])
    height = float(head.split('height="', 1)[1].split('"', 1)[0])
    return width, height
