"""Every message action from the keyboard: the selected message's menu (Menu key, Shift+F10),
and Inspect opening the inspector on that reply's request."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint

from tests.scripted_server import Reply
from tests.ui.helpers import Harness, items, send, wait_idle
from threadline.ui.chat.message_menu import actions_for


def test_the_selected_messages_menu_and_inspect(app: Harness, qtbot: Any) -> None:
    app.server.script(Reply(text=["A reply."]))
    send(app, qtbot, "question")
    qtbot.waitUntil(lambda: any(i.text == "A reply." and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    view, model = app.window.chat.view, app.window.chat_model
    row = next(r for r in range(model.rowCount()) if model.item(r).kind == "assistant")
    view.setCurrentIndex(model.index(row))  # arrows move the selection; here it is set
    menu = app.window.chat.message_menu(QPoint(-1, -1))  # as the Menu key asks: no position
    assert menu is not None
    labels = [a.text().replace("&", "") for a in menu.actions()]  # "&" marks the mnemonics
    assert labels == ["Copy", "Branch from here", "Regenerate", "Inspect the request"]
    shown = [a.shortcut().toString() for a in menu.actions()]  # each entry's own key
    assert shown == ["Ctrl+C", "B", "R", "I"]
    assert not app.window.inspector_dock.isVisible()
    next(a for a in menu.actions() if a.text() == "&Inspect the request").trigger()
    qtbot.waitUntil(app.window.inspector_dock.isVisible)
    inspector = app.window.inspector
    assert inspector.currentIndex() == 1  # the Requests tab
    current = inspector.requests_view.currentIndex()
    assert (
        current.isValid()
        and inspector._request_events[current.row()].id == model.item(row).event_id
    )
    menu.close()
    user = next(i for i in items(app) if i.kind == "user")
    assert [a for _, a in actions_for(user)] == ["copy", "edit", "branch"]


def test_a_finished_reply_is_announced_to_screen_readers(app: Harness, qtbot: Any) -> None:
    from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent

    app.server.script(Reply(text=["The answer is forty-two."]))
    send(app, qtbot, "what is it?")
    qtbot.waitUntil(lambda: app.window.chat.last_announcement != "")
    assert app.window.chat.last_announcement == "assistant replied: The answer is forty-two."
    event = QAccessibleAnnouncementEvent(app.window.chat.view, "x")
    assert event.type() == QAccessible.Event.Announcement  # the event Qt hands to AT-SPI


def test_message_actions_are_icons_named_on_hover(app: Harness, qtbot: Any) -> None:
    from PySide6.QtCore import QEvent, QPoint, Qt
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QToolTip

    from threadline.ui.common.icons import action_at, icon_font

    app.server.script(Reply(text=["Short."]))
    send(app, qtbot, "hi")
    qtbot.waitUntil(lambda: any(i.text == "Short." and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    reply = next(i for i in items(app) if i.kind == "assistant")
    delegate = app.window.chat.delegate
    assert icon_font()  # the Material Design Icons font, not words
    assert "act:" not in delegate._html(reply)  # the actions are a toolbar, not links
    assert action_at("act:regen") == "Regenerate" and action_at("https://x") == ""
    view, model = app.window.chat.view, app.window.chat_model
    row = next(r for r in range(model.rowCount()) if model.item(r) is reply)
    rect = view.visualRect(model.index(row))
    QTest.mouseMove(view.viewport(), rect.center())  # hovering the reply shows its toolbar
    qtbot.waitUntil(lambda: delegate.toolbar.rows_shown() == [row])
    bar = delegate.toolbar.widget
    shown = {b.action for b in bar.shown_buttons()}
    assert shown == {"copy", "branch", "regen", "inspect", "more"}
    regen = bar.buttons["regen"]
    QTest.mouseMove(regen, regen.rect().center())
    tip = QHelpEvent(QEvent.Type.ToolTip, regen.rect().center(), regen.mapToGlobal(QPoint(4, 4)))
    QApplication.sendEvent(regen, tip)
    qtbot.waitUntil(lambda: QToolTip.text() == "Regenerate (R)")  # the icon's name and key
    QTest.mouseClick(bar.buttons["more"], Qt.MouseButton.LeftButton)  # "…": the message's menu
    qtbot.waitUntil(lambda: _menu(app) is not None)
    menu = _menu(app)
    assert menu is not None and "Regenerate" in [a.text().replace("&", "") for a in menu.actions()]
    menu.close()
    app.window.chat._on_link(reply, "act:inspect")  # the magnifier opens the inspector
    qtbot.waitUntil(app.window.inspector_dock.isVisible)


def _menu(app: Harness) -> Any:
    from PySide6.QtWidgets import QMenu

    menus = app.window.chat.findChildren(QMenu, "messageMenu")
    return next((m for m in menus if m.isVisible()), None)
