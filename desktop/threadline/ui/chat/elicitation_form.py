"""The form an MCP server asked for (elicitation), drawn inside its chat card."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from threadline.ui.common.widgets import named

if TYPE_CHECKING:
    from threadline.app.mcp_prompts import FormField
    from threadline.app.timeline import ChatItem

INSET = 16  # the card's padding inside the chat row (delegate MARGIN + PADDING)


class ElicitationForm(QFrame):
    """Fields made from the server's JSON schema (required ones marked ``*``), with Accept,
    Decline and Cancel. What is typed is kept in the item, so it survives a switch of
    conversation.

    Signals:
        answered(str, object): ``accept`` with the values (``dict``), ``decline`` or ``cancel``.
    """

    answered = Signal(str, object)

    def __init__(self, item: ChatItem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("elicitationForm")
        self.item = item
        self._fields: list[FormField] = list(item.data.get("fields", []))
        self._values: dict[str, Any] = item.data.setdefault("values", {})
        self._inputs: dict[str, QWidget] = {}
        server = html.escape(str(item.data.get("server", "")))
        title = QLabel(
            f"<b>{server}</b> asks you: {html.escape(item.text) or 'a few details'}"
            '<br><small style="color:gray">Only what you accept goes back to the server.'
            " Fields marked * are required.</small>"
        )
        title.setWordWrap(True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for field in self._fields:
            widget = self._input(field)
            widget.setObjectName(f"field:{field.name}")
            if field.description:
                widget.setToolTip(field.description)
            self._inputs[field.name] = widget
            label = QLabel(html.escape(field.title) + (" *" if field.is_required else ""))
            form.addRow(label, widget)
        self.error = named(QLabel(), "elicitationError")
        self.error.setStyleSheet("color: #dc2626")
        self.error.setWordWrap(True)
        self.error.hide()
        self.accept_button = named(QPushButton("Accept"), "elicitAccept")
        self.accept_button.setDefault(True)
        self.decline_button = named(QPushButton("Decline"), "elicitDecline")
        self.cancel_button = named(QPushButton("Cancel"), "elicitCancel")
        buttons = QHBoxLayout()
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.decline_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(INSET, INSET - 4, INSET, INSET - 4)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.accept_button.clicked.connect(lambda: self.answered.emit("accept", self.values()))
        self.decline_button.clicked.connect(lambda: self.answered.emit("decline", {}))
        self.cancel_button.clicked.connect(lambda: self.answered.emit("cancel", {}))

    def _input(self, field: FormField) -> QWidget:
        kept = self._values.get(field.name)
        if field.kind == "boolean":
            box = QCheckBox(field.description or field.title)
            box.setChecked(bool(kept if kept is not None else field.default))
            box.toggled.connect(lambda on, name=field.name: self._values.__setitem__(name, on))
            return box
        if field.kind == "multi":
            choices = QListWidget()
            chosen = set(kept if kept is not None else field.default or [])
            for value, title in zip(field.options, field.option_titles, strict=True):
                entry = QListWidgetItem(title)
                entry.setData(Qt.ItemDataRole.UserRole, value)
                entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                ticked = Qt.CheckState.Checked if value in chosen else Qt.CheckState.Unchecked
                entry.setCheckState(ticked)
                choices.addItem(entry)
            rows = min(len(field.options), 4)
            choices.setFixedHeight(rows * choices.sizeHintForRow(0) + 2 * choices.frameWidth())
            choices.itemChanged.connect(
                lambda _e, name=field.name, c=choices: self._values.__setitem__(name, _ticked(c))
            )
            return choices
        if field.kind == "enum":
            combo = QComboBox()
            if not (field.is_required and field.default is not None):
                combo.addItem("(choose)" if field.is_required else "(none)", "")
            for value, title in zip(field.options, field.option_titles, strict=True):
                combo.addItem(title, value)
            chosen = kept if kept is not None else field.default
            if chosen is not None:
                combo.setCurrentIndex(max(0, combo.findData(str(chosen))))
            combo.currentIndexChanged.connect(
                lambda _i, name=field.name, c=combo: self._values.__setitem__(name, c.currentData())
            )
            return combo
        line = QLineEdit()
        line.setPlaceholderText(_placeholder(field))
        start = kept if kept is not None else field.default
        if start is not None:
            line.setText(str(start))
        line.textChanged.connect(lambda text, name=field.name: self._values.__setitem__(name, text))
        return line

    def values(self) -> dict[str, Any]:
        """What the fields hold now: text, a choice's value, or a bool."""
        values: dict[str, Any] = {}
        for name, widget in self._inputs.items():
            if isinstance(widget, QCheckBox):
                values[name] = widget.isChecked()
            elif isinstance(widget, QComboBox):
                values[name] = widget.currentData() or ""
            elif isinstance(widget, QListWidget):
                values[name] = _ticked(widget)
            elif isinstance(widget, QLineEdit):
                values[name] = widget.text()
        return values

    def show_error(self, text: str) -> None:
        """Says what is wrong with the values (the form stays)."""
        self.error.setText(text)
        self.error.setVisible(bool(text))


def _ticked(choices: QListWidget) -> list[str]:
    return [
        choices.item(row).data(Qt.ItemDataRole.UserRole)
        for row in range(choices.count())
        if choices.item(row).checkState() == Qt.CheckState.Checked
    ]


def _placeholder(field: FormField) -> str:
    if field.kind in ("number", "integer"):
        kind = "a whole number" if field.kind == "integer" else "a number"
        low = f" from {field.minimum:g}" if field.minimum is not None else ""
        high = f" to {field.maximum:g}" if field.maximum is not None else ""
        return f"{kind}{low}{high}"
    return field.description or field.format
