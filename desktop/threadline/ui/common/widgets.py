"""Small widget helpers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QListWidget, QListWidgetItem

W = TypeVar("W", bound=QObject)


def named(widget: W, name: str) -> W:
    """Sets the object name tests and style rules find a widget by; returns the widget."""
    widget.setObjectName(name)
    return widget


def claims_escape(event: QEvent) -> bool:
    """For a widget's ``event``: True, with ``event`` accepted, when it is Esc asking whether
    a shortcut may take it. Widgets with their own Esc (leave an edit, close a drawer) claim
    it so that the window's Esc shortcut (Stop reply) does not."""
    if (
        event.type() == QEvent.Type.ShortcutOverride
        and isinstance(event, QKeyEvent)
        and event.key() == Qt.Key.Key_Escape
    ):
        event.accept()
        return True
    return False


NAME_ROLE = Qt.ItemDataRole.UserRole + 7  # an entry's name when its text is a label


def checked(items: QListWidget) -> list[str]:
    """The names of the checked entries, in list order."""
    return [
        items.item(i).data(NAME_ROLE) or items.item(i).text()
        for i in range(items.count())
        if items.item(i).checkState() == Qt.CheckState.Checked
    ]


def fill_checklist(
    items: QListWidget,
    names: list[str],
    ticked: set[str],
    labels: Mapping[str, str] | None = None,
) -> None:
    """Replaces a list's entries with checkable ones; ``ticked`` are checked; ``labels`` are
    what an entry shows instead of its name."""
    items.clear()
    for name in names:
        label = (labels or {}).get(name, name)
        item = QListWidgetItem(label)
        if label != name:
            item.setData(NAME_ROLE, name)
            item.setToolTip(f"{label}: the model sees it as {name}")
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if name in ticked else Qt.CheckState.Unchecked)
        items.addItem(item)
