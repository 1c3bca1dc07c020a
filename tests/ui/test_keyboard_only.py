"""A whole conversation without the mouse: every step is a key pressed on the widget that has
the keyboard focus (or on the open popup menu), as a keyboard user would press it.

New (Ctrl+N), send (Enter), stop (Esc), move to the messages (Shift+Tab, arrows), the
message's menu (Shift+F10, the Menu key) to branch and regenerate, search (Ctrl+K, Enter),
switch conversations in the sidebar (arrows, Enter), Settings (Ctrl+, then Esc) and the list
of shortcuts (Ctrl+/). A second test does each message action by its own key.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QTableWidget, QWidget

from tests.scripted_server import Reply, text
from tests.ui.helpers import Harness, items, wait_idle
from threadline.app.timeline import ChatItem
from threadline.ui.chat.model import ITEM_ROLE

Key = Qt.Key
Mod = Qt.KeyboardModifier
CTRL, SHIFT = Mod.ControlModifier, Mod.ShiftModifier


def focused() -> QWidget:
    """Where a key goes now: the open popup menu, else the focus widget."""
    target = QApplication.activePopupWidget() or QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    return target


def press(key: Key, modifiers: Mod = Mod.NoModifier) -> None:
    QTest.keyClick(focused(), key, modifiers)


def type_text(words: str) -> None:
    QTest.keyClicks(focused(), words)


def tab_to(widget: QWidget, backwards: bool = True, limit: int = 12) -> int:
    """Presses Shift+Tab (or Tab) until ``widget`` has the focus; returns how many presses."""
    for count in range(limit):
        if QApplication.focusWidget() is widget:
            return count
        if backwards:
            press(Key.Key_Backtab, SHIFT)
        else:
            press(Key.Key_Tab)
    assert QApplication.focusWidget() is widget, f"{widget.objectName()} not reached by Tab"
    return limit


def selected(app: Harness) -> ChatItem:
    """The message highlighted in the chat."""
    index = app.window.chat.view.currentIndex()
    assert index.isValid(), "no message is selected"
    item: ChatItem = index.data(ITEM_ROLE)
    return item


def texts(app: Harness) -> list[str]:
    return [i.text for i in items(app) if i.kind in ("user", "assistant")]


def replied(app: Harness, qtbot: Any, words: str) -> None:
    """Waits for a saved reply reading ``words`` and for the run to end."""
    qtbot.waitUntil(
        lambda: any(i.kind == "assistant" and i.text == words and i.event_id for i in items(app)),
        timeout=5000,
    )
    wait_idle(app, qtbot)


def open_menu(qtbot: Any, key: Key, modifiers: Mod = Mod.NoModifier) -> QMenu:
    press(key, modifiers)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    menu = QApplication.activePopupWidget()
    assert isinstance(menu, QMenu) and menu.objectName() == "messageMenu"
    # Deliver what the platform queued on showing the menu (the offscreen platform hands it
    # the focus) while it is open, as the moment a person takes before the next key does.
    QApplication.processEvents()
    return menu


OFFSCREEN = QGuiApplication.platformName() == "offscreen"


def menu_closed(qtbot: Any, menu: QMenu, window: QWidget) -> None:
    """Waits for the popup menu to close and the window to have the keyboard again.

    On a desktop the window keeps the keyboard while its menu is open. Qt's offscreen platform
    makes the menu the focus window, and may leave nobody with it after: there the window is
    made active again, as a window manager would do."""
    qtbot.waitUntil(lambda: not menu.isVisible())
    handle = window.windowHandle()
    assert handle is not None

    def regained() -> bool:
        if QApplication.activeWindow() is not window and OFFSCREEN:
            handle.requestActivate()
        return QApplication.activeWindow() is window

    qtbot.waitUntil(regained)


@pytest.fixture
def keyboard(app: Harness, qtbot: Any) -> Iterator[Harness]:
    """The app's window, active, as a user's keyboard finds it."""
    app.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is app.window)
    yield app
    popup = QApplication.activePopupWidget()
    if popup is not None:
        popup.close()


def test_a_whole_conversation_by_keyboard(keyboard: Harness, qtbot: Any) -> None:
    app = keyboard
    window, chat, sidebar = app.window, app.window.chat, app.window.sidebar
    sessions = app.parts.sessions

    # Ctrl+N: a new conversation, the composer ready for typing.
    press(Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is chat.composer)
    assert items(app) == []
    app.server.script(text("A fjord is a long, narrow sea inlet."))
    type_text("What is a fjord?")
    press(Key.Key_Return)
    replied(app, qtbot, "A fjord is a long, narrow sea inlet.")
    fjord = sessions.current_session_id
    assert texts(app) == ["What is a fjord?", "A fjord is a long, narrow sea inlet."]
    assert chat.composer.toPlainText() == ""

    # A slow reply: Esc stops it, what was written so far is kept.
    release = threading.Event()
    app.server.script(Reply(text=["One, ", "two, ", "three."], pause_after=2, pause=release))
    try:
        type_text("Count slowly")
        press(Key.Key_Return)
        qtbot.waitUntil(lambda: any(i.text == "One, " for i in items(app)), timeout=5000)
        assert chat.stop_button.isEnabled()
        assert QApplication.focusWidget() is chat.composer
        press(Key.Key_Escape)
        wait_idle(app, qtbot)
    finally:
        release.set()
    stopped = next(i for i in items(app) if i.text.startswith("One, "))
    assert stopped.status == "interrupted" and stopped.text == "One, "
    assert not chat.stop_button.isEnabled()

    # Shift+Tab leaves the composer for the messages; arrows walk them.
    assert tab_to(chat.view) > 0
    press(Key.Key_Home)
    assert selected(app).text == "What is a fjord?"
    press(Key.Key_Down)
    assert selected(app).text == "A fjord is a long, narrow sea inlet."

    # Shift+F10 opens the reply's menu; its letter B branches from there.
    menu = open_menu(qtbot, Key.Key_F10, SHIFT)
    labels = [a.text().replace("&", "") for a in menu.actions()]
    assert labels == ["Copy", "Branch from here", "Regenerate", "Inspect the request"]
    press(Key.Key_B)
    menu_closed(qtbot, menu, window)
    qtbot.waitUntil(lambda: sessions.current_session_id not in (None, fjord), timeout=5000)
    qtbot.waitUntil(lambda: len(texts(app)) == 2)
    branch = sessions.current_session_id
    assert texts(app) == ["What is a fjord?", "A fjord is a long, narrow sea inlet."]
    assert sidebar.current_session() == branch
    qtbot.waitUntil(lambda: QApplication.focusWidget() is chat.composer)

    # The Menu key on the branch's reply, arrows down to Regenerate, Enter.
    app.server.script(text("Fjords are glacial valleys the sea filled."))
    tab_to(chat.view)
    press(Key.Key_End)
    assert selected(app).kind == "assistant"
    menu = open_menu(qtbot, Key.Key_Menu)
    for _ in range(len(menu.actions())):
        press(Key.Key_Down)
        current = menu.activeAction()
        if current is not None and current.text() == "&Regenerate":
            break
    assert menu.activeAction() is not None and menu.activeAction().text() == "&Regenerate"
    press(Key.Key_Return)
    menu_closed(qtbot, menu, window)
    replied(app, qtbot, "Fjords are glacial valleys the sea filled.")
    assert texts(app) == ["What is a fjord?", "Fjords are glacial valleys the sea filled."]

    # Another conversation, to search and switch between.
    press(Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: items(app) == [] and QApplication.focusWidget() is chat.composer)
    app.server.script(text("Volcanoes are vents in the crust."))
    type_text("Tell me about volcanoes")
    press(Key.Key_Return)
    replied(app, qtbot, "Volcanoes are vents in the crust.")
    volcano = sessions.current_session_id

    # Ctrl+K searches every message; Enter opens the first match.
    press(Key.Key_K, CTRL)
    assert QApplication.focusWidget() is sidebar.search
    type_text("count slowly")  # only in the first conversation's messages
    qtbot.waitUntil(
        lambda: window.tree_model.rowCount() == 1 and not sidebar._debounce.isActive(),
        timeout=3000,
    )
    qtbot.waitUntil(lambda: sidebar.tree.model().index(0, 0).data() == "What is a fjord?")
    press(Key.Key_Return)
    qtbot.waitUntil(lambda: sessions.current_session_id == fjord, timeout=3000)
    qtbot.waitUntil(lambda: "Count slowly" in texts(app))
    assert QApplication.focusWidget() is chat.composer

    # The sidebar by arrows: they move the highlight only; Enter opens.
    press(Key.Key_K, CTRL)
    press(Key.Key_Backspace)  # Ctrl+K selected the search text: gone, every row is back
    qtbot.waitUntil(lambda: window.tree_model.rowCount() >= 2 and not sidebar._debounce.isActive())
    press(Key.Key_Down)
    assert QApplication.focusWidget() is sidebar.tree
    press(Key.Key_End)
    assert sessions.current_session_id == fjord  # nothing opened while walking the list
    for _ in range(10):
        if sidebar.current_session() == volcano:
            break
        press(Key.Key_Up)
    assert sidebar.current_session() == volcano
    assert sessions.current_session_id == fjord
    press(Key.Key_Return)
    qtbot.waitUntil(lambda: sessions.current_session_id == volcano, timeout=3000)
    qtbot.waitUntil(lambda: texts(app)[-1:] == ["Volcanoes are vents in the crust."])
    qtbot.waitUntil(lambda: QApplication.focusWidget() is chat.composer)

    # Ctrl+, opens Settings with the focus inside; Esc closes it and gives the keyboard back.
    settings = window.panels.settings_window
    press(Key.Key_Comma, CTRL)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is settings)
    assert settings.isAncestorOf(focused())
    press(Key.Key_Escape)
    qtbot.waitUntil(lambda: not settings.isVisible())
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)

    # Ctrl+/ lists the shortcuts, the message keys among them; Esc closes the list.
    press(Key.Key_Slash, CTRL)
    qtbot.waitUntil(
        lambda: (
            QApplication.activeWindow() is not None
            and QApplication.activeWindow().objectName() == "shortcutsDialog"
        )
    )
    dialog = QApplication.activeWindow()
    table = dialog.findChild(QTableWidget, "shortcutsTable")
    assert table is not None and table.hasFocus()
    listed = {table.item(r, 0).text(): table.item(r, 2).text() for r in range(table.rowCount())}
    for name in ("New conversation", "Search conversations", "Settings", "Keyboard shortcuts"):
        assert listed.get(name) == "Anywhere", name
    for name in ("Branch from the message", "Regenerate the reply (or retry after an error)"):
        assert listed.get(name) == "A message is selected", name
    press(Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    assert [w.objectName() for w in shown if isinstance(w, QDialog)] == []
    assert app.errors == []


def test_each_message_action_has_its_own_key(keyboard: Harness, qtbot: Any) -> None:
    app = keyboard
    window, chat = app.window, app.window.chat
    sessions = app.parts.sessions
    clipboard = QApplication.clipboard()
    press(Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is chat.composer)
    app.server.script(text("Blue."), text("Green."))
    type_text("Name a colour")
    press(Key.Key_Return)
    replied(app, qtbot, "Blue.")
    first = sessions.current_session_id
    type_text("bre")  # letters typed in the composer stay letters: the keys act on messages
    assert chat.composer.toPlainText() == "bre" and sessions.current_session_id == first
    press(Key.Key_A, CTRL)
    press(Key.Key_Backspace)

    # Ctrl+C copies the selected message; Ctrl+Shift+C the last reply, from anywhere.
    tab_to(chat.view)
    press(Key.Key_End)
    clipboard.clear()
    press(Key.Key_C, CTRL)
    assert clipboard.text() == "Blue."
    assert window.statusBar().currentMessage() == "Message copied to the clipboard"
    press(Key.Key_L, CTRL)  # Focus composer
    assert QApplication.focusWidget() is chat.composer
    clipboard.clear()
    press(Key.Key_C, CTRL | SHIFT)
    assert clipboard.text() == "Blue."
    assert window.statusBar().currentMessage() == "Last reply copied to the clipboard"

    # E edits the selected message of yours; Esc leaves the edit.
    tab_to(chat.view)
    press(Key.Key_Home)
    assert selected(app).text == "Name a colour"
    press(Key.Key_E)
    assert QApplication.focusWidget() is chat.composer
    assert chat.composer.toPlainText() == "Name a colour" and chat.edit_label.isVisible()
    press(Key.Key_Escape)
    assert chat.composer.toPlainText() == "" and not chat.edit_label.isVisible()

    # R regenerates the selected reply (in a new branch); B branches from it.
    tab_to(chat.view)
    press(Key.Key_End)
    press(Key.Key_R)
    replied(app, qtbot, "Green.")
    regenerated = sessions.current_session_id
    assert regenerated != first and texts(app) == ["Name a colour", "Green."]
    tab_to(chat.view)
    press(Key.Key_End)
    press(Key.Key_B)
    qtbot.waitUntil(lambda: sessions.current_session_id not in (first, regenerated))
    qtbot.waitUntil(lambda: texts(app) == ["Name a colour", "Green."])
    # A user message has no Regenerate: R on it does nothing.
    tab_to(chat.view)
    press(Key.Key_Home)
    branch = sessions.current_session_id
    requests = len(app.server.requests)
    press(Key.Key_R)
    assert sessions.current_session_id == branch and len(app.server.requests) == requests
    # I opens the inspector on the reply's request.
    press(Key.Key_End)
    press(Key.Key_I)
    qtbot.waitUntil(window.inspector_dock.isVisible)
    assert app.errors == []
