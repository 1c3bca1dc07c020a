"""File → Trash: the conversations moved to the trash, to restore or delete for good.

Undo in the status bar is there for a few seconds; this is where a conversation can be found
later. Each row is one conversation with the branches that went with it; Restore puts them all
back in the sidebar. Empty trash asks once more on the same button (no second dialog over this
one) before deleting for good.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from threadline.ui.chat.model import when_sent
from threadline.ui.common.widgets import named

if TYPE_CHECKING:
    from threadline.app.trash import TrashedConversation

IDS_ROLE = Qt.ItemDataRole.UserRole + 1


class TrashDialog(QDialog):
    """The trash's contents (``show_trashed``), Restore, Empty trash and Close.

    Signals:
        restore_requested(object): ``list[str]``, a conversation's id then its branches'.
        empty_requested(): delete everything in the trash for good (asked twice).
    """

    restore_requested = Signal(object)
    empty_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trashDialog")
        self.setWindowTitle("Trash")
        self.resize(520, 420)
        hint = QLabel(
            "Conversations you moved to the trash. Restore puts one back in the sidebar with "
            "its branches; Empty trash deletes them all for good."
        )
        hint.setWordWrap(True)
        self.list = named(QListWidget(), "trashList")
        self.list.setAccessibleName("Conversations in the trash")
        self.empty_label = named(QLabel("The trash is empty."), "trashEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.restore_button = named(QPushButton("&Restore"), "trashRestore")
        self.restore_button.setDefault(True)
        self.empty_button = named(QPushButton("&Empty trash…"), "trashEmptyAll")
        close = named(QPushButton("Close"), "trashClose")
        buttons = QHBoxLayout()
        buttons.addWidget(self.empty_button)
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty_label, 1)
        layout.addLayout(buttons)
        self._confirming = False
        self.restore_button.clicked.connect(self._restore)
        self.list.itemActivated.connect(lambda _item: self._restore())
        self.list.currentItemChanged.connect(lambda *_: self._fit_buttons())
        self.empty_button.clicked.connect(self._empty)
        close.clicked.connect(self.close)
        self.show_trashed([])

    def show_trashed(self, found: list[TrashedConversation]) -> None:
        """Lists ``found``, the most recently trashed first."""
        self.list.clear()
        for conversation in found:
            title = conversation.title or "Untitled conversation"
            extra = len(conversation.branches)
            parts = [title]
            if extra:
                parts.append(f"{extra} branch{'es' if extra != 1 else ''}")
            stamp = when_sent(conversation.updated_at)
            if stamp:
                parts.append(f"last changed {stamp}")
            item = QListWidgetItem(" · ".join(parts))
            item.setData(IDS_ROLE, list(conversation.ids))
            self.list.addItem(item)
        if found:
            self.list.setCurrentRow(0)
        self.list.setVisible(bool(found))
        self.empty_label.setVisible(not found)
        self._confirming = False
        self._fit_buttons()

    def _fit_buttons(self) -> None:
        has_any = self.list.count() > 0
        self.restore_button.setEnabled(self.list.currentItem() is not None)
        self.empty_button.setEnabled(has_any)
        self.empty_button.setText(
            "Click again to delete for good" if self._confirming else "&Empty trash…"
        )

    def _restore(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.restore_requested.emit(list(item.data(IDS_ROLE)))

    def _empty(self) -> None:
        if not self._confirming:
            self._confirming = True
            self._fit_buttons()
            return
        self._confirming = False
        self.empty_requested.emit()
