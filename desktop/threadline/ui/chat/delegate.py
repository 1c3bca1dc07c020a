"""Draws timeline items as rich-text bubbles; only visible rows are ever laid out."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QListView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from threadline.app.timeline import ChatItem
from threadline.ui.chat.bubbles import colour, header_html, surface
from threadline.ui.chat.model import ITEM_ROLE, ChatModel
from threadline.ui.chat.rich_doc import RichDocument
from threadline.ui.chat.row_html import DISPLAY_LIMIT, row_html
from threadline.ui.chat.thinking import thinking_html
from threadline.ui.chat.toolbar import MessageToolbar

if TYPE_CHECKING:
    from threadline.ui.chat.images import ImageCache
    from threadline.ui.chat.stream_doc import StreamingDocument

MARGIN = 6
PADDING = 10
DOC_CACHE = 400
# The reading column: lines longer than ~90 characters are hard to read, so a wide window
# centres the conversation instead of stretching it (as chat apps do).
COLUMN = 760
BAR = 4  # px: the accent bar on the left of a card that waits on the reader
Index = QModelIndex | QPersistentModelIndex


class ChatDelegate(QStyledItemDelegate):
    """Paints ``ChatItem``s and turns clicks on their links, and presses of their toolbar's
    buttons (``toolbar``: the hovered or the current row's actions), into ``link_activated``.

    Signals:
        link_activated(object, str): the item and the link's target (``act:copy`` ...).
    """

    link_activated = Signal(object, str)

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view
        # Keyed by id(item), the cheapest key for 10,000 rows. An id is reused once its item is
        # freed, so entries leave with their rows (a reload, a removal): otherwise a new item
        # could be handed a dropped item's document.
        self._docs: dict[int, tuple[int, int, QTextDocument]] = {}
        self._streams: dict[int, StreamingDocument] = {}
        self.images: ImageCache | None = None  # thumbnails of image parts (set by the window)
        self._is_dark = False
        self._reported: dict[int, int] = {}
        # Heights by item: (revision, width, height). The view asks every row's size on each
        # relayout, so the answer must be a lookup, not a document or Qt round trips.
        self._heights: dict[int, tuple[int, int, int]] = {}
        self._width = 0  # the text width, kept current by resize events (see eventFilter)
        self._relayout_pending = False
        model = view.model()
        model.modelAboutToBeReset.connect(self._forget_all)
        model.rowsAboutToBeRemoved.connect(self._forget_rows)
        self._char_width = view.fontMetrics().averageCharWidth() or 7
        self._line_height = view.fontMetrics().lineSpacing() or 16
        self._model = model
        view.viewport().installEventFilter(self)
        self.toolbar = MessageToolbar(view, self.bubble_at)  # real buttons over the row
        self.toolbar.activated.connect(self.link_activated)

    def eventFilter(self, watched: Any, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._width = 0  # measured again on the next ask
        return False

    def font_changed(self) -> None:
        """The view's font changed (zoom): every document and height is made again."""
        self._forget_all()
        metrics = self._view.fontMetrics()
        self._char_width = metrics.averageCharWidth() or 7
        self._line_height = metrics.lineSpacing() or 16
        self.sizeHintChanged.emit(self._view.model().index(0, 0))

    def _forget_all(self) -> None:
        self._heights.clear()
        self._docs.clear()
        self._streams.clear()
        self._reported.clear()

    def _forget_rows(self, parent: Index, first: int, last: int) -> None:
        model = self._view.model()
        for row in range(first, last + 1):
            key = id(model.index(row, 0, parent).data(ITEM_ROLE))
            for cache in (self._docs, self._streams, self._reported, self._heights):
                cache.pop(key, None)

    # -- geometry ----------------------------------------------------------------------------

    def _text_width(self) -> int:
        if not self._width:
            room = self._view.viewport().width() - 2 * (MARGIN + PADDING)
            self._width = max(200, min(COLUMN, room))
        return self._width

    def _bubble(
        self, row: QRect, item: ChatItem | None = None, doc: QTextDocument | None = None
    ) -> QRectF:
        """The message's rectangle in ``row``: the reading column, centred in a wide window; a
        message of yours is a bubble as wide as its longest line, at the column's right."""
        width = self._text_width() + 2 * PADDING
        left = row.left() + max(MARGIN, (row.width() - width) // 2)
        if item is not None and doc is not None and item.kind == "user":
            least = math.ceil(self.toolbar.width(item)) + 48  # "You" beside the toolbar
            fits = max(least, math.ceil(doc.idealWidth()) + 2 * PADDING)
            left, width = left + max(0, width - fits), min(width, fits)
        return QRectF(left, row.top() + MARGIN / 2, width, row.height() - MARGIN)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        model = self._model
        item: ChatItem = (
            model.item(index.row()) if isinstance(model, ChatModel) else index.data(ITEM_ROLE)
        )
        width = self._width or self._text_width()
        key = id(item)
        if item.kind == "elicitation":
            widget = self._view.indexWidget(index)  # a card with real inputs (an MCP form)
            if widget is not None:
                full = self._view.viewport().width()
                height = widget.heightForWidth(full) if widget.hasHeightForWidth() else -1
                return QSize(width, max(height, widget.sizeHint().height()) + MARGIN)
        known = self._heights.get(key)
        if known is not None and known[0] == item.revision and known[1] == width:
            return QSize(width, known[2] + 2 * (MARGIN + PADDING) - 8)
        cached = self._docs.get(key)
        if cached is not None and cached[0] == item.revision and cached[1] == width:
            height = math.ceil(cached[2].size().height())
        elif key in self._streams:
            # A growing reply: its document updates in place for little, so measure it now
            # rather than paint at a guessed height, find it wrong and paint again.
            height = math.ceil(self.document(item, width, option.palette).size().height())
        else:
            height = self._estimate(item, width)
        self._reported[key] = height
        if key not in self._streams:
            self._heights[key] = (item.revision, width, height)
        return QSize(width, height + 2 * (MARGIN + PADDING) - 8)

    def measure(self, index: Index) -> int:
        """Builds ``index``'s document now and keeps its exact height (``first_frame``);
        returns the row's height."""
        item: ChatItem = index.data(ITEM_ROLE)
        if item is None or item.kind == "elicitation":
            return 0
        width = self._text_width()
        exact = math.ceil(self.document(item, width, self._view.palette()).size().height())
        self._reported[id(item)] = exact
        if id(item) not in self._streams:
            self._heights[id(item)] = (item.revision, width, exact)
        return exact + 2 * (MARGIN + PADDING) - 8

    def may_have_resized(self, index: Index) -> bool:
        """False when ``index`` is a growing reply whose height is still what the view has."""
        item: ChatItem = index.data(ITEM_ROLE)
        reported = self._reported.get(id(item))
        if id(item) not in self._streams or reported is None:
            return True
        doc = self.document(item, self._text_width(), self._view.palette())
        return math.ceil(doc.size().height()) != reported

    def _estimate(self, item: ChatItem, width: int) -> int:
        per_line = max(10, width // self._char_width)
        text = item.text[:DISPLAY_LIMIT]
        lines = text.count("\n") + 1 + len(text) // per_line
        header = 0 if item.kind in ("note", "transfer") else self._line_height + 6
        return header + lines * self._line_height + 8

    # -- painting ----------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        item: ChatItem = index.data(ITEM_ROLE)
        width = self._text_width()
        doc = self.document(item, width, option.palette)
        rect = self._bubble(option.rect, item, doc)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_surface(painter, item, rect)
        if self._view.indexWidget(index) is not None:  # the widget draws the card's content
            painter.restore()
            return
        if self._view.hasFocus() and self._view.currentIndex().row() == index.row():
            ring = QPen(option.palette.color(QPalette.ColorRole.Highlight), 2)  # the focus ring
            painter.setPen(ring)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 8, 8)
        origin = self._origin(rect, item)
        painter.translate(origin)
        context = QAbstractTextDocumentLayout.PaintContext()
        # Only the part inside the viewport: a long reply is far taller than the window.
        visible = QRectF(self._view.viewport().rect()).intersected(QRectF(option.rect))
        context.clip = visible.translated(-origin)
        context.palette.setColor(
            QPalette.ColorRole.Text, option.palette.color(QPalette.ColorRole.Text)
        )
        doc.documentLayout().draw(painter, context)
        painter.restore()
        exact = math.ceil(doc.size().height())
        if self._reported.get(id(item)) != exact:
            self._reported[id(item)] = exact
            if id(item) not in self._streams:
                self._heights[id(item)] = (item.revision, width, exact)
            if not self._relayout_pending:  # one relayout for all the rows a frame measured
                self._relayout_pending = True
                persistent = QPersistentModelIndex(index)
                QTimer.singleShot(0, self, lambda: self._relayout(persistent))

    def _relayout(self, persistent: QPersistentModelIndex) -> None:
        self._relayout_pending = False
        if persistent.isValid():  # any row will do: the view lays out all of them again
            model = persistent.model()
            self.sizeHintChanged.emit(model.index(persistent.row(), persistent.column()))

    def _origin(self, rect: QRectF, item: ChatItem) -> QPointF:
        """Where the document's top left goes in the bubble (clear of an accent bar)."""
        bar = BAR // 2 if surface(item.kind, dark=self._is_dark).bar else 0
        return QPointF(rect.left() + PADDING + bar, rect.top() + PADDING - 2)

    def _paint_surface(self, painter: QPainter, item: ChatItem, rect: QRectF) -> None:
        """The row's fill, edge and accent bar (``bubbles.surface``)."""
        look = surface(
            item.kind, dark=self._view.palette().color(QPalette.ColorRole.Base).lightness() < 128
        )
        fill, edge, bar = colour(look.fill), colour(look.edge), colour(look.bar)
        if fill is None and edge is None:
            return
        shape = QPainterPath()
        shape.addRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
        painter.setPen(QPen(edge, 1) if edge is not None else Qt.PenStyle.NoPen)
        painter.setBrush(fill if fill is not None else Qt.BrushStyle.NoBrush)
        painter.drawPath(shape)
        if bar is not None:
            painter.save()
            painter.setClipPath(shape)
            painter.fillRect(QRectF(rect.left(), rect.top(), BAR, rect.height()), bar)
            painter.restore()

    def document(self, item: ChatItem, width: int, palette: QPalette) -> QTextDocument:
        """The laid-out document for ``item`` at ``width`` (cached per revision)."""
        cached = self._docs.get(id(item))
        if cached is not None and cached[0] == item.revision and cached[1] == width:
            return cached[2]
        self._is_dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
        stream = self._streams.get(id(item))
        if item.kind == "assistant" and (item.status == "streaming" or stream is not None):
            doc = self._stream_document(item, stream, palette)
        else:
            doc = cached[2] if cached is not None else self._new_document(palette)
            self._add_thumbnails(doc, item)
            doc.setHtml(self._html(item))
        if doc.textWidth() != width:  # a new width re-lays out the whole document
            doc.setTextWidth(width)
        self._docs[id(item)] = (item.revision, width, doc)
        if len(self._docs) > DOC_CACHE:
            for key in list(self._docs)[: DOC_CACHE // 4]:
                self._docs.pop(key, None)
                self._streams.pop(key, None)
        return doc

    def _new_document(self, palette: QPalette) -> QTextDocument:
        doc = RichDocument(palette.color(QPalette.ColorRole.Text))  # draws math: images
        doc.setDocumentMargin(0)
        doc.setDefaultFont(self._view.font())
        link = palette.color(QPalette.ColorRole.Link).name()
        rule = palette.color(QPalette.ColorRole.Mid).name()  # table borders: quiet in both
        doc.setDefaultStyleSheet(
            f"a {{ color: {link}; text-decoration: none; }} table {{ border-color: {rule}; }}"
        )
        return doc

    def _stream_document(
        self, item: ChatItem, stream: StreamingDocument | None, palette: QPalette
    ) -> QTextDocument:
        """A streaming reply's document, grown in place (see ``stream_doc``)."""
        from threadline.ui.chat.stream_doc import StreamingDocument

        header = header_html(item, dark=self._is_dark) + thinking_html(item)
        text = item.text[:DISPLAY_LIMIT]
        if stream is None:
            stream = StreamingDocument(self._new_document(palette), header, dark=self._is_dark)
            self._streams[id(item)] = stream
        if item.status == "streaming":
            if stream.header_html != header:  # thinking grew, or closed as the answer began
                stream.replace_header(header)
            stream.update(text)
            return stream.doc
        # The stream ended: keep the grown document, refresh its header, stop tracking it.
        del self._streams[id(item)]
        if stream.text != text:
            stream.update(text)
        stream.replace_header(header)
        return stream.doc

    def _html(self, item: ChatItem) -> str:
        return row_html(item, dark=self._is_dark, images=self.images)

    def _add_thumbnails(self, doc: QTextDocument, item: ChatItem) -> None:
        if self.images is not None:
            self.images.add_thumbnails(doc, item)

    # -- clicks ------------------------------------------------------------------------------

    def editorEvent(
        self, event: QEvent, model: Any, option: QStyleOptionViewItem, index: Index
    ) -> bool:
        if event.type() != QEvent.Type.MouseButtonRelease or not isinstance(event, QMouseEvent):
            return False
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        href = self.link_at(index, event.position(), option)
        if href:
            self.link_activated.emit(index.data(ITEM_ROLE), href)
            return True
        return False

    def link_at(self, index: Index, position: QPointF, option: QStyleOptionViewItem) -> str:
        """The link under ``position`` (viewport coordinates) in the row at ``index``."""
        item: ChatItem = index.data(ITEM_ROLE)
        doc = self.document(item, self._text_width(), option.palette)
        local = position - self._origin(self._bubble(option.rect, item, doc), item)
        return doc.documentLayout().anchorAt(local)

    def bubble_at(self, index: Index) -> QRectF:
        """The message's rectangle in the row at ``index`` (viewport coordinates)."""
        item: ChatItem = index.data(ITEM_ROLE)
        doc = self.document(item, self._text_width(), self._view.palette())
        return self._bubble(self._view.visualRect(self._model.index(index.row(), 0)), item, doc)
