"""The designed palettes: an approval card stands out from a reply in both themes, the focused
control draws a 2 px ring in the accent colour, tick boxes read in the dark, and the
screenshot script (tests/ui/shots.py) runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication, QCheckBox, QLineEdit, QPushButton, QVBoxLayout, QWidget

from tests.scripted_server import calls, text
from tests.ui import shots
from tests.ui.helpers import Harness, items, send, wait_idle
from threadline.ui.chat.bubbles import surface
from threadline.ui.shell.theme import DARK, LIGHT, apply_theme
from threadline.ui.shell.theme_style import ThreadlineStyle


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[QApplication]:
    """The application with Threadline's style; its palette given back afterwards."""
    palette = QPalette(qapp.palette())
    yield qapp
    qapp.setPalette(palette)


def _pixel(image: QImage, x: int, y: int) -> QColor:
    return image.pixelColor(x, y)


def _near(a: QColor, b: QColor, slack: int = 24) -> bool:
    return all(abs(p - q) <= slack for p, q in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def test_an_approval_card_is_coloured_apart_from_a_reply_in_both_themes(
    app: Harness, qtbot: Any, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("milk", encoding="utf-8")
    app.server.script(
        text("First, a reply."), calls(("read_text_file", json.dumps({"path": str(notes)})))
    )
    send(app, qtbot, "hello")
    qtbot.waitUntil(lambda: any(i.kind == "assistant" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    send(app, qtbot, "read my notes")
    qtbot.waitUntil(lambda: any(i.kind == "approval" for i in items(app)))
    wait_idle(app, qtbot)
    chat, model = app.window.chat, app.window.chat_model
    rows = {model.item(r).kind: r for r in range(model.rowCount())}

    def fill(kind: str) -> QColor:
        rect = chat.view.visualRect(model.index(rows[kind]))
        bubble = chat.delegate._bubble(rect)
        image = chat.view.viewport().grab().toImage()
        # Inside the bubble, below its header line and clear of the accent bar and of text.
        return _pixel(image, int(bubble.right()) - 12, int(bubble.bottom()) - 4)

    for theme, dark in (("light", False), ("dark", True)):
        app.window.settings_panel.theme.setCurrentText(theme.title())  # the label
        base = QColor((DARK if dark else LIGHT)[QPalette.ColorRole.Base])
        qtbot.waitUntil(
            lambda base=base: chat.view.palette().color(QPalette.ColorRole.Base) == base
        )
        qtbot.waitUntil(lambda base=base: fill("assistant") == base)  # a reply on the page
        card = fill("approval")
        expected = QColor(surface("approval", dark=dark).fill or "")
        assert _near(card, expected, 2), (theme, card.name(), expected.name())
        assert card != fill("assistant") and card != fill("user")
        assert 25 <= card.hsvHue() <= 50  # warm: the warning hue, not the accent's blue
        rect = chat.view.visualRect(model.index(rows["approval"]))
        bubble = chat.delegate._bubble(rect)
        bar = _pixel(
            chat.view.viewport().grab().toImage(), int(bubble.left()) + 2, int(bubble.center().y())
        )
        assert _near(bar, QColor(surface("approval", dark=dark).bar or ""), 4)  # the accent bar
    app.window.settings_panel.theme.setCurrentText("Light")


def _window(*children: QWidget) -> QWidget:
    window = QWidget()
    layout = QVBoxLayout(window)
    for child in children:
        layout.addWidget(child)
    window.resize(260, 160)
    return window


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_focused_button_and_field_draw_a_two_pixel_accent_ring(
    themed: QApplication, qtbot: Any, theme: str
) -> None:
    apply_theme(themed, theme)
    assert isinstance(themed.style(), ThreadlineStyle)
    accent = QColor((DARK if theme == "dark" else LIGHT)[QPalette.ColorRole.Highlight])
    other, button, field = QPushButton("Other"), QPushButton("Send"), QLineEdit("text")
    window = _window(other, button, field)  # the Tab order: other, button, field
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)

    def edge(widget: QWidget) -> list[QColor]:  # the ring's 2 px at the left, mid-height
        image = widget.grab().toImage()
        middle = image.height() // 2
        return [_pixel(image, x, middle) for x in (0, 1)]

    other.setFocus()
    qtbot.waitUntil(other.hasFocus)
    assert not any(_near(c, accent) for c in edge(button))  # no ring without the focus
    assert not any(_near(c, accent) for c in edge(field))
    qtbot.keyClick(other, Qt.Key.Key_Tab)  # the keyboard moves the focus: a ring
    qtbot.waitUntil(button.hasFocus)
    qtbot.waitUntil(lambda: all(_near(c, accent, 8) for c in edge(button)))
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)  # a field shows it however focused
    qtbot.waitUntil(field.hasFocus)
    qtbot.waitUntil(lambda: all(_near(c, accent, 8) for c in edge(field)))
    assert not any(_near(c, accent) for c in edge(button))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # a click gives no button a ring
    qtbot.waitUntil(button.hasFocus)
    assert not any(_near(c, accent) for c in edge(button))


def test_a_ticked_box_is_filled_with_the_accent_in_the_dark(
    themed: QApplication, qtbot: Any
) -> None:
    apply_theme(themed, "dark")
    accent = QColor(DARK[QPalette.ColorRole.Highlight])
    ticked, empty = QCheckBox("Stream replies"), QCheckBox("Memory")
    ticked.setChecked(True)
    window = _window(ticked, empty)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    def accent_pixels(box: QCheckBox) -> int:
        image = box.grab().toImage()
        side = box.height()
        return sum(
            _near(_pixel(image, x, y), accent)
            for x in range(min(side, image.width()))
            for y in range(image.height())
        )

    assert accent_pixels(ticked) > 40 and accent_pixels(empty) == 0
    image = empty.grab().toImage()
    page = QColor(DARK[QPalette.ColorRole.Window])
    outline = [
        _pixel(image, x, image.height() // 2) for x in range(min(image.height(), image.width()))
    ]
    assert any(abs(c.lightness() - page.lightness()) > 40 for c in outline)  # its edge shows


def test_the_screenshot_script_takes_a_narrow_dark_set(
    app: Harness, qtbot: Any, tmp_path: Path
) -> None:
    shots.fill_sidebar(app, qtbot)
    shots.converse(app, qtbot, tmp_path / "notes.txt")
    saved = shots.take(
        app, qtbot, tmp_path / "shots", themes=["dark"], sizes={"narrow": (680, 600)}
    )
    assert [p.name for p in saved] == ["dark-narrow-chat.png", "dark-narrow-sidebar.png"]
    chat = QImage(str(saved[0]))
    assert chat.width() == 680 and chat.height() == 600
    assert QImage(str(saved[1])) != chat  # the sidebar came out for the second one
    window = app.window
    assert not window.sidebar.isVisible() and window.chat.isVisible()
    page = QColor(DARK[QPalette.ColorRole.Base])
    view = window.chat.view
    corner = view.mapTo(window, QPoint(2, view.height() - 2))
    assert _near(chat.pixelColor(corner), page, 3)  # drawn in the dark palette
    app.window.settings_panel.theme.setCurrentText("Light")
