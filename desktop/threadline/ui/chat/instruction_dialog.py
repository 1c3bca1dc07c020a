"""This conversation's own instruction: written here, it replaces the default (Settings) for
this conversation's next requests; "Use the default" goes back. Each change is a version in
the conversation (a note in the timeline), and a branch inherits it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from threadline.ui.common.widgets import named


class ConversationInstructionDialog(QDialog):
    """Edits one conversation's instruction; ``apply`` gets the text, or None for the default."""

    def __init__(
        self,
        own: str | None,
        default: str,
        apply: Callable[[str | None], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("conversationInstructionDialog")
        self.setWindowTitle("This conversation's instruction")
        self._apply = apply
        intro = QLabel(
            "The system instruction for this conversation only. Its next request uses it;"
            " other conversations keep the default from Settings."
        )
        intro.setWordWrap(True)
        self.use_default = named(QCheckBox("Use the default instruction"), "useDefaultInstruction")
        self.use_default.setChecked(own is None)
        self.editor = named(QPlainTextEdit(), "conversationInstruction")
        self.editor.setPlainText(own if own is not None else default)
        self.editor.setEnabled(own is not None)
        self.editor.setAccessibleName("Instruction for this conversation")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Apply | QDialogButtonBox.StandardButton.Cancel
        )
        self.apply_button = buttons.button(QDialogButtonBox.StandardButton.Apply)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.use_default)
        layout.addWidget(self.editor, 1)
        layout.addWidget(buttons)
        self.resize(560, 420)
        self.use_default.toggled.connect(lambda on: self.editor.setEnabled(not on))
        self.apply_button.clicked.connect(self._done)
        buttons.rejected.connect(self.reject)

    def _done(self) -> None:
        self._apply(None if self.use_default.isChecked() else self.editor.toPlainText())
        self.accept()
