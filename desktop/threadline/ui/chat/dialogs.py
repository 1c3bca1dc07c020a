"""Small non-modal dialogs (opened with ``open()``: no nested event loops under qasync)."""

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

from threadline.ui.settings.provider_form import ProviderForm


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


class SetupDialog(QDialog):
    """First run: pick OpenAI, Ollama, LM Studio or a custom URL, test it, save it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Threadline")
        self.setObjectName("setupDialog")
        self.form = ProviderForm()
        intro = QLabel(
            "Choose where your models run. Keys are stored in the system keyring, never in files."
        )
        intro.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Save and start")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.form)
        layout.addWidget(self.buttons)
        self.resize(520, 260)
