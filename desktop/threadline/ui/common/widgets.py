"""Small widget helpers."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem

W = TypeVar("W", bound=QObject)


def named(widget: W, name: str) -> W:
    """Sets the object name tests and style rules find a widget by; returns the widget."""
    widget.setObjectName(name)
    return widget


def checked(items: QListWidget) -> list[str]:
    """The texts of the checked entries, in list order."""
    return [
        items.item(i).text()
        for i in range(items.count())
        if items.item(i).checkState() == Qt.CheckState.Checked
    ]


def fill_checklist(items: QListWidget, names: list[str], ticked: set[str]) -> None:
    """Replaces a list's entries with checkable ones; ``ticked`` are checked."""
    items.clear()
    for name in names:
        item = QListWidgetItem(name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if name in ticked else Qt.CheckState.Unchecked)
        items.addItem(item)
