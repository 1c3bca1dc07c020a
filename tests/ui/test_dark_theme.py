"""The dark theme is a palette of its own: code blocks, highlighting and links are recoloured to
read on dark; a theme change redraws what was drawn in the old colours."""

from __future__ import annotations

import colorsys
import re
from typing import Any

from tests.scripted_server import Reply
from tests.ui.helpers import Harness, items, send, wait_idle
from threadline.app.markdown import for_dark, render_markdown

CODE = "```python\ndef area(r):\n    return 3.14 * r * r  # a circle\n```\n"


def _lightness(hex_colour: str) -> float:
    if len(hex_colour) == 3:
        hex_colour = "".join(c * 2 for c in hex_colour)
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return colorsys.rgb_to_hls(r, g, b)[1]


def test_every_text_colour_of_a_code_block_reads_on_dark() -> None:
    light = render_markdown(CODE)
    dark = for_dark(light)
    assert 'bgcolor="#2b2f33"' in dark and 'bgcolor="#f1f3f5"' not in dark
    colours = re.findall(r"color:\s*#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b", dark)
    assert colours and all(_lightness(c) >= 0.69 for c in colours)
    assert min(_lightness(c) for c in re.findall(r"color:\s*#(\w{3,6})\b", light)) < 0.5


def test_switching_to_dark_redraws_the_conversation_in_dark_colours(
    app: Harness, qtbot: Any
) -> None:
    app.server.script(Reply(text=[CODE]))
    send(app, qtbot, "code")
    qtbot.waitUntil(lambda: any(i.kind == "assistant" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    reply = next(i for i in items(app) if i.kind == "assistant")
    delegate, view = app.window.chat.delegate, app.window.chat.view
    assert (
        "#2b2f33" not in delegate.document(reply, delegate._text_width(), view.palette()).toHtml()
    )
    app.window.settings_panel.theme.setCurrentText("Dark")
    qtbot.waitUntil(lambda: view.palette().color(view.palette().ColorRole.Base).lightness() < 128)
    html = delegate.document(reply, delegate._text_width(), view.palette()).toHtml()
    assert "#2b2f33" in html  # the code block was drawn again, in the dark palette
    app.window.grab().save(str(app.services.folder / "dark.png"))
    app.window.settings_panel.theme.setCurrentText("Light")
