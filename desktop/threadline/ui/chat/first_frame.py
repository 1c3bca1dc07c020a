"""A conversation's first frame, prepared before it is painted.

Painting the rows of a newly opened conversation builds their documents (Markdown to HTML,
layout, math, thumbnails): ~2.5 ms a message, so a window of them painted at once froze the
GUI for 30-40 ms, and the heights it found made the view lay out and paint again. Instead the
view keeps showing what it showed while the rows that will be visible (from the bottom up)
get their documents built a few milliseconds at a time, between other events; then the rows
are laid out at their exact heights and painted once.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QListView

from threadline.ui.chat.delegate import ChatDelegate

log = logging.getLogger(__name__)
SLICE_S = 0.004  # documents built per turn of the event loop: well inside a 16 ms frame
MOST_TURNS = 40  # then painted anyway (a huge message): never a blank view for long


class FirstFrame(QObject):
    """Prepares ``view``'s bottom rows, then lets it paint; ``drawn`` follows that paint.

    Signals:
        drawn(): the prepared conversation was painted (benchmarks and tests wait for it).
    """

    drawn = Signal()

    def __init__(self, view: QListView, delegate: ChatDelegate) -> None:
        super().__init__(view)
        self._view = view
        self._delegate = delegate
        self._generation = 0  # a newer open abandons an older one's preparation
        self._row = -1  # the next row to prepare, counting up from the bottom
        self._height = 0  # how much of the viewport the prepared rows fill
        self._turns = 0
        self._painting = False
        view.viewport().installEventFilter(self)

    @property
    def preparing(self) -> bool:
        """True between an open and its paint."""
        return not self._view.viewport().updatesEnabled()

    def prepare(self) -> None:
        """Holds painting and starts building the bottom rows' documents."""
        self._generation += 1
        self._painting = False
        self._row = self._view.model().rowCount() - 1
        self._height = 0
        self._turns = 0
        self._view.viewport().setUpdatesEnabled(False)
        generation = self._generation
        QTimer.singleShot(1, self, lambda: self._step(generation))  # after the open's own work

    def _step(self, generation: int) -> None:
        if generation != self._generation:
            return  # a newer open took over
        deadline = time.perf_counter() + SLICE_S
        room = self._view.viewport().height()
        model = self._view.model()
        try:
            while self._row >= 0 and self._height < room and time.perf_counter() < deadline:
                self._height += self._delegate.measure(model.index(self._row, 0))
                self._row -= 1
        except Exception:  # a row that cannot be drawn must not leave the view frozen
            log.exception("preparing the first frame")
            self._show(generation)
            return
        self._turns += 1
        if self._row >= 0 and self._height < room and self._turns < MOST_TURNS:
            QTimer.singleShot(1, self, lambda: self._step(generation))  # a timer: yields to timers
            return
        QTimer.singleShot(1, self, lambda: self._lay_out(generation))

    def _lay_out(self, generation: int) -> None:
        """Lays the rows out at their measured heights, at the latest message; the paint
        follows in a turn of its own (each within a frame)."""
        if generation != self._generation:
            return
        try:
            self._view.doItemsLayout()
            self._view.scrollToBottom()
        finally:  # painted whatever happened
            QTimer.singleShot(1, self, lambda: self._show(generation))

    def _show(self, generation: int) -> None:
        """Lets the view paint the prepared rows."""
        if generation != self._generation:
            return
        self._painting = True
        self._view.viewport().setUpdatesEnabled(True)
        self._view.viewport().update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._painting and event.type() == QEvent.Type.Paint:
            self._painting = False
            QTimer.singleShot(0, self, self.drawn.emit)  # after the paint itself
        return False
