"""The window opens on the sidebar and the chat; the inspector, Settings, the shortcut list and
the zoom are a keystroke away."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QTableWidget

from tests.ui.helpers import Harness


def test_the_window_starts_with_sidebar_and_chat_only(app: Harness, qtbot: Any) -> None:
    window = app.window
    qtbot.waitUntil(window.chat.isVisible)
    assert window.sidebar.isVisible()
    assert not window.inspector_dock.isVisible()
    assert not window.panels.settings_window.isVisible()
    toggle = window.panels.toggle_inspector
    assert toggle.shortcut() == QKeySequence("Ctrl+Shift+I")
    toggle.trigger()
    qtbot.waitUntil(window.inspector_dock.isVisible)
    assert window.inspector.isVisible()  # everything it gathered is there when it opens
    toggle.trigger()
    qtbot.waitUntil(lambda: not window.inspector_dock.isVisible())
    window.panels.open_settings.trigger()
    qtbot.waitUntil(window.panels.settings_window.isVisible)
    assert window.settings_panel.isVisible()
    assert window.panels.open_settings.shortcut() == QKeySequence("Ctrl+,")


def test_the_chat_zooms_and_the_shortcuts_are_listed(app: Harness, qtbot: Any) -> None:
    window, panels = app.window, app.window.panels
    base = window.chat.view.font().pointSizeF()
    panels.zoom_in.trigger()
    panels.zoom_in.trigger()
    assert window.chat.view.font().pointSizeF() == base + 2
    assert window.chat.composer.font().pointSizeF() == base + 2
    for _ in range(20):  # bounded: text never shrinks to nothing
        panels.zoom_out.trigger()
    assert window.chat.view.font().pointSizeF() == base - 3
    panels.zoom_reset.trigger()
    assert window.chat.view.font().pointSizeF() == base
    dialog = window.show_shortcuts()
    table = dialog.findChild(QTableWidget, "shortcutsTable")
    assert table is not None
    listed = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    for name in ("New conversation", "Search conversations", "Settings", "Inspector", "Zoom in"):
        assert name in listed, name
    assert listed["Keyboard shortcuts"] == QKeySequence("Ctrl+/").toString(
        QKeySequence.SequenceFormat.NativeText
    )
    dialog.close()


def test_a_small_window_gives_the_chat_priority(app: Harness, qtbot: Any) -> None:
    window, panels = app.window, app.window.panels
    qtbot.waitUntil(window.sidebar.isVisible)
    panels.toggle_inspector.trigger()
    qtbot.waitUntil(window.inspector_dock.isVisible)
    window.resize(620, 700)  # narrower: the inspector gives its room to the chat first
    qtbot.waitUntil(lambda: not window.inspector_dock.isVisible())

    def narrowed() -> bool:  # asked again until the layout has let go of the inspector's room
        window.resize(620, 700)  # below 700 px the sidebar folds away, the chat stays
        return not window.sidebar.isVisible()

    qtbot.waitUntil(narrowed)
    assert window.chat.isVisible() and window.width() < 700
    panels.toggle_sidebar.trigger()  # the Conversations button brings the list back
    qtbot.waitUntil(window.sidebar.isVisible)
    panels.toggle_sidebar.trigger()
    qtbot.waitUntil(lambda: not window.sidebar.isVisible())
    window.resize(1200, 800)
    qtbot.waitUntil(window.sidebar.isVisible)


def test_an_empty_sidebar_says_how_to_begin_and_tab_leaves_the_composer(
    app: Harness, qtbot: Any
) -> None:
    from PySide6.QtCore import Qt

    from tests.scripted_server import Reply
    from tests.ui.helpers import items, send, wait_idle

    sidebar = app.window.sidebar
    qtbot.waitUntil(sidebar.isVisible)
    assert sidebar.empty_hint.isVisible() and sidebar.tree.model().rowCount() == 0
    assert "File → Import" in sidebar.empty_hint.text()
    app.server.script(Reply(text=["Hello."]))
    send(app, qtbot, "first words")
    qtbot.waitUntil(lambda: not sidebar.empty_hint.isVisible())
    qtbot.waitUntil(lambda: any(i.text == "Hello." and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    # F2's field sits on the row, below the group label ("Today") drawn above it.
    first = sidebar.tree.model().index(0, 0)
    sidebar.tree.edit(first)
    from PySide6.QtWidgets import QLineEdit

    qtbot.waitUntil(lambda: sidebar.tree.viewport().findChild(QLineEdit) is not None)
    field = sidebar.tree.viewport().findChild(QLineEdit)
    label = sidebar.tree.sessions_delegate.header_height
    assert field.geometry().top() >= sidebar.tree.visualRect(first).top() + label
    sidebar.tree.closePersistentEditor(first)
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    sidebar.search.setText("zebra crossing")  # nothing matches
    qtbot.waitUntil(lambda: sidebar.empty_hint.isVisible())
    assert sidebar.empty_hint.text() == "No conversation matches."
    sidebar.search.clear()
    qtbot.waitUntil(lambda: not sidebar.empty_hint.isVisible())
    qtbot.waitUntil(lambda: not sidebar._debounce.isActive())  # the search settles
    wait_idle(app, qtbot)
    composer = app.window.chat.composer
    assert composer.tabChangesFocus()  # Tab moves on instead of typing a tab
    composer.setFocus()
    qtbot.keyClick(composer, Qt.Key.Key_Tab)
    assert "\t" not in composer.toPlainText()
