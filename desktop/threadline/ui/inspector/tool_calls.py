"""The inspector's Tool calls tab: each call's arguments, status, result and images, and the
approval buttons for a call that waits.

Apart from ``panel.py`` because a call is put together from several events (the reply that
asked for it, its start, its result, an approval) and has its own detail view and decisions;
the panel only routes events to its tabs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QPixmap, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from threadline.app.timeline import image_refs
from threadline.ui.common.widgets import named
from threadline.ui.inspector.parts import monospace, pretty, table

if TYPE_CHECKING:
    from threadline.core.events import Event
    from threadline.ui.chat.images import ImageCache

CALL_ROLE = Qt.ItemDataRole.UserRole + 1


class ToolCallsTab(QWidget):
    """Every tool call of the conversation, one row each, the selected one in detail.

    Signals:
        approval_decided(str, bool): a pending call id and the decision taken here.
    """

    approval_decided = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.calls = QStandardItemModel(0, 5, self)
        self.calls.setHorizontalHeaderLabels(["Tool", "Status", "Duration", "Agent", "Call id"])
        self.calls_view = table(self.calls, "toolCallsView")
        # The tool's name takes the room a narrow panel has; the other columns fit their text
        # (the id last, cut first), so no sideways scrolling.
        header = self.calls_view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.calls_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.call_detail = monospace(named(QPlainTextEdit(), "toolCallDetail"))
        self.images: ImageCache | None = None  # thumbnails of a result's images (the window's)
        self.call_images = named(QWidget(), "toolCallImages")
        self.call_images_layout = QHBoxLayout(self.call_images)
        self.call_images_layout.setContentsMargins(0, 0, 0, 0)
        self.call_images.hide()
        self.approve_button = QPushButton("Approve")
        self.deny_button = QPushButton("Deny")
        self._show_decision(False)
        self._call_rows: dict[str, list[QStandardItem]] = {}
        self._call_data: dict[str, dict[str, Any]] = {}

        buttons = QHBoxLayout()
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.deny_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.calls_view)
        split.addWidget(self.call_detail)
        layout.addWidget(split)
        layout.addWidget(self.call_images)
        layout.addLayout(buttons)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.calls_view.selectionModel().currentRowChanged.connect(self._show_call)
        self.approve_button.clicked.connect(lambda: self._decide(True))
        self.deny_button.clicked.connect(lambda: self._decide(False))

    def clear(self) -> None:
        """Forgets every call."""
        self.calls.removeRows(0, self.calls.rowCount())
        self._call_rows.clear()
        self._call_data.clear()
        self.call_detail.clear()
        self._show_thumbnails([])

    def on_event(self, event: Event) -> None:
        """Takes what ``event`` says of tool calls: asked for, started, finished, waiting."""
        message = event.message
        if event.tag == "model.reply":
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
        self._show_decision(data.get("status") == "awaiting approval")

    def _show_decision(self, pending: bool) -> None:
        """Approve and Deny are there only for a call that waits for them (greyed-out
        buttons under every finished call read as something still to do)."""
        for button in (self.approve_button, self.deny_button):
            button.setEnabled(pending)
            button.setVisible(pending)

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
        self._show_decision(False)
        self.approval_decided.emit(call_id, approved)
