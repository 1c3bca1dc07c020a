"""Draws timeline items as rich-text bubbles; only visible rows are ever laid out."""

from __future__ import annotations

import html
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
    QColor,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
)

from threadline.app.timeline import ChatItem
from threadline.ui.chat.cards import approval_html, tool_html
from threadline.ui.chat.model import ITEM_ROLE, ChatModel
from threadline.ui.chat.rich_doc import RichDocument
from threadline.ui.chat.thinking import thinking_html

if TYPE_CHECKING:
    from threadline.ui.chat.images import ImageCache
    from threadline.ui.chat.stream_doc import StreamingDocument

MARGIN = 6
PADDING = 10
DISPLAY_LIMIT = 100_000  # characters drawn per message; Copy still takes the whole text
DOC_CACHE = 400
# The reading column: lines longer than ~90 characters are hard to read, so a wide window
# centres the conversation instead of stretching it (as chat apps do).
COLUMN = 760
Index = QModelIndex | QPersistentModelIndex

AGENT_COLOURS = ["#2563eb", "#7c3aed", "#0d9488", "#c2410c", "#be185d", "#4d7c0f"]


def agent_colour(name: str) -> str:
    """A stable colour per agent name, for author badges."""
    return AGENT_COLOURS[sum(map(ord, name)) % len(AGENT_COLOURS)]


class ChatDelegate(QStyledItemDelegate):
    """Paints ``ChatItem``s and turns clicks on their links into ``link_activated``.

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

    def _bubble(self, row: QRect) -> QRectF:
        """The message's rectangle in ``row``: the reading column, centred in a wide window."""
        width = self._text_width() + 2 * PADDING
        left = row.left() + max(MARGIN, (row.width() - width) // 2)
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
        rect = self._bubble(option.rect)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        background = self._background(item, option.palette)
        if background is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(background)
            painter.drawRoundedRect(rect, 8, 8)
        if self._view.indexWidget(index) is not None:  # the widget draws the card's content
            painter.restore()
            return
        if option.state & QStyle.StateFlag.State_Selected:
            painter.setPen(option.palette.color(QPalette.ColorRole.Highlight))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect, 8, 8)
        origin = QPointF(rect.left() + PADDING, rect.top() + PADDING - 4)
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

    def _background(self, item: ChatItem, palette: QPalette) -> QColor | None:
        dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
        colours = {
            "user": ("#e8f0fe", "#1e3a5f"),
            "assistant": ("#f8f9fa", "#25282c"),
            "tool": ("#f1f3f5", "#2b2f33"),
            "error": ("#fdecea", "#5c1f1f"),
            "approval": ("#fff7e0", "#4a3b12"),
            "elicitation": ("#eef4ff", "#1f2d4a"),
            "sampling": ("#fff7e0", "#4a3b12"),
        }
        pair = colours.get(item.kind)
        if pair is None:
            return None
        return QColor(pair[1] if dark else pair[0])

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
        doc.setDefaultStyleSheet(f"a {{ color: {link}; text-decoration: none; }}")
        return doc

    def _stream_document(
        self, item: ChatItem, stream: StreamingDocument | None, palette: QPalette
    ) -> QTextDocument:
        """A streaming reply's document, grown in place (see ``stream_doc``)."""
        from threadline.ui.chat.stream_doc import StreamingDocument

        header = self._header(item, ["copy", "branch", "regen"]) + thinking_html(item)
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
        # markdown-it and Pygments load on the first message drawn, not at start-up.
        from threadline.app.markdown import for_dark, plain_html, render_markdown, wrapped

        text = item.text
        clipped = len(text) > DISPLAY_LIMIT
        if clipped:
            text = text[:DISPLAY_LIMIT]
        note = (
            f"<p><i>… {len(item.text) - DISPLAY_LIMIT:,} more characters"
            " (Copy takes them all)</i></p>"
            if clipped
            else ""
        )
        if item.kind == "user":
            header = self._header(item, ["copy", "edit", "branch"])
            return header + plain_html(text) + note + self._images_html(item)
        if item.kind == "assistant":
            body = render_markdown(text)
            if item.data.get("wrap"):
                body = wrapped(body)
            if self._is_dark:
                body = for_dark(body)
            actions = ["copy", "branch", "regen"]
            if item.status == "interrupted":
                actions.append("continue")  # the cut reply goes on in a new request
            header = self._header(item, actions)
            return header + thinking_html(item) + body + note
        if item.kind == "tool":
            return tool_html(item, dark=self._is_dark) + self._images_html(item)
        if item.kind == "error":
            return (
                f'<b style="color:#dc2626">Error</b> &nbsp; {html.escape(text)}'
                f' &nbsp; <a href="act:retry">Retry</a>'
            )
        if item.kind == "transfer":
            return f'<p align="center" style="color:gray">↪ transferred {html.escape(text)}</p>'
        if item.kind == "approval":
            return approval_html(item)
        if item.kind in ("elicitation", "sampling"):
            from threadline.ui.chat.prompt_html import prompt_html

            return prompt_html(item)
        return f'<p align="center" style="color:gray"><i>{html.escape(text)}</i></p>'

    def _header(self, item: ChatItem, actions: list[str]) -> str:
        from threadline.ui.common.icons import action_link

        muted = "#9ca3af" if self._is_dark else "#6b7280"  # quiet icons; hover names them
        shown = [*actions, "inspect"] if item.kind == "assistant" else actions
        links = " &nbsp;".join(
            action_link(a, muted) for a in shown if item.event_id or a in ("copy", "continue")
        )
        status = {"streaming": "typing…", "interrupted": "interrupted"}.get(item.status, "")
        status_html = f' <span style="color:#d97706">{status}</span>' if status else ""
        detail = (
            f'<span style="color:gray">{html.escape(item.detail)}</span> &nbsp; '
            if item.detail
            else ""
        )
        is_user = item.kind == "user"
        colour = (
            ("#cbd5e1" if self._is_dark else "#475569") if is_user else agent_colour(item.author)
        )
        author = "You" if is_user else item.author
        return (
            '<table width="100%" cellspacing="0" cellpadding="0"><tr>'
            f'<td><b style="color:{colour}">{html.escape(author)}</b>{status_html}</td>'
            f'<td align="right"><small>{detail}</small>{links}</td></tr></table>'
        )

    # -- images ------------------------------------------------------------------------------

    def _add_thumbnails(self, doc: QTextDocument, item: ChatItem) -> None:
        if self.images is not None:
            self.images.add_thumbnails(doc, item)

    def _images_html(self, item: ChatItem) -> str:
        from threadline.ui.chat.images import images_html  # the runner is loaded by now

        return images_html(item, self.images)

    # -- clicks ------------------------------------------------------------------------------

    def helpEvent(
        self, event: QHelpEvent, view: Any, option: QStyleOptionViewItem, index: Index
    ) -> bool:
        """Hovering an action icon names it; elsewhere the message says when it was sent."""
        from threadline.ui.common.icons import action_at

        if event.type() == QEvent.Type.ToolTip and index.isValid():
            name = action_at(self.link_at(index, QPointF(event.pos()), option))
            if name:
                QToolTip.showText(event.globalPos(), name, view)
                return True
        return bool(super().helpEvent(event, view, option, index))

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
        rect = self._bubble(option.rect)
        doc = self.document(item, self._text_width(), option.palette)
        local = position - QPointF(rect.left() + PADDING, rect.top() + PADDING - 4)
        return doc.documentLayout().anchorAt(local)
