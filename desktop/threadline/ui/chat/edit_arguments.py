"""Editing a tool call's arguments before approving it (non-modal: opened with ``open()``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class EditArgumentsDialog(QDialog):
    """Edits a pending tool call's JSON arguments before approving it."""

    def __init__(
        self,
        tool_name: str,
        arguments: str,
        on_done: Callable[[dict[str, Any]], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Edit arguments for {tool_name}")
        self.setObjectName("editArgumentsDialog")
        self._on_done = on_done
        try:
            pretty = json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
        except json.JSONDecodeError:
            pretty = arguments
        self.editor = QPlainTextEdit(pretty)
        self.error = QLabel()
        self.error.setStyleSheet("color: #dc2626")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Approve with these arguments")
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("The tool runs with exactly these arguments:"))
        layout.addWidget(self.editor)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(480, 320)

    def _try_accept(self) -> None:
        try:
            value = json.loads(self.editor.toPlainText())
        except json.JSONDecodeError as exc:
            self.error.setText(f"Not valid JSON: {exc.msg} (line {exc.lineno})")
            return
        if not isinstance(value, dict):
            self.error.setText("Arguments must be a JSON object.")
            return
        self._on_done(value)
        self.accept()
