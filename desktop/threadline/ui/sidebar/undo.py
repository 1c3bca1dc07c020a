"""Undo for moving a conversation to the trash: a button in the status bar for a few seconds."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QPushButton, QStatusBar

from threadline.ui.common.widgets import named

UNDO_MS = 10_000


class TrashUndo(QObject):
    """Says a conversation went to the trash and offers Undo until ``UNDO_MS`` have passed."""

    def __init__(self, status_bar: QStatusBar, restore: Callable[[str], None]) -> None:
        super().__init__(status_bar)
        self._status_bar = status_bar
        self._restore = restore
        self._trashed: str | None = None
        self.button = named(QPushButton("Undo"), "undoDelete")
        self.button.hide()
        status_bar.addPermanentWidget(self.button)
        self._timer = QTimer(self, singleShot=True, interval=UNDO_MS)
        self.button.clicked.connect(self._undo)
        self._timer.timeout.connect(self._hide)

    def on_trashed(self, session_id: str, title: str, branches: int = 0) -> None:
        """A conversation was just moved to the trash (with ``branches`` of its branches)."""
        self._trashed = session_id
        also = f" and its {branches} branch{'es' if branches != 1 else ''}" if branches else ""
        self._status_bar.showMessage(
            f"Moved “{title or 'conversation'}”{also} to the trash (File → Trash).", UNDO_MS
        )
        self.button.show()
        self._timer.start()

    def _undo(self) -> None:
        if self._trashed is not None:
            self._restore(self._trashed)
        self._hide()

    def _hide(self) -> None:
        self._trashed = None
        self.button.hide()
        self._status_bar.clearMessage()
