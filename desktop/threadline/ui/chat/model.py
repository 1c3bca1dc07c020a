"""The timeline as a Qt list model over ``ChatItem``s, with streaming updates."""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, QTimer

from threadline.app.timeline import (
    CONNECTING,
    ChatItem,
    image_refs,
    items_for_event,
    parts_line,
    progress_line,
    retry_line,
    stale_errors,
    thinking_data,
    usage_line,
)

if TYPE_CHECKING:
    from threadline.core.events import Event

ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex
WINDOW = 150  # rows shown when a conversation opens, its latest items: a few screens
OLDER_BATCH = 200  # rows brought in each time the reader scrolls to the top


def when_sent(stamp: object) -> str | None:
    """ "Today 14:32", "Yesterday 09:05" or "Mon 2 Dec 2026, 14:32": when a message was sent."""
    if not isinstance(stamp, int | float):
        return None
    moment = datetime.fromtimestamp(stamp)
    days = (date.today() - moment.date()).days
    clock = moment.strftime("%H:%M")
    if days == 0:
        return f"Today {clock}"
    if days == 1:
        return f"Yesterday {clock}"
    return f"{moment.strftime('%a')} {moment.day} {moment.strftime('%b %Y')}, {clock}"


_when = when_sent  # the name the tests know


class ChatModel(QAbstractListModel):
    """Rows are ``ChatItem``s; ``ITEM_ROLE`` hands the item itself to the delegate.

    Only the latest items are rows at first (``WINDOW``); ``load_older`` brings earlier ones in
    as the reader scrolls up. Every height change makes the view ask each row for its size, so
    a reply streaming into a 10,000-message conversation would otherwise relayout 10,000 rows
    thirty times a second (and, laid out in batches, never get painted).
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[ChatItem] = []
        self._first = 0  # index in _items of row 0
        self._tools: dict[str, ChatItem] = {}
        self._streams: dict[tuple[str, str], ChatItem] = {}
        self.older_than: int | None = None  # see ``reset``
        self.waiting: ChatItem | None = None  # "Connecting…" until the reply's first token
        self._countdown = QTimer(self, interval=1000)  # a retry's "retrying in N s"
        self._countdown.timeout.connect(self._count_down)

    # -- Qt model API ----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._items) - self._first

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        position = index.row() + self._first
        if not index.isValid() or position >= len(self._items):
            return None
        item = self._items[position]
        if role == ITEM_ROLE:
            return item
        if role == Qt.ItemDataRole.DisplayRole:
            return item.text
        if role == Qt.ItemDataRole.AccessibleTextRole and item.status == "waiting":
            return item.text
        if role == Qt.ItemDataRole.AccessibleTextRole:
            # Clipped: a 10 MB paste would otherwise be sent whole as the row's name.
            return f"{item.author}: {' '.join(item.text[:300].split())}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return when_sent(item.data.get("time"))
        return None

    # -- content -----------------------------------------------------------------------------

    def reset(self, items: list[ChatItem], older_than: int | None = None) -> None:
        """Replaces the whole timeline (opening a session); ``older_than`` is the seq below
        which the store holds rows not read yet (None: the history starts here)."""
        self.beginResetModel()
        self.older_than = older_than
        self._items = items
        self._first = max(0, len(items) - WINDOW)
        self._tools = {i.call_id: i for i in items if i.kind == "tool" and i.call_id}
        self._streams = {}
        self.waiting = None
        self._countdown.stop()
        self.endResetModel()

    def items(self) -> list[ChatItem]:
        """All the items, in order, rows or not yet (read-only use)."""
        return self._items

    def item(self, row: int) -> ChatItem:
        """The item at ``row``."""
        return self._items[self._first + row]

    def has_older(self) -> bool:
        """True while earlier items are not rows yet."""
        return self._first > 0

    def load_older(self, count: int = OLDER_BATCH) -> int:
        """Makes up to ``count`` earlier items rows (at the top); returns how many."""
        count = min(count, self._first)
        if count:
            self.beginInsertRows(QModelIndex(), 0, count - 1)
            self._first -= count
            self.endInsertRows()
        return count

    def prepend(self, items: list[ChatItem], older_than: int | None) -> None:
        """Puts items read from the store before the first ones (not rows yet: ``load_older``
        makes them rows); ``older_than`` as in ``reset``."""
        self.older_than = older_than
        self._items[0:0] = items
        self._first += len(items)
        for item in items:
            if item.kind == "tool" and item.call_id:
                self._tools.setdefault(item.call_id, item)

    def trim_older(self, keep: int) -> int:
        """Keeps only the latest ``keep`` items as rows; returns how many stopped being rows."""
        count = max(0, self.rowCount() - keep)
        if count:
            self.beginRemoveRows(QModelIndex(), 0, count - 1)
            self._first += count
            self.endRemoveRows()
        return count

    def append(self, items: list[ChatItem]) -> None:
        """Adds items at the end."""
        if not items:
            return
        first = self.rowCount()
        self.beginInsertRows(QModelIndex(), first, first + len(items) - 1)
        self._items.extend(items)
        self.endInsertRows()

    def add_pending_user(self, text: str, detail: str = "") -> None:
        """Shows a message the moment it is sent; the saved event fills it in."""
        sent = ChatItem("user", "user", text, status="sending", detail=detail)
        sent.data["time"] = time.time()
        self.append([sent])

    def drop_pending_user(self, text: str) -> None:
        """Takes back a shown message that was never saved (it returns to the composer)."""
        for item in reversed(self._items):
            if item.kind == "user" and item.status == "sending" and item.text == text:
                self._remove(item)
                return

    def add_reasoning(self, parts: list[tuple[str, str, str]]) -> None:
        """Grows the "Thinking…" block of each (author, branch, text) stream."""
        for author, branch, text in parts:
            item = self._stream_item(author, branch)
            item.data.setdefault("thinking_since", time.monotonic())
            item.data["reasoning"] = item.data.get("reasoning", "") + text
            item.touch()
            self._changed(item)

    def show_waiting(self) -> None:
        """A quiet "Connecting…" row where the reply will appear; its first token, an
        error or the run's end takes it away."""
        if self.waiting is None:
            self.waiting = ChatItem("note", "", CONNECTING, status="waiting")
            self.waiting.data["time"] = time.time()
            self.append([self.waiting])

    def show_retry(self, meta: dict[str, Any]) -> None:
        """The request failed and is sent again soon (``model.retry`` metadata): the waiting
        row says why and counts down."""
        self.show_waiting()
        assert self.waiting is not None
        self.waiting.data["retry"] = meta
        delay = meta.get("delay_s")
        self.waiting.data["retry_until"] = time.monotonic() + (
            float(delay) if isinstance(delay, int | float) else 0.0
        )
        self.waiting.text = retry_line(meta)
        self.update_item(self.waiting)
        self._countdown.start()

    def _count_down(self) -> None:
        item = self.waiting
        if item is None or "retry_until" not in item.data:
            self._countdown.stop()
            return
        left = item.data["retry_until"] - time.monotonic()
        item.text = retry_line(item.data["retry"], left)
        self.update_item(item)
        if left < 0.5:
            self._countdown.stop()

    def drop_waiting(self) -> None:
        """Takes the waiting row away (the reply, or its error, takes its place)."""
        self._countdown.stop()
        if self.waiting is not None:
            self._remove(self.waiting)
            self.waiting = None

    def _stream_item(self, author: str, branch: str) -> ChatItem:
        item = self._streams.get((author, branch))
        if item is None:
            self.drop_waiting()
            item = ChatItem("assistant", author, "", status="streaming")
            self._streams[(author, branch)] = item
            self.append([item])
        return item

    def add_deltas(self, parts: list[tuple[str, str, str]]) -> None:
        """Grows (or starts) the streaming bubble of each (author, branch, text) part."""
        for author, branch, text in parts:
            item = self._stream_item(author, branch)
            since = item.data.pop("thinking_since", None)
            if since is not None:  # the answer starts: the thinking block closes
                item.data["reasoning_ms"] = (time.monotonic() - since) * 1000
            item.text += text
            item.touch()
            self._changed(item)

    def add_event(self, event: Event) -> None:
        """Shows a non-partial event: it finishes a stream or adds items."""
        key = (event.author, event.branch)
        stream = self._streams.pop(key, None)
        message = event.message
        if event.error is not None or (message is not None and message.role == "assistant"):
            self.drop_waiting()
        if stream is not None and message is not None and message.role == "assistant":
            stream.text = message.content
            stream.event_id = event.id
            stream.data["time"] = event.timestamp
            stream.data.pop("thinking_since", None)
            stream.data.update(thinking_data(event))
            stream.status = "interrupted" if message.interrupted else ""
            stream.detail = usage_line(event)
            stream.touch()
            self._changed(stream)
            rest = [i for i in items_for_event(event, self._tools) if i.kind != "assistant"]
            self.append(rest)
            self._drop_stale_errors()
            return
        if stream is not None and not stream.text:
            self._remove(stream)
        elif stream is not None:
            stream.status = "interrupted"
            stream.touch()
            self._changed(stream)
        if message is not None and message.role == "user":
            pending = next(  # from the end: it was just added
                (
                    i
                    for i in reversed(self._items)
                    if i.status == "sending" and i.text == message.content
                ),
                None,
            )
            if pending is not None:
                pending.event_id = event.id
                pending.data["time"] = event.timestamp
                pending.status = ""
                pending.detail = parts_line(event)
                if message.parts:
                    pending.data["images"] = image_refs(message.parts)
                self.update_item(pending)
                return
        self.append(items_for_event(event, self._tools))
        if message is not None and message.role == "assistant":
            self._drop_stale_errors()
        if message is not None and message.role == "tool":
            updated = self._tools.get(message.tool_call_id or "")
            if updated is not None:
                self._changed(updated)
        for call in event.metadata.get("pending", []) if event.tag == "tool.approval" else []:
            waiting = self._tools.get(call["id"])
            if waiting is not None:
                self._changed(waiting)

    def _drop_stale_errors(self) -> None:
        """Error cards above a reply that answered after them (a Retry that worked) go."""
        start = len(self._items)
        while start > 0 and self._items[start - 1].kind != "user":
            start -= 1
        for item in stale_errors(self._items[start:]):
            self._remove(item)

    def update_item(self, item: ChatItem) -> None:
        """Redraws ``item`` after its fields changed."""
        item.touch()
        self._changed(item)

    def show_progress(self, meta: dict[str, Any]) -> None:
        """A running tool's progress report (``tool.progress`` metadata) on its tool item."""
        item = self._tools.get(str(meta.get("call_id", "")))
        if item is not None and item.status == "running":
            item.data["progress"] = progress_line(
                meta.get("progress"), meta.get("total"), meta.get("message")
            )
            self.update_item(item)

    def insert_after_call(self, item: ChatItem) -> None:
        """Adds ``item`` just after the tool call it belongs to (``call_id``), else at the end."""
        anchor = self._tools.get(item.call_id)
        position = self._position(anchor) if anchor is not None else -1
        if position < self._first or position == len(self._items) - 1:
            self.append([item])
            return
        # After the call and the cards already shown for it.
        position += 1
        while position < len(self._items) and self._items[position].call_id == item.call_id:
            position += 1
        row = position - self._first
        self.beginInsertRows(QModelIndex(), row, row)
        self._items.insert(position, item)
        self.endInsertRows()

    def contains(self, item: ChatItem) -> bool:
        """True while ``item`` is in the timeline."""
        return self._position(item) >= 0

    def end_streams(self) -> None:
        """Marks any bubble still streaming as interrupted (stop or failure)."""
        self.drop_waiting()
        for item in self._streams.values():
            item.status = "interrupted"
            item.touch()
            self._changed(item)
        self._streams.clear()

    def _changed(self, item: ChatItem) -> None:
        row = self._row_of(item)
        if row >= 0:
            index = self.index(row)
            self.dataChanged.emit(index, index, [ITEM_ROLE])

    def _row_of(self, item: ChatItem) -> int:
        """The item's row, or -1 (gone, or earlier than the rows shown)."""
        position = self._position(item)
        return position - self._first if position >= self._first else -1

    def _position(self, item: ChatItem) -> int:
        # Changes almost always touch the last items: search from the end.
        for position in range(len(self._items) - 1, -1, -1):
            if self._items[position] is item:
                return position
        return -1

    def _remove(self, item: ChatItem) -> None:
        position = self._position(item)
        if position < 0:
            return
        if position < self._first:  # not a row: nothing to tell the view
            del self._items[position]
            self._first -= 1
            return
        row = position - self._first
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._items[position]
        self.endRemoveRows()
