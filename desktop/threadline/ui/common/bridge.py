"""Turns runner events into Qt signals, coalescing token deltas on a ~30 ms timer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from threadline.core.events import Event


COALESCE_MS = 30
REASONING = "reasoning"  # EventTag.REASONING, without importing the runner here


@dataclass(frozen=True)
class DeltaBatch:
    """Text streamed since the last batch: (author, branch, text) per stream, in order."""

    session_id: str
    parts: list[tuple[str, str, str]]
    reasoning: list[tuple[str, str, str]] = field(default_factory=list)  # the same, thinking


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
        # (session, author, branch, "" for reply text or "reasoning") -> pieces, in order
        self._pending: dict[tuple[str, str, str, str], list[str]] = {}
        self._timer = QTimer(self, singleShot=True, interval=COALESCE_MS)
        self._timer.timeout.connect(self.flush)

    def push(self, session_id: str, event: Event) -> None:
        """Takes one runner event."""
        if event.partial and (not event.tag or event.tag == REASONING):
            kind = "reasoning" if event.tag else ""
            piece = event.reasoning_delta if kind else event.delta
            self._pending.setdefault((session_id, event.author, event.branch, kind), []).append(
                piece
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
        batches: dict[str, DeltaBatch] = {}
        for (session_id, author, branch, kind), texts in self._pending.items():
            batch = batches.setdefault(session_id, DeltaBatch(session_id, []))
            (batch.reasoning if kind else batch.parts).append((author, branch, "".join(texts)))
        self._pending.clear()
        for batch in batches.values():
            self.deltas.emit(batch)
