"""The first-run setup dialog (non-modal: opened with ``open()``, no nested event loop)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from threadline.ui.settings.provider_form import ProviderForm


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
