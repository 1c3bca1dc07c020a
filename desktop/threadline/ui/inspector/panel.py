"""The tool-call inspector: every tool call, every model request, the raw events, the state."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QPixmap, QShowEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from threadline.app.timeline import image_refs
from threadline.ui.common.widgets import named

if TYPE_CHECKING:
    from threadline.core.events import Event
    from threadline.ui.chat.images import ImageCache

EVENT_LOG_LINES = 2000
CALL_ROLE = Qt.ItemDataRole.UserRole + 1


def pretty(value: Any) -> str:
    """Indented JSON for people (strings that hold JSON are expanded too)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return str(value)
    return str(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def _ordered(request: dict[str, Any]) -> dict[str, Any]:
    """The request as sent: model, messages, tools, then the rest."""
    order = ["model", "messages", "tools", "params", "response_format", "parallel_tool_calls"]
    ordered = {key: request[key] for key in order if key in request}
    ordered.update({k: v for k, v in request.items() if k not in ordered})
    return ordered


def _monospace(widget: QPlainTextEdit) -> QPlainTextEdit:
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.Monospace)
    widget.setFont(font)
    widget.setReadOnly(True)
    widget.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    return widget


def _table(model: QStandardItemModel, name: str) -> QTableView:
    view = named(QTableView(), name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


REQUESTS_TAB = 1


class Inspector(QTabWidget):
    """Shows what the agent really did.

    Signals:
        approval_decided(str, bool): a pending call id and the decision taken here.
        request_wanted(object): a model.reply ``Event`` whose request messages must be rebuilt
            from the stored history (answer with ``show_request``).
    """

    approval_decided = Signal(str, bool)
    request_wanted = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolInspector")
        self._pending: tuple[list[Event], dict[str, Any]] | None = None  # see ``load``
        self.calls = QStandardItemModel(0, 5, self)
        self.calls.setHorizontalHeaderLabels(["Tool", "Status", "Duration", "Agent", "Call id"])
        self.calls_view = _table(self.calls, "toolCallsView")
        self.call_detail = _monospace(named(QPlainTextEdit(), "toolCallDetail"))
        self.images: ImageCache | None = None  # thumbnails of a result's images (the window's)
        self.call_images = named(QWidget(), "toolCallImages")
        self.call_images_layout = QHBoxLayout(self.call_images)
        self.call_images_layout.setContentsMargins(0, 0, 0, 0)
        self.call_images.hide()
        self.approve_button = QPushButton("Approve")
        self.deny_button = QPushButton("Deny")
        self.approve_button.setEnabled(False)
        self.deny_button.setEnabled(False)

        self.requests = QStandardItemModel(0, 6, self)
        self.requests.setHorizontalHeaderLabels(
            ["#", "Agent", "Model", "Instruction", "Latency", "Tokens"]
        )
        self.requests_view = _table(self.requests, "requestsView")
        self.request_detail = _monospace(named(QPlainTextEdit(), "requestDetail"))
        self.event_log = _monospace(named(QPlainTextEdit(), "eventLog"))
        self.event_log.setMaximumBlockCount(EVENT_LOG_LINES)
        self.state_view = _monospace(named(QPlainTextEdit(), "stateView"))

        self._call_rows: dict[str, list[QStandardItem]] = {}
        self._call_data: dict[str, dict[str, Any]] = {}
        self._request_events: list[Event] = []
        self._state: dict[str, Any] = {}

        buttons = QHBoxLayout()
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.deny_button)
        buttons.addStretch(1)
        calls_page = QWidget()
        calls_layout = QVBoxLayout(calls_page)
        calls_split = QSplitter(Qt.Orientation.Vertical)
        calls_split.addWidget(self.calls_view)
        calls_split.addWidget(self.call_detail)
        calls_layout.addWidget(calls_split)
        calls_layout.addWidget(self.call_images)
        calls_layout.addLayout(buttons)
        requests_split = QSplitter(Qt.Orientation.Vertical)
        requests_split.addWidget(self.requests_view)
        requests_split.addWidget(self.request_detail)
        self.addTab(calls_page, "Tool calls")
        self.addTab(requests_split, "Requests")  # REQUESTS_TAB
        self.addTab(self.event_log, "Events")
        self.addTab(self.state_view, "State")
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.calls_view.selectionModel().currentRowChanged.connect(self._show_call)
        self.requests_view.selectionModel().currentRowChanged.connect(self._show_request)
        self.approve_button.clicked.connect(lambda: self._decide(True))
        self.deny_button.clicked.connect(lambda: self._decide(False))

    # -- feeding -----------------------------------------------------------------------------

    def clear(self) -> None:
        """Forgets everything (another session was opened)."""
        self.calls.removeRows(0, self.calls.rowCount())
        self.requests.removeRows(0, self.requests.rowCount())
        self._call_rows.clear()
        self._call_data.clear()
        self._request_events.clear()
        self.call_detail.clear()
        self._show_thumbnails([])
        self.request_detail.clear()
        self.event_log.clear()

    def load(self, events: list[Event], state: dict[str, Any]) -> None:
        """Shows a stored history; while the panel is hidden, once it is shown (opening a
        conversation then builds no tables nobody sees)."""
        self._pending = None
        self.clear()
        if not self.isVisible():
            self._pending = (list(events), dict(state))
            return
        for event in events:
            self.on_event(event, log=False)
        self.set_state(state)

    def showEvent(self, event: QShowEvent) -> None:
        if self._pending is not None:
            self.load(*self._pending)
        super().showEvent(event)

    def set_state(self, state: dict[str, Any]) -> None:
        """Shows session, user and app state."""
        if self._pending is not None:
            self._pending = (self._pending[0], dict(state))
            return
        self._state = dict(state)
        self.state_view.setPlainText(pretty(self._state))

    def update_state(self, delta: dict[str, Any]) -> None:
        """Applies a state delta from a live event."""
        current = self._pending[1] if self._pending is not None else self._state
        self.set_state({**current, **delta})

    def on_event(self, event: Event, *, log: bool = True) -> None:
        """Takes one event of a run."""
        if self._pending is not None:  # hidden: kept for when the panel is shown
            self._pending[0].append(event)
            return
        if log and not (event.partial and not event.tag):
            stamp = datetime.fromtimestamp(event.timestamp).strftime("%H:%M:%S.%f")[:-3]
            summary = event.model_dump_json(exclude_defaults=True, exclude={"metadata"})
            self.event_log.appendPlainText(f"{stamp} {summary[:2000]}")
        message = event.message
        if event.tag == "model.reply":
            self._add_request(event)
            if message is not None:
                for call in message.tool_calls:
                    self._upsert_call(
                        call.id,
                        name=call.name,
                        agent=event.author,
                        arguments=call.arguments,
                        status="requested",
                    )
        elif event.tag in ("tool.start", "tool.result"):
            meta = event.metadata
            is_done = event.tag == "tool.result"
            self._upsert_call(
                str(meta.get("call_id")),
                name=str(meta.get("tool")),
                agent=event.author,
                status=str(meta.get("status")) if is_done else "running",
                arguments=meta.get("arguments"),
                duration_ms=meta.get("duration_ms"),
                result=(message.content if message else "") if is_done else None,
                images=image_refs(message.parts) if is_done and message and message.parts else None,
            )
        elif event.tag == "tool.approval":
            for call in event.metadata.get("pending", []):
                self._upsert_call(
                    call["id"],
                    name=call["name"],
                    agent=event.author,
                    arguments=call["arguments"],
                    status="awaiting approval",
                )

    def mark_decided(self, call_id: str, decision: str) -> None:
        """Shows a decision taken elsewhere (the chat card)."""
        self._upsert_call(call_id, status=decision)

    # -- tool calls --------------------------------------------------------------------------

    def _upsert_call(self, call_id: str, **fields: Any) -> None:
        data = self._call_data.setdefault(call_id, {"id": call_id})
        data.update({k: v for k, v in fields.items() if v is not None})
        row = self._call_rows.get(call_id)
        if row is None:
            row = [QStandardItem() for _ in range(5)]
            row[0].setData(call_id, CALL_ROLE)
            self.calls.appendRow(row)
            self._call_rows[call_id] = row
        duration = data.get("duration_ms")
        row[0].setText(str(data.get("name", "")))
        row[1].setText(str(data.get("status", "")))
        row[2].setText(f"{duration:.1f} ms" if isinstance(duration, int | float) else "")
        row[3].setText(str(data.get("agent", "")))
        row[4].setText(call_id)
        current = self.calls_view.currentIndex()
        if current.isValid() and current.row() == row[0].row():
            self._show_call(current, QModelIndex())

    def _show_call(self, current: QModelIndex, previous: QModelIndex) -> None:
        if not current.isValid():
            return
        call_id = self.calls.item(current.row(), 0).data(CALL_ROLE)
        data = self._call_data.get(call_id, {})
        parts = [
            f"{data.get('name', '')}   id {call_id}   status {data.get('status', '')}",
            "",
            "Arguments:",
            pretty(data.get("arguments", "{}")),
        ]
        if "result" in data:
            parts += [
                "",
                "Result:" if data.get("status") == "ok" else "Result / error:",
                pretty(data["result"]),
            ]
        images = data.get("images", [])
        if images:
            parts += ["", "Images:", *(self._image_line(n, i) for n, i in enumerate(images, 1))]
        self.call_detail.setPlainText("\n".join(parts))
        self._show_thumbnails(images)
        is_pending = data.get("status") == "awaiting approval"
        self.approve_button.setEnabled(is_pending)
        self.deny_button.setEnabled(is_pending)

    def _image_line(self, number: int, image: dict[str, Any]) -> str:
        from threadline.runner.content import human_size

        size = self.images.dimensions(str(image["ref"])) if self.images is not None else None
        dimensions = f"{size.width()}×{size.height()}" if size is not None else "…"
        name = f" {image['name']}" if image.get("name") else ""
        return (
            f"  {number}.{name} {dimensions}, {human_size(int(image.get('size') or 0))}, "
            f"{image.get('mime', '')}  ({image['ref']})"
        )

    def _show_thumbnails(self, images: list[dict[str, Any]]) -> None:
        while self.call_images_layout.count():
            taken = self.call_images_layout.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        for image in images:
            thumb = self.images.thumbnail(str(image["ref"])) if self.images is not None else None
            label = QLabel("…" if thumb is None else "")
            if thumb is not None:
                label.setPixmap(QPixmap.fromImage(thumb))
            label.setToolTip(str(image.get("mime", "")))
            self.call_images_layout.addWidget(label)
        self.call_images_layout.addStretch(1)
        self.call_images.setVisible(bool(images))

    def image_ready(self, ref: str) -> None:
        """A thumbnail loaded: the call shown now may need it."""
        current = self.calls_view.currentIndex()
        if not current.isValid():
            return
        call_id = self.calls.item(current.row(), 0).data(CALL_ROLE)
        images = self._call_data.get(call_id, {}).get("images", [])
        if any(i.get("ref") == ref for i in images):
            self._show_call(current, QModelIndex())

    def _decide(self, approved: bool) -> None:
        current = self.calls_view.currentIndex()
        if not current.isValid():
            return
        call_id = self.calls.item(current.row(), 0).data(CALL_ROLE)
        self.approve_button.setEnabled(False)
        self.deny_button.setEnabled(False)
        self.approval_decided.emit(call_id, approved)

    # -- requests ----------------------------------------------------------------------------

    def _add_request(self, event: Event) -> None:
        self._request_events.append(event)
        meta = event.metadata
        usage = event.usage.total_tokens if event.usage else ""
        latency = meta.get("latency_ms")
        cells = [
            str(len(self._request_events)),
            event.author,
            str(meta.get("model", "")),
            _version(meta.get("instruction_version")),
            f"{latency:.0f} ms" if isinstance(latency, int | float) else "",
            str(usage),
        ]
        self.requests.appendRow([QStandardItem(c) for c in cells])

    def _show_request(self, current: QModelIndex, previous: QModelIndex) -> None:
        if not current.isValid() or current.row() >= len(self._request_events):
            return
        event = self._request_events[current.row()]
        request = event.metadata.get("request", {})
        if "messages" in request:
            self._render_request(event, request)
            return
        self._shown_request = event.id
        self.request_detail.setPlainText("Rebuilding the request from the stored history…")
        self.request_wanted.emit(event)

    def inspect_reply(self, event_id: str) -> bool:
        """Shows the Requests tab on the model call that produced ``event_id`` (a reply's
        Inspect); False when this conversation's inspector does not have it."""
        row = next(
            (r for r, e in enumerate(self._request_events) if e.id == event_id and event_id), None
        )
        if row is None:
            return False
        self.setCurrentIndex(REQUESTS_TAB)
        self.requests_view.setCurrentIndex(self.requests.index(row, 0))
        return True

    def show_request(self, event_id: str, messages: list[dict[str, Any]] | None) -> None:
        """Shows a request whose messages were rebuilt (None: its history is gone)."""
        if event_id != getattr(self, "_shown_request", None):
            return
        event = next((e for e in self._request_events if e.id == event_id), None)
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
