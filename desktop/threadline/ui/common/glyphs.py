"""Icons drawn from the icon font (``icons.MARKS``) for widgets that take a ``QIcon`` (toolbar
buttons), and the small round icon button the sidebar rows and the composer use.

The glyph is painted when the icon is drawn, in the application palette's colour of the
moment, so a theme change recolours it with no icon to rebuild.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QIcon,
    QIconEngine,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QStyle, QStyleOption, QToolButton, QWidget

from threadline.ui.common.icons import FAMILY, MARKS, icon_font


def glyph_font(pixels: int) -> QFont:
    """The icon font at ``pixels`` px."""
    font = QFont(FAMILY)
    font.setPixelSize(max(6, pixels))
    return font


class GlyphEngine(QIconEngine):
    """Paints one of ``MARKS`` in the palette's text colour (muted when disabled)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        group = (
            QPalette.ColorGroup.Disabled
            if mode == QIcon.Mode.Disabled
            else QPalette.ColorGroup.Active
        )
        colour = QGuiApplication.palette().color(group, QPalette.ColorRole.ButtonText)
        painter.save()
        painter.setPen(colour)
        painter.setFont(glyph_font(int(min(rect.width(), rect.height()) * 0.95)))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, chr(MARKS[self.name]))
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
        painter.end()
        return pixmap

    def clone(self) -> QIconEngine:
        return GlyphEngine(self.name)


def glyph_icon(name: str) -> QIcon:
    """A ``QIcon`` of ``MARKS[name]``; an empty icon without the font (the text shows)."""
    return QIcon(GlyphEngine(name)) if icon_font() else QIcon()


def paint_wash_and_ring(
    painter: QPainter,
    box: QRectF,
    palette: QPalette,
    *,
    washed: bool,
    ringed: bool,
    alpha: float,
    inset: float = 1,
) -> None:
    """A small icon button's states: a wash of the text colour under the pointer (``alpha``
    strong, ``inset`` px in) and the keyboard's 2 px ring in the accent colour."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if washed:
        wash = QColor(palette.color(QPalette.ColorRole.Text))
        wash.setAlphaF(alpha)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(wash)
        painter.drawRoundedRect(box.adjusted(inset, inset, -inset, -inset), 5, 5)
    if ringed:
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(box.adjusted(1, 1, -1, -1), 5, 5)


class GlyphButton(QToolButton):
    """A small flat button showing one of ``MARKS`` (its text without the font): quiet until
    the pointer is over it, a wash under the pointer, the focus ring for the keyboard."""

    def __init__(self, name: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.glyph = name
        self.setText(text)
        self.setAccessibleName(text)
        self.setToolTip(text)
        self.setAutoRaise(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_glyph(self, name: str) -> None:
        """Shows another glyph (Pin becomes Unpin)."""
        if name != self.glyph:
            self.glyph = name
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.Text)
        under = self.underMouse() or self.isDown()
        painter = QPainter(self)
        box = QRectF(self.rect())
        option = QStyleOption()
        option.initFrom(self)
        keyboard = bool(option.state & QStyle.StateFlag.State_KeyboardFocusChange)
        paint_wash_and_ring(
            painter, box, palette, washed=under, ringed=self.hasFocus() and keyboard, alpha=0.12
        )
        painter.setPen(text if under else palette.color(QPalette.ColorRole.PlaceholderText))
        if icon_font():
            painter.setFont(glyph_font(int(min(box.width(), box.height()) * 0.7)))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, chr(MARKS[self.glyph]))
        else:
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.text()[:1])
