"""The composer is one rounded box: the text, Attach, Stop and Send inside an outline from the
palette, Send at its bottom right, the focus ring on the box while the text has the keyboard;
the text grows with its lines; every name, key and signal the composer had is kept."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from tests.scripted_server import Reply
from tests.ui.helpers import Harness, items, wait_idle


def _in(box: QWidget, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(box, QPoint(0, 0)), widget.size())


def _near(a: QColor, b: QColor, tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def test_the_composer_is_a_rounded_box_with_send_inside(app: Harness, qtbot: Any) -> None:
    window, chat = app.window, app.window.chat
    box = chat.composer_box
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window and box.isVisible())
    composer, send, stop, attach = (
        chat.composer,
        chat.send_button,
        chat.stop_button,
        chat.attach_button,
    )
    for widget, name in (
        (composer, "composer"),
        (send, "sendButton"),
        (stop, "stopButton"),
        (attach, "attachButton"),
    ):
        assert box.isAncestorOf(widget) and widget.objectName() == name
    assert composer.accessibleName() == "Message composer"
    assert attach.accessibleName() == "Attach files"
    assert isinstance(send, QPushButton) and send.accessibleName() == "Send" and send.isDefault()
    assert stop.accessibleName() == "Stop" and not stop.isEnabled()
    inside = box.rect()
    text, at_send, at_stop, at_attach = (_in(box, w) for w in (composer, send, stop, attach))
    for rect in (text, at_send, at_stop, at_attach):
        assert inside.contains(rect), rect
    assert at_send.top() >= text.bottom() and box.height() - at_send.bottom() <= 16  # bottom
    assert box.width() - at_send.right() <= 16 and at_stop.right() < at_send.left()  # right
    assert at_attach.left() <= 16 and at_attach.right() < at_stop.left()  # Attach at the left

    # The outline: Mid at rest, the accent's 2 px ring while the text has the keyboard.
    palette = composer.palette()
    window.sidebar.search.setFocus()
    qtbot.waitUntil(lambda: not box.has_ring())
    rest = box.grab().toImage()
    top = QPoint(box.width() // 2, 0)
    assert _near(rest.pixelColor(top), palette.color(QPalette.ColorRole.Mid))
    composer.setFocus()
    qtbot.waitUntil(box.has_ring)
    ringed = box.grab().toImage()
    accent = palette.color(QPalette.ColorRole.Highlight)
    assert _near(ringed.pixelColor(QPoint(top.x(), 1)), accent)
    assert _near(ringed.pixelColor(QPoint(1, box.height() // 2)), accent)
    assert not _near(rest.pixelColor(QPoint(top.x(), 1)), accent)

    # The text grows with its lines (Shift+Enter), up to a limit, and shrinks back.
    one_line = composer.height()
    qtbot.keyClicks(composer, "first")
    for word in ("second", "third"):
        qtbot.keyClick(composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
        qtbot.keyClicks(composer, word)
    qtbot.waitUntil(lambda: composer.height() > 2 * one_line)
    for _ in range(20):
        qtbot.keyClick(composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    capped = composer.height()
    assert capped < 10 * one_line
    composer.clear()
    qtbot.waitUntil(lambda: composer.height() == one_line)

    # Enter still sends from inside the box; the reply's run enables Stop inside it.
    app.server.script(Reply(text=["Hello."]))
    qtbot.keyClicks(composer, "hi there")
    assert send.ready
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(i.text == "Hello." and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    assert composer.toPlainText() == "" and not send.ready
