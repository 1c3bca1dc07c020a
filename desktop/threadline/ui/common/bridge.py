"""Turns runner events into Qt signals, coalescing token deltas on a ~30 ms timer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from threadline.core.events import Event


COALESCE_MS = 30


@dataclass(frozen=True)
class DeltaBatch:
    """Text streamed since the last batch: (author, branch, text) per stream, in order."""

    session_id: str
    parts: list[tuple[str, str, str]]


@dataclass(frozen=True)
class EventUpdate:
    """A non-partial event of a run (or a ``tool.start`` marker)."""

    session_id: str
    event: Event


class EventBridge(QObject):
    """Buffers deltas and emits them at most every ``COALESCE_MS``; events flush first.

    Signals (emitted in stream order: buffered deltas always go out before the next event):
        deltas(object): a ``DeltaBatch``.
        event_pushed(object): an ``EventUpdate``.
    """

    deltas = Signal(object)
    event_pushed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: dict[tuple[str, str, str], list[str]] = {}
        self._timer = QTimer(self, singleShot=True, interval=COALESCE_MS)
        self._timer.timeout.connect(self.flush)

    def push(self, session_id: str, event: Event) -> None:
        """Takes one runner event."""
        if event.partial and not event.tag:
            self._pending.setdefault((session_id, event.author, event.branch), []).append(
                event.delta
            )
            if not self._timer.isActive():
                self._timer.start()
            return
        self.flush()
        self.event_pushed.emit(EventUpdate(session_id, event))

    def flush(self) -> None:
        """Emits buffered deltas now."""
        self._timer.stop()
        if not self._pending:
            return
        by_session: dict[str, list[tuple[str, str, str]]] = {}
        for (session_id, author, branch), texts in self._pending.items():
            by_session.setdefault(session_id, []).append((author, branch, "".join(texts)))
        self._pending.clear()
        for session_id, parts in by_session.items():
            self.deltas.emit(DeltaBatch(session_id, parts))
