"""LaTeX in replies is drawn as math (ziamath's SVG through QtSvg); the source stays copyable."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtGui import QColor, QImage, QTextDocument

from tests.scripted_server import Reply
from tests.ui.helpers import Harness, items, send, wait_idle
from threadline.app.markdown import render_markdown
from threadline.ui.chat.rich_doc import RichDocument

REPLY = (
    "Euler wrote $e^{i\\pi} + 1 = 0$. It costs $5 and $10.\n\\[\n\\int_0^1 x\\,dx = \\frac12\n\\]"
)


def _math_sources(html: str) -> list[str]:
    return re.findall(r'src="(math:[0-9a-f]+)"', html)


def test_a_reply_with_math_draws_formulas_and_keeps_prices_as_text(
    app: Harness, qtbot: Any
) -> None:
    app.server.script(Reply(text=[REPLY]))
    send(app, qtbot, "math please")
    qtbot.waitUntil(lambda: any(i.kind == "assistant" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    reply = next(i for i in items(app) if i.kind == "assistant")
    assert reply.text == REPLY  # what Copy takes: the LaTeX source, \, intact
    html = render_markdown(reply.text)
    assert "$5 and $10" in html  # prices are not math
    sources = _math_sources(html)
    assert len(sources) == 2  # the inline formula and the display one
    doc = RichDocument(QColor("#112233"))
    doc.setHtml(html)
    for source in sources:
        image = doc.resource(QTextDocument.ResourceType.ImageResource.value, source)
        assert isinstance(image, QImage) and not image.isNull()
        assert image.width() > 20 and image.height() > 8
        shown = [
            image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())
        ]
        solid = [c for c in shown if c.alpha() > 200]
        assert solid, "the formula drew nothing"
        # Drawn in the text colour (readable in the dark theme), not the SVG's black.
        assert all(abs(c.red() - 0x11) + abs(c.blue() - 0x33) < 24 for c in solid)
    assert 'alt="\\int_0^1 x\\,dx = \\frac12"' in html  # the source beside the picture


def test_latex_ziamath_cannot_draw_stays_visible_as_source() -> None:
    html = render_markdown("broken $\\frac{$ here")
    assert "<code>$\\frac{$</code>" in html and not _math_sources(html)
