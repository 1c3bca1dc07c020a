"""A message's actions are a toolbar of real buttons over the row under the pointer, or over the
current row while the keyboard is in the list; other rows show none (a quiet reading column)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAccessible, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.scripted_server import Reply
from tests.ui.helpers import Harness, items, send, wait_idle
from threadline.ui.chat.toolbar_buttons import ActionButton


def _reply_and_question(app: Harness, qtbot: Any) -> tuple[int, int]:
    app.server.script(Reply(text=["The answer is **42**."]))
    send(app, qtbot, "what is the answer?")
    qtbot.waitUntil(lambda: any(i.kind == "assistant" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    model = app.window.chat_model
    qtbot.waitUntil(lambda: all(model.item(r).event_id for r in range(model.rowCount())))
    kinds = [model.item(r).kind for r in range(model.rowCount())]
    return kinds.index("user"), kinds.index("assistant")


def _over(app: Harness, row: int) -> bool:
    """True when the toolbar is showing, inside ``row``'s rectangle, at its top right."""
    chat = app.window.chat
    bar = chat.delegate.toolbar.widget
    rect = chat.view.visualRect(chat.model.index(row))
    bubble = chat.delegate.bubble_at(chat.model.index(row))
    return (
        bar.isVisible()
        and rect.contains(bar.geometry())
        and abs(bar.geometry().right() - bubble.right()) < 8
        and bar.geometry().top() - bubble.top() < 8
    )


def _shown(app: Harness) -> list[str]:
    return [b.action for b in app.window.chat.delegate.toolbar.widget.shown_buttons()]


def test_the_toolbar_shows_on_the_hovered_row_only(app: Harness, qtbot: Any) -> None:
    question, answer = _reply_and_question(app, qtbot)
    chat, toolbar = app.window.chat, app.window.chat.delegate.toolbar
    view, bar = chat.view, toolbar.widget
    chat.composer.setFocus()  # the list without the focus: only the pointer shows a toolbar
    heights = [view.visualRect(chat.model.index(r)).height() for r in (question, answer)]
    QTest.mouseMove(view.viewport(), QPoint(1, view.viewport().height() - 1))  # below the rows
    qtbot.waitUntil(lambda: not bar.isVisible() and toolbar.rows_shown() == [])
    QTest.mouseMove(view.viewport(), view.visualRect(chat.model.index(answer)).center())
    qtbot.waitUntil(lambda: _over(app, answer) and toolbar.rows_shown() == [answer])
    assert bar.parentWidget() is view.viewport()
    assert _shown(app) == ["copy", "branch", "regen", "inspect", "more"]
    assert bar.findChild(type(bar.time_label), "messageTime").text().startswith("Today ")
    QTest.mouseMove(view.viewport(), view.visualRect(chat.model.index(question)).center())
    qtbot.waitUntil(lambda: _over(app, question))
    assert not _over(app, answer) and toolbar.rows_shown() == [question]
    assert _shown(app) == ["copy", "edit", "branch"]
    # Showing it never changes a row's height.
    assert [view.visualRect(chat.model.index(r)).height() for r in (question, answer)] == heights
    # A click on the question's real Copy button copies it, and the button says so a moment.
    copy = bar.buttons["copy"]
    QTest.mouseMove(copy, copy.rect().center())
    QTest.mouseClick(copy, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == "what is the answer?")
    assert app.window.statusBar().currentMessage() == "Message copied to the clipboard"
    assert copy.done  # the check mark
    qtbot.waitUntil(lambda: not copy.done, timeout=4000)  # and back to the copy icon
    QTest.mouseMove(view.viewport(), QPoint(1, view.viewport().height() - 1))
    qtbot.waitUntil(lambda: not bar.isVisible())  # the pointer left the rows


