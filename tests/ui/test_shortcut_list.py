"""The Ctrl+/ list: says where each key works (Del only in the conversations list), opens
without a focus ring on a row, and closes with its Close button or Esc."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QTableWidget

from tests.ui.helpers import Harness

LIST_FOCUSED = "The conversations list has the focus"


def _open_list(app: Harness, qtbot: Any) -> QDialog:
    app.window.activateWindow()
    qtbot.keyClick(app.window.chat.composer, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)

    def shown() -> bool:
        active = QApplication.activeWindow()
        return active is not None and active.objectName() == "shortcutsDialog"

    qtbot.waitUntil(shown)
    dialog = QApplication.activeWindow()
    assert isinstance(dialog, QDialog)
    return dialog


def test_the_list_says_where_each_key_works(app: Harness, qtbot: Any) -> None:
    dialog = _open_list(app, qtbot)
    table = dialog.findChild(QTableWidget, "shortcutsTable")
    assert table is not None
    rows = {
        table.item(r, 0).text(): (table.item(r, 1).text(), table.item(r, 2).text())
        for r in range(table.rowCount())
    }
    keys, where = rows["Move to trash"]
    assert "Del" in keys
    assert where == LIST_FOCUSED  # not "Anywhere": Del in the composer deletes text
    assert rows["Conversation menu"][1] == LIST_FOCUSED
    assert rows["New conversation"][1] == "Anywhere"
    # The table has the keyboard (arrows scroll it), but no row is rung as if chosen.
    qtbot.waitUntil(table.hasFocus)
    assert not table.currentIndex().isValid()
    assert table.selectedItems() == []
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None
    close = buttons.button(QDialogButtonBox.StandardButton.Close)
    assert close is not None and close.isVisible() and close.text().replace("&", "") == "Close"
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is app.window)
    shown = [w.objectName() for w in QApplication.topLevelWidgets() if w.isVisible()]
    assert "shortcutsDialog" not in shown


def test_esc_closes_the_list(app: Harness, qtbot: Any) -> None:
    dialog = _open_list(app, qtbot)
    table = dialog.findChild(QTableWidget, "shortcutsTable")
    qtbot.waitUntil(lambda: table is not None and table.hasFocus())
    qtbot.keyClick(table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is app.window)
    shown = [w.objectName() for w in QApplication.topLevelWidgets() if w.isVisible()]
    assert "shortcutsDialog" not in shown
