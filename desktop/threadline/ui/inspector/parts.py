"""What the inspector's tabs share: JSON made readable, read-only monospace text and tables."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtGui import QFont, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QPlainTextEdit, QTableView

from threadline.ui.common.widgets import named


def pretty(value: Any) -> str:
    """Indented JSON for people (strings that hold JSON are expanded too)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return str(value)
    return str(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def monospace(widget: QPlainTextEdit) -> QPlainTextEdit:
    """``widget`` made a read-only, unwrapped monospace view."""
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.Monospace)
    widget.setFont(font)
    widget.setReadOnly(True)
    widget.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    return widget


def table(model: QStandardItemModel, name: str) -> QTableView:
    """A read-only table over ``model`` that selects one whole row at a time."""
    view = named(QTableView(), name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view
