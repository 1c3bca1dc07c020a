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
    from PySide6.QtCore import QPointF

    from threadline.ui.common.icons import FAMILY, action_at, icon_font

    app.server.script(Reply(text=["Short."]))
    send(app, qtbot, "hi")
    qtbot.waitUntil(lambda: any(i.text == "Short." and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    reply = next(i for i in items(app) if i.kind == "assistant")
    delegate = app.window.chat.delegate
    html = delegate._html(reply)
    assert icon_font() and FAMILY in html  # the Material Design Icons font, not words
    for action in ("copy", "branch", "regen", "inspect"):
        assert f'href="act:{action}"' in html
    assert action_at("act:regen") == "Regenerate" and action_at("https://x") == ""
    # Hovering an icon names it: find one under the pointer along the header line.
    from PySide6.QtCore import QEvent, QPoint
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QStyleOptionViewItem, QToolTip

    view, model = app.window.chat.view, app.window.chat_model
    row = next(r for r in range(model.rowCount()) if model.item(r) is reply)
    index = model.index(row)
    rect = view.visualRect(index)
    option = QStyleOptionViewItem()
    option.rect = rect
    hits = [
        (x, delegate.link_at(index, QPointF(x, y), option))
        for y in range(rect.top() + 4, rect.top() + 30, 3)
        for x in range(rect.right(), rect.right() - 200, -2)
    ]
    x, href = next((x, h) for x, h in hits if h.startswith("act:"))
    y = next(
        y
        for y in range(rect.top() + 4, rect.top() + 30, 3)
        if delegate.link_at(index, QPointF(x, y), option) == href
    )
    tip = QHelpEvent(QEvent.Type.ToolTip, QPoint(x, y), view.viewport().mapToGlobal(QPoint(x, y)))
    assert delegate.helpEvent(tip, view, option, index)
    assert QToolTip.text() == action_at(href) != ""
    app.window.chat._on_link(reply, "act:inspect")  # the magnifier opens the inspector
    qtbot.waitUntil(app.window.inspector_dock.isVisible)
