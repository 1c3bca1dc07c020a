"""The banner that says a damaged data file was moved aside and salvaged (never a modal)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from threadline.ui.common.widgets import named


class RecoveryBar(QFrame):
    """Says what happened to the damaged file, shows where it was kept, and can be dismissed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recoveryBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Data file recovered")
        self.kept_file = ""
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.show_button = named(QPushButton("Show the kept file"), "showKeptFile")
        self.dismiss_button = named(QPushButton("Dismiss"), "dismissRecovery")
        layout = QHBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.show_button)
        layout.addWidget(self.dismiss_button)
        self.show_button.clicked.connect(self.reveal)
        self.dismiss_button.clicked.connect(self.hide)
        self.hide()

    def show_recovery(self, message: str, kept_file: str) -> None:
        """Shows ``message`` with a button that opens the folder holding ``kept_file``."""
        self.kept_file = kept_file
        self.text.setText(message)
        self.show()

    def reveal(self) -> bool:
        """Opens the folder of the kept file in the system's file manager."""
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(self.kept_file).parent)))
