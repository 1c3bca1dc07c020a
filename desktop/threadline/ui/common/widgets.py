"""Small widget helpers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem

W = TypeVar("W", bound=QObject)


def named(widget: W, name: str) -> W:
    """Sets the object name tests and style rules find a widget by; returns the widget."""
    widget.setObjectName(name)
    return widget


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