def test_the_toolbar_follows_the_keyboard(app: Harness, qtbot: Any) -> None:
    question, answer = _reply_and_question(app, qtbot)
    chat, toolbar = app.window.chat, app.window.chat.delegate.toolbar
    view, bar = chat.view, toolbar.widget
    app.window.activateWindow()
    view.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(view.hasFocus)
    view.setCurrentIndex(chat.model.index(question))
    qtbot.waitUntil(lambda: _over(app, question))
    qtbot.keyClick(view, Qt.Key.Key_Down)  # arrows move between messages, the toolbar too
    qtbot.waitUntil(lambda: view.currentIndex().row() == answer)
    qtbot.waitUntil(lambda: _over(app, answer))
    # Each button has a name and a tooltip with its key, as a screen reader and a reader see.
    for button in bar.shown_buttons():
        face = QAccessible.queryAccessibleInterface(button)
        assert face is not None and face.role() == QAccessible.Role.Button
        assert face.text(QAccessible.Text.Name) == button.accessibleName() != ""
    assert [b.accessibleName() for b in bar.shown_buttons()] == [
        "Copy",
        "Branch from here",
        "Regenerate",
        "Inspect the request",
        "More actions",
    ]
    assert bar.buttons["regen"].toolTip() == "Regenerate (R)"
    # Tab from the list reaches the buttons, left to right; Shift+Tab and Esc go back.
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is bar.buttons["copy"])
    assert _over(app, answer)  # the focus on its buttons keeps the toolbar
    qtbot.keyClick(bar.buttons["copy"], Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is bar.buttons["branch"])
    qtbot.keyClick(bar.buttons["branch"], Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is bar.buttons["copy"])
    qtbot.keyClick(bar.buttons["copy"], Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(view.hasFocus)
    for _ in range(4):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is bar.buttons["inspect"])
    qtbot.keyClick(bar.buttons["inspect"], Qt.Key.Key_Escape)
    qtbot.waitUntil(view.hasFocus)
    # Enter on a button does what a click does (the magnifier opens the inspector).
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), ActionButton))
    for _ in range(3):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is bar.buttons["inspect"])
    qtbot.keyClick(bar.buttons["inspect"], Qt.Key.Key_Return)
    qtbot.waitUntil(app.window.inspector_dock.isVisible)
    chat.composer.setFocus()  # the focus left the list: no toolbar without the pointer
    qtbot.waitUntil(lambda: not view.hasFocus() and not bar.isVisible())
    assert toolbar.rows_shown() == []


def test_a_tall_replys_toolbar_stays_in_sight(app: Harness, qtbot: Any) -> None:
    app.server.script(Reply(text=["line\n\n" * 120]))
    send(app, qtbot, "a long one")
    qtbot.waitUntil(lambda: any(i.kind == "assistant" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    chat = app.window.chat
    view, bar = chat.view, chat.delegate.toolbar.widget
    model = chat.model
    row = next(r for r in range(model.rowCount()) if model.item(r).kind == "assistant")
    chat.scroll_to_end()
    qtbot.waitUntil(lambda: view.visualRect(model.index(row)).top() < 0)
    rect = view.visualRect(model.index(row))
    QTest.mouseMove(view.viewport(), QPoint(rect.center().x(), 40))
    qtbot.waitUntil(lambda: chat.delegate.toolbar.rows_shown() == [row] and bar.isVisible())
    assert chat.delegate.bubble_at(model.index(row)).top() < 0 <= bar.y() < 10  # kept in sight
    # Scrolling up moves it with the reply's start, once that is in sight.
    scroll = view.verticalScrollBar()
    scroll.setValue(scroll.value() + rect.top() - 60)
    qtbot.waitUntil(lambda: view.visualRect(model.index(row)).top() == 60)
    QTest.mouseMove(view.viewport(), QPoint(rect.center().x(), 200))  # still over the reply
    qtbot.waitUntil(lambda: chat.delegate.toolbar.rows_shown() == [row])
    qtbot.waitUntil(lambda: bar.y() == round(chat.delegate.bubble_at(model.index(row)).top()) + 2)
    # A row scrolled out of sight takes its toolbar with it (the keyboard's current row).
    chat.composer.setFocus()
    QTest.mouseMove(view.viewport(), QPoint(1, view.viewport().height() + 40))  # off the list
    view.setFocus()
    view.setCurrentIndex(model.index(row - 1))
    qtbot.waitUntil(lambda: bar.isVisible() and chat.delegate.toolbar.rows_shown() == [row - 1])
    chat.scroll_to_end()
    qtbot.waitUntil(lambda: not view.visualRect(model.index(row - 1)).intersects(_viewport(view)))
    qtbot.waitUntil(lambda: not bar.isVisible())


def _viewport(view: Any) -> QRect:
    rect: QRect = view.viewport().rect()
    return rect
