"""The inspector's Requests tab: every model request of the conversation, as it was sent.

Apart from ``panel.py`` because a stored request has no messages: they are rebuilt from the
stored history on demand (``request_wanted``, answered by ``show_request``), so this tab keeps
its own events and the request it waits for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QPlainTextEdit, QSplitter, QWidget

from threadline.ui.common.widgets import named
from threadline.ui.inspector.parts import monospace, pretty, table

if TYPE_CHECKING:
    from threadline.core.events import Event


def _ordered(request: dict[str, Any]) -> dict[str, Any]:
    """The request as sent: model, messages, tools, then the rest."""
    order = ["model", "messages", "tools", "params", "response_format", "parallel_tool_calls"]
    ordered = {key: request[key] for key in order if key in request}
    ordered.update({k: v for k, v in request.items() if k not in ordered})
    return ordered


class RequestsTab(QSplitter):
    """The requests, one row each, above the selected one with its instruction and response.

    Signals:
        request_wanted(object): a model.reply ``Event`` whose request messages must be rebuilt
            from the stored history (answer with ``show_request``).
    """

    request_wanted = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.requests = QStandardItemModel(0, 6, self)
        self.requests.setHorizontalHeaderLabels(
            ["#", "Agent", "Model", "Instruction", "Latency", "Tokens"]
        )
        self.requests_view = table(self.requests, "requestsView")
        self.request_detail = monospace(named(QPlainTextEdit(), "requestDetail"))
        self.events: list[Event] = []  # the model.reply events, one a row
        self._shown_request: str | None = None  # waiting for its messages (``show_request``)
        self.addWidget(self.requests_view)
        self.addWidget(self.request_detail)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.requests_view.selectionModel().currentRowChanged.connect(self._show_request)

    def clear(self) -> None:
        """Forgets every request."""
        self.requests.removeRows(0, self.requests.rowCount())
        self.events.clear()
        self.request_detail.clear()

    def add(self, event: Event) -> None:
        """Adds a ``model.reply`` event's request as a row."""
        self.events.append(event)
        meta = event.metadata
        usage = event.usage.total_tokens if event.usage else ""
        latency = meta.get("latency_ms")
        cells = [
            str(len(self.events)),
            event.author,
            str(meta.get("model", "")),
            _version(meta.get("instruction_version")),
            f"{latency:.0f} ms" if isinstance(latency, int | float) else "",
            str(usage),
        ]
        self.requests.appendRow([QStandardItem(c) for c in cells])

    def row_of(self, event_id: str) -> int | None:
        """The row of the model call that produced ``event_id``, or None."""
        return next((r for r, e in enumerate(self.events) if e.id == event_id and event_id), None)

    def _show_request(self, current: QModelIndex, previous: QModelIndex) -> None:
        if not current.isValid() or current.row() >= len(self.events):
            return
        event = self.events[current.row()]
        request = event.metadata.get("request", {})
        if "messages" in request:
            self._render_request(event, request)
            return
        self._shown_request = event.id
        self.request_detail.setPlainText("Rebuilding the request from the stored history…")
        self.request_wanted.emit(event)

    def show_request(self, event_id: str, messages: list[dict[str, Any]] | None) -> None:
        """Shows a request whose messages were rebuilt (None: its history is gone)."""
        if event_id != self._shown_request:
            return
        event = next((e for e in self.events if e.id == event_id), None)
        if event is None:
            return
        request = dict(event.metadata.get("request", {}))
        request["messages"] = (
            messages if messages is not None else "(the history this request used was deleted)"
        )
        self._render_request(event, request)

    def _render_request(self, event: Event, request: dict[str, Any]) -> None:
        meta = event.metadata
        message = event.message
        response = {
            "text": message.content if message else "",
            "tool_calls": [c.model_dump() for c in message.tool_calls] if message else [],
            "usage": event.usage.model_dump() if event.usage else None,
            "latency_ms": meta.get("latency_ms"),
        }
        text = (
            f"Instruction {_version(meta.get('instruction_version'))}:\n"
            f"{meta.get('instruction', '')}\n\n"
            + (f"Memory brought in:\n{meta['memories']}\n\n" if meta.get("memories") else "")
            + f"Request:\n{pretty(_ordered(request))}\n\nResponse:\n{pretty(response)}"
        )
        self.request_detail.setPlainText(text)

    def select_request(self, row: int) -> None:
        """Selects a request row (the newest with -1)."""
        if row < 0:
            row = self.requests.rowCount() - 1
        if row >= 0:
            self.requests_view.setCurrentIndex(self.requests.index(row, 0))


def _version(value: object) -> str:
    """ "v3" for the default instruction's version, or the conversation's own."""
    return "this conversation's" if value == "conversation" else f"v{value if value else '?'}"
