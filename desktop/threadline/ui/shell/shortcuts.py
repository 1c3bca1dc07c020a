"""The keyboard-shortcut list (Ctrl+/): every action of the window that has a shortcut, in a
table, with where it works, and a Close button (Esc closes it too).

"Where" is an action's ``shortcutScope`` property (``message_keys.SCOPE_PROPERTY``) when it has
one. A key that works only while its widget has the focus (Del in the conversations list) and
has none says so all the same: it takes the scope another of that widget's actions names, or
the widget's own name. Only window-wide keys read "Anywhere".
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

ANYWHERE = "Anywhere"
SCOPE_PROPERTY = "shortcutScope"  # message_keys.SCOPE_PROPERTY (not imported: chat's module)
WIDGET_CONTEXTS = (
    Qt.ShortcutContext.WidgetShortcut,
    Qt.ShortcutContext.WidgetWithChildrenShortcut,
)


def scope_of(action: QAction) -> str:
    """Where ``action``'s shortcut works, as the table says it."""
    scope = action.property(SCOPE_PROPERTY)
    if scope:
        return str(scope)
    if action.shortcutContext() not in WIDGET_CONTEXTS:
        return ANYWHERE
    for owner in action.associatedObjects():
        if not isinstance(owner, QWidget):
            continue
        for other in owner.actions():  # the widget's other keys name where they work
            scope = other.property(SCOPE_PROPERTY)
            if scope:
                return str(scope)
        name = owner.accessibleName() or owner.objectName()
        if name:
            return f"{name} has the focus"
    return "Its own panel has the focus"


def shortcut_rows(window: QWidget) -> list[tuple[str, str, str]]:
    """(action, keys, where) for each of the window's shortcuts: window-wide ones first."""
    native = QKeySequence.SequenceFormat.NativeText
    rows = {
        (
            a.text().replace("&", "").rstrip("…"),
            ", ".join(k.toString(native) for k in a.shortcuts()),
            scope_of(a),
        )
        for a in window.findChildren(QAction)
        # A message menu's entries only show the keys of the chat's own actions.
        if not a.shortcut().isEmpty() and a.text() and not isinstance(a.parent(), QMenu)
    }
    return sorted(rows, key=lambda row: (row[2] != ANYWHERE, row[2], row[0].casefold()))


def open_shortcuts(window: QMainWindow) -> QDialog:
    """Shows the list (non-modal) and returns it; closing it gives the keyboard back to
    ``window``, as window managers do (and platforms without one, like Qt's offscreen, do
    not)."""
    dialog = QDialog(window)
    dialog.setObjectName("shortcutsDialog")
    dialog.setWindowTitle("Keyboard shortcuts")
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    rows = shortcut_rows(window)
    table = QTableWidget(len(rows), 3, dialog)
    table.setObjectName("shortcutsTable")
    table.setAccessibleName("Keyboard shortcuts")
    table.setHorizontalHeaderLabels(["Action", "Shortcut", "Where"])
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    for row, cells in enumerate(rows):
        for column, text in enumerate(cells):
            table.setItem(row, column, QTableWidgetItem(text))
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.setObjectName("shortcutsButtons")
    buttons.rejected.connect(dialog.reject)  # Close is the reject role, as Esc is
    layout = QVBoxLayout(dialog)
    layout.addWidget(table)
    layout.addWidget(buttons)
    dialog.resize(620, 560)
    dialog.finished.connect(lambda _result: window.activateWindow())
    # An explicit "no current cell": the table then takes the focus (arrow keys and Page Down
    # scroll it) without ringing its first row as if that row were chosen.
    table.setCurrentIndex(QModelIndex())
    dialog.show()
    dialog.activateWindow()
    table.setFocus()
    return dialog
