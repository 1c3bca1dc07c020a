"""The banner shown when the keyring is locked: unlock and retry, or enter the key for now."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QInputDialog, QLabel, QLineEdit, QPushButton

from threadline.ui.common.widgets import named


class KeyBar(QFrame):
    """Says the keyring is locked; offers to try again or to enter the key for this session.

    Signals:
        retry_requested(): the user unlocked the keyring and wants to send again.
        key_entered(str): a key typed in, to use until the app quits (never saved).
    """

    retry_requested = Signal()
    key_entered = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("keyringBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Keyring locked")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.retry_button = named(QPushButton("I unlocked it: send again"), "retryKeyring")
        self.enter_button = named(QPushButton("Enter the key for this session…"), "enterKey")
        layout = QHBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.retry_button)
        layout.addWidget(self.enter_button)
        self.retry_button.clicked.connect(self._retry)
        self.enter_button.clicked.connect(self.ask_for_key)
        self.dialog: QInputDialog | None = None
        self.hide()

    def show_locked(self, message: str) -> None:
        """Shows ``message`` with the two ways on."""
        self.text.setText(message)
        self.show()

    def ask_for_key(self) -> QInputDialog:
        """A password field (non-modal: no nested event loop under qasync)."""
        dialog = QInputDialog(self.window())
        dialog.setObjectName("sessionKeyDialog")
        dialog.setWindowTitle("API key for this session")
        dialog.setLabelText("The key is used until Threadline quits and is not saved anywhere.")
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
        dialog.textValueSelected.connect(self._entered)
        dialog.open()
        self.dialog = dialog
        return dialog

    def _entered(self, key: str) -> None:
        if key.strip():
            self.hide()
            self.key_entered.emit(key.strip())

    def _retry(self) -> None:
        self.hide()
        self.retry_requested.emit()
