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
    labels = [a.text() for a in menu.actions()]
    assert labels == ["Copy", "Branch from here", "Regenerate", "Inspect the request"]
    assert not app.window.inspector_dock.isVisible()
    next(a for a in menu.actions() if a.text() == "Inspect the request").trigger()
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
