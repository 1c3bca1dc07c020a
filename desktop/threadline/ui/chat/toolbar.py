"""A message's action toolbar: icons at the top right of the row under the pointer and of the
current row while the list has the keyboard focus, with the time the message was sent.

The reading column stays quiet: other rows show no actions. The toolbar is painted over the
message (not part of its document), so showing it never changes a row's height or rebuilds a
document; clicks and tooltips find its buttons by position (``action_at``).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QMouseEvent, QPainter, QPalette, QPen

from threadline.ui.chat.model import ITEM_ROLE, when_sent
from threadline.ui.common.icons import FAMILY, GLYPHS, MARKS, icon_font

if TYPE_CHECKING:
    from PySide6.QtCore import QModelIndex
    from PySide6.QtWidgets import QListView

    from threadline.app.timeline import ChatItem

    Index = QModelIndex | QPersistentModelIndex

BUTTON = 28  # px: each icon's square
HEIGHT = 26
FLASH_S = 1.5  # how long Copy's check mark stays


def toolbar_actions(item: ChatItem) -> list[str]:
    """The actions ``item``'s toolbar offers, in order (the message menu has the same)."""
    if item.kind == "user":
        return ["copy", "edit", "branch"] if item.event_id else ["copy"]
    if item.kind == "assistant":
        found = ["copy", "branch", "regen"] if item.event_id else ["copy"]
        if item.status == "interrupted":
            found.append("continue")  # the cut reply goes on in a new request
        if item.event_id:
            found.append("inspect")
        return [*found, "more"] if item.event_id else found
    if item.kind == "error":
        return ["copy", "retry"]
    return []


