"""Where the reader is in a conversation, and what the view does about it.

At the end, the view follows: new rows and a growing reply stay in sight. Higher up, the
view stays put: reaching the top brings earlier rows in above what the reader sees without
moving it (rows the model holds first, then, through ``older_wanted``, rows read from the
store). Back at the end, the earlier rows are let go again, so layouts stay small.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QListView

from threadline.app.timeline import ChatItem
from threadline.ui.chat.model import OLDER_BATCH, WINDOW, ChatModel


class ReadingPlace(QObject):
    """Follows the end of ``view`` or keeps the reader's place in it.

    Signals:
        older_wanted(int): the reader reached the first row read; read those below this seq.
    """

    older_wanted = Signal(int)

    def __init__(self, view: QListView, model: ChatModel) -> None:
        super().__init__(view)
        self._view = view
        self._model = model
        self.at_end = True
        self._fetching = False  # older rows were asked for and have not come yet
        model.modelReset.connect(self._forget_fetch)
        model.rowsInserted.connect(self.follow)
        bar = view.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrolled)
        # A growing reply, or rows measured exactly after a first estimate, grow the range:
        # stay at the end (following every dataChanged as well would scroll twice per update).
        bar.rangeChanged.connect(self.follow)

    def to_end(self) -> None:
        """Shows the latest message, and follows from now on."""
        self.at_end = True
        self._view.scrollToBottom()

    def follow(self, *args: object) -> None:
        """Keeps the latest message in sight while the reader is at the end."""
        if self.at_end:
            self._view.scrollToBottom()

    def show_older(self, items: list[ChatItem], older_than: int | None) -> None:
        """Older items read from the store (``older_wanted``): shown above, the view kept."""
        self._fetching = False
        self._model.prepend(items, older_than)
        self._load_older()

    def _on_scrolled(self, value: int) -> None:
        bar = self._view.verticalScrollBar()
        self.at_end = value >= bar.maximum() - 4
        model = self._model
        if value == 0 and bar.maximum() > 0 and model.has_older():
            QTimer.singleShot(0, self._load_older)
        elif value == 0 and model.older_than is not None and not self._fetching:
            self._fetching = True  # until ``show_older`` brings them
            self.older_wanted.emit(model.older_than)
        elif self.at_end and model.rowCount() > WINDOW + OLDER_BATCH:
            QTimer.singleShot(0, self._trim_older)

    def _trim_older(self) -> None:
        """Back at the end: let go of the earlier rows again, so layouts stay small."""
        if self.at_end and self._model.trim_older(WINDOW):
            self._view.scrollToBottom()

    def _forget_fetch(self) -> None:
        self._fetching = False  # another conversation: its own rows, when asked

    def _load_older(self) -> None:
        """The reader reached the top: bring earlier items in without moving what they see."""
        view, bar = self._view, self._view.verticalScrollBar()
        if bar.value() != 0 or not self._model.has_older():
            return
        anchor = view.indexAt(view.viewport().rect().topLeft())
        anchor_top = view.visualRect(anchor).top() if anchor.isValid() else 0
        added = self._model.load_older()
        # Lay the rows out now, then put the row that was at the top back there.
        view.doItemsLayout()
        moved = self._model.index(max(anchor.row(), 0) + added)
        bar.setValue(bar.value() + view.visualRect(moved).top() - anchor_top)
