"""A message's actions are an icon toolbar on the row under the pointer and on the current row
while the list has the keyboard focus; other rows show none (a quiet reading column)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtTest import QTest

from tests.scripted_server import Reply
from tests.ui.helpers import Harness, items, send, wait_idle


def _reply_and_question(app: Harness, qtbot: Any) -> tuple[int, int]:
    app.server.script(Reply(text=["The answer is **42**."]))
    send(app, qtbot, "what is the answer?")
    qtbot.waitUntil(lambda: any(i.kind == "assistant" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    model = app.window.chat_model
    qtbot.waitUntil(lambda: all(model.item(r).event_id for r in range(model.rowCount())))
    kinds = [model.item(r).kind for r in range(model.rowCount())]
    return kinds.index("user"), kinds.index("assistant")


def _header(app: Harness, row: int) -> QImage:
    """The right end of the row's header line, where its toolbar appears, as painted."""
    view = app.window.chat.view
    rect = view.visualRect(app.window.chat_model.index(row))
    area = QRect(rect.right() - 420, rect.top(), 420, 32).intersected(view.viewport().rect())
    return view.viewport().grab(area).toImage()


def test_the_toolbar_shows_on_the_hovered_row_only(app: Harness, qtbot: Any) -> None:
    question, answer = _reply_and_question(app, qtbot)
    chat, delegate = app.window.chat, app.window.chat.delegate
    view = chat.view
    chat.composer.setFocus()  # the list without the focus: only the pointer shows a toolbar
    QTest.mouseMove(view.viewport(), QPoint(1, view.viewport().height() - 1))  # below the rows
    qtbot.waitUntil(lambda: delegate.toolbar.rows_shown() == [])
    quiet = _header(app, answer)
    QTest.mouseMove(view.viewport(), view.visualRect(chat.model.index(answer)).center())
    qtbot.waitUntil(lambda: delegate.toolbar.rows_shown() == [answer])
    qtbot.waitUntil(lambda: _header(app, answer) != quiet)  # painted, not only tracked
    hovered = _header(app, answer)
    QTest.mouseMove(view.viewport(), view.visualRect(chat.model.index(question)).center())
    qtbot.waitUntil(lambda: delegate.toolbar.rows_shown() == [question])
    qtbot.waitUntil(lambda: _header(app, answer) == quiet)  # the reply is quiet again
    assert hovered != quiet
    # A click on the question's Copy icon copies it, and its icon says so.
    index = chat.model.index(question)
    bubble = delegate._bubble(
        view.visualRect(index),
        chat.model.item(question),
        delegate.document(chat.model.item(question), delegate._text_width(), view.palette()),
    )
    buttons = dict(delegate.toolbar.buttons(chat.model.item(question), bubble))
    assert list(buttons) == ["copy", "edit", "branch"]
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=buttons["copy"].center().toPoint()
    )
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == "what is the answer?")
    assert app.window.statusBar().currentMessage() == "Message copied to the clipboard"
    assert delegate.toolbar._flashing(chat.model.item(question))


def test_the_toolbar_follows_the_keyboard(app: Harness, qtbot: Any) -> None:
    question, answer = _reply_and_question(app, qtbot)
    chat, delegate = app.window.chat, app.window.chat.delegate
    view = chat.view
    app.window.activateWindow()
    view.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(view.hasFocus)
    view.setCurrentIndex(chat.model.index(question))
    qtbot.waitUntil(lambda: delegate.toolbar.rows_shown() == [question])
    qtbot.keyClick(view, Qt.Key.Key_Down)  # arrows move between messages, the toolbar too
    qtbot.waitUntil(lambda: view.currentIndex().row() == answer)
    assert delegate.toolbar.rows_shown() == [answer]
    item = chat.model.item(answer)
    bubble = delegate._bubble(
        view.visualRect(chat.model.index(answer)),
        item,
        delegate.document(item, delegate._text_width(), view.palette()),
    )
    regen = dict(delegate.toolbar.buttons(item, bubble))["regen"]
    assert delegate.toolbar.action_at(chat.model.index(answer), bubble, regen.center()) == (
        "act:regen"
    )
    chat.composer.setFocus()  # the focus left the list: no toolbar without the pointer
    qtbot.waitUntil(lambda: not view.hasFocus())
    assert delegate.toolbar.rows_shown() == []
    assert delegate.toolbar.action_at(chat.model.index(answer), bubble, regen.center()) == ""
    assert (
        delegate.link_at(chat.model.index(answer), QPointF(regen.center()), _option(view, answer))
        == ""
    )


def _option(view: Any, row: int) -> Any:
    from PySide6.QtWidgets import QStyleOptionViewItem

    option = QStyleOptionViewItem()
    option.rect = view.visualRect(view.model().index(row, 0))
    return option


def test_a_tall_replys_toolbar_stays_in_sight(app: Harness, qtbot: Any) -> None:
    app.server.script(Reply(text=["line\n\n" * 120]))
    send(app, qtbot, "a long one")
    qtbot.waitUntil(lambda: any(i.kind == "assistant" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    chat = app.window.chat
    row = next(r for r in range(chat.model.rowCount()) if chat.model.item(r).kind == "assistant")
    chat.scroll_to_end()
    rect = chat.view.visualRect(chat.model.index(row))
    qtbot.waitUntil(lambda: chat.view.visualRect(chat.model.index(row)).top() < 0)
    rect = chat.view.visualRect(chat.model.index(row))
    QTest.mouseMove(chat.view.viewport(), QPoint(rect.center().x(), 40))
    qtbot.waitUntil(lambda: chat.delegate.toolbar.rows_shown() == [row])
    item = chat.model.item(row)
    bubble = chat.delegate._bubble(
        rect, item, chat.delegate.document(item, chat.delegate._text_width(), chat.view.palette())
    )
    top = chat.delegate.toolbar.buttons(item, bubble)[0][1].top()
    assert bubble.top() < 0 <= top < 10  # kept at the top of the list, not scrolled away