class MessageToolbar(QObject):
    """Tracks the row under the pointer and the current row; paints and hit-tests their
    toolbars (see the module's docstring)."""

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view
        self._hover = QPersistentModelIndex()
        self._pointer = QPointF(-1, -1)
        self._flash: tuple[int, float] = (0, 0.0)  # (id of the item copied, until)
        view.viewport().installEventFilter(self)
        view.installEventFilter(self)
        view.selectionModel().currentChanged.connect(self._current_changed)
        # Widgets being destroyed still send focus and leave events; by then the view is half
        # gone, and asking it anything would crash the exit. Stop listening before.
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)

    def stop(self) -> None:
        """Stops following the pointer and the focus (the application is quitting)."""
        self._view.viewport().removeEventFilter(self)
        self._view.removeEventFilter(self)

    # -- which rows ------------------------------------------------------------------------

    def shown_for(self, index: Index) -> bool:
        """True when ``index``'s row shows its toolbar: under the pointer, or current while
        the list has the keyboard focus."""
        if not index.isValid():
            return False
        if self._hover.isValid() and self._hover.row() == index.row():
            return True
        return self._view.hasFocus() and self._view.currentIndex().row() == index.row()

    def rows_shown(self) -> list[int]:
        """The rows showing a toolbar now (at most two: hovered and current)."""
        rows = {self._hover.row()} if self._hover.isValid() else set()
        if self._view.hasFocus() and self._view.currentIndex().isValid():
            rows.add(self._view.currentIndex().row())
        model = self._view.model()
        return sorted(r for r in rows if toolbar_actions(model.index(r, 0).data(ITEM_ROLE)))

    def eventFilter(self, watched: Any, event: QEvent) -> bool:
        kind = event.type()
        if not self._view.isVisible():  # closed: nothing is hovered, nothing to repaint
            return False
        if watched is self._view.viewport():
            if kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
                self._hover_at(event.position())
            elif kind == QEvent.Type.Leave:
                self._hover_at(QPointF(-1, -1))
        elif kind in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
            self._update_row(self._view.currentIndex())
        return False

    def _hover_at(self, position: QPointF) -> None:
        self._pointer = position
        index = self._view.indexAt(position.toPoint())
        if index.row() != self._hover.row() or index.isValid() != self._hover.isValid():
            self._update_row(self._hover)
            self._hover = QPersistentModelIndex(index)
        self._update_row(index)  # the button under the pointer lights up

    def _current_changed(self, current: Index, previous: Index) -> None:
        self._update_row(previous)
        self._update_row(current)

    def _update_row(self, index: Index) -> None:
        if index.isValid():
            self._view.viewport().update(
                self._view.visualRect(self._view.model().index(index.row(), 0))
            )

    # -- geometry --------------------------------------------------------------------------

    def _time_text(self, item: ChatItem) -> str:
        return when_sent(item.data.get("time")) or ""

    def _font(self, base: QFont, *, icons: bool) -> QFont:
        font = QFont(FAMILY) if icons else QFont(base)
        if icons:
            font.setPixelSize(17)
        else:
            font.setPointSizeF(max(7.0, base.pointSizeF() * 0.85))
        return font

    def _top(self, bubble: QRectF) -> float:
        """The toolbar's top: on the header line, or kept in sight at the top of the list
        while the message's start is scrolled above it."""
        top = bubble.top() + 2
        return top if top >= 4 else max(top, min(4.0, bubble.bottom() - HEIGHT - 2))

    def buttons(self, item: ChatItem, bubble: QRectF) -> list[tuple[str, QRectF]]:
        """Each action's button in a row whose message fills ``bubble`` (right-aligned on the
        header line)."""
        actions = toolbar_actions(item)
        words = not icon_font()
        metrics = QFontMetricsF(self._font(self._view.font(), icons=False))
        right, top = bubble.right() - 4, self._top(bubble)
        found: list[tuple[str, QRectF]] = []
        for action in reversed(actions):
            width = (
                metrics.horizontalAdvance(GLYPHS[action][1].split(" (")[0]) + 12
                if words
                else BUTTON
            )
            found.append((action, QRectF(right - width, top, width, HEIGHT)))
            right -= width
        return found[::-1]

    def _pill(self, item: ChatItem, bubble: QRectF) -> tuple[QRectF, QRectF]:
        """The toolbar's whole rectangle and its time label's."""
        buttons = self.buttons(item, bubble)
        left = buttons[0][1].left() if buttons else bubble.right() - 4
        stamp = self._time_text(item)
        metrics = QFontMetricsF(self._font(self._view.font(), icons=False))
        width = metrics.horizontalAdvance(stamp) + 14 if stamp else 0
        label = QRectF(left - width, self._top(bubble), width, HEIGHT)
        return QRectF(
            label.left() - 2, label.top(), bubble.right() - 2 - label.left(), HEIGHT
        ), label

    def width(self, item: ChatItem) -> float:
        """How wide ``item``'s toolbar is (a narrow bubble is made at least this wide)."""
        return self._pill(item, QRectF(0, 0, 10_000, 40))[0].width() + 8

    def action_at(self, index: Index, bubble: QRectF, position: QPointF) -> str:
        """``act:<name>`` for the toolbar button under ``position``, or "" (hidden or none)."""
        if not self.shown_for(index):
            return ""
        item: ChatItem = index.data(ITEM_ROLE)
        for action, rect in self.buttons(item, bubble):
            if rect.contains(position):
                return f"act:{action}"
        return ""

    def flash(self, item: ChatItem) -> None:
        """Copy worked: its icon shows a check mark for a moment."""
        self._flash = (id(item), time.monotonic() + FLASH_S)
        self._update_row(self._hover)
        self._update_row(self._view.currentIndex())
        QTimer.singleShot(int(FLASH_S * 1000) + 50, self, self._view.viewport().update)

    def _flashing(self, item: ChatItem) -> bool:
        return self._flash[0] == id(item) and time.monotonic() < self._flash[1]

    # -- painting --------------------------------------------------------------------------

    def paint(self, painter: QPainter, item: ChatItem, bubble: QRectF, palette: QPalette) -> None:
        """Draws ``item``'s toolbar at the top right of ``bubble``."""
        buttons = self.buttons(item, bubble)
        if not buttons:
            return
        pill, label = self._pill(item, bubble)
        text = palette.color(QPalette.ColorRole.Text)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        edge = QColor(text)
        edge.setAlphaF(0.14)
        painter.setPen(QPen(edge, 1))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(pill.adjusted(0.5, 0.5, -0.5, -0.5), 7, 7)
        small = self._font(self._view.font(), icons=False)
        if label.width():
            painter.setFont(small)
            painter.setPen(muted)
            painter.drawText(label, Qt.AlignmentFlag.AlignCenter, self._time_text(item))
        words = not icon_font()
        painter.setFont(small if words else self._font(self._view.font(), icons=True))
        for action, rect in buttons:
            under = rect.contains(self._pointer)
            if under:
                wash = QColor(text)
                wash.setAlphaF(0.10)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(wash)
                painter.drawRoundedRect(rect.adjusted(2, 2, -2, -2), 5, 5)
            done = action == "copy" and self._flashing(item)
            painter.setPen(
                palette.color(QPalette.ColorRole.Link) if done else text if under else muted
            )
            if words:
                shown = "Copied" if done else GLYPHS[action][1].split(" (")[0]
            else:
                shown = chr(MARKS["done"] if done else GLYPHS[action][0])
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, shown)
        painter.restore()
