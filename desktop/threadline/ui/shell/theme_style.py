"""Fusion with two things it lacks: a visible focus ring and tick boxes that read in the dark.

Fusion marks the focused control with a 1 px line a shade off its outline, which is easy to
miss and nearly invisible in a dark palette; its tick box is outlined in the window colour
darkened, so on a dark window it disappears. Here:

- a 2 px ring in the accent colour (the palette's ``Highlight``) around the focused button,
  field, combo box, check box label, tab and list row. Text fields show it whenever they hold
  the focus (that is where typing goes); other controls when the focus came from the keyboard
  (Tab, a shortcut), as browsers' ``:focus-visible`` does, so a mouse click leaves no ring;
- tick boxes drawn on the field colour with a ``PlaceholderText`` outline, filled with the
  accent and a white tick when checked.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QFrame,
    QLineEdit,
    QPlainTextEdit,
    QProxyStyle,
    QStyle,
    QStyleFactory,
    QStyleOption,
    QStyleOptionComplex,
    QTextEdit,
    QWidget,
)

RING = 2  # px
P = QStyle.PrimitiveElement
S = QStyle.StateFlag
_AREAS = (QPlainTextEdit, QTextEdit)  # text fields that are frames (scroll areas)
_FIELDS = (QLineEdit, *_AREAS)


def ring(painter: QPainter, rect: QRect | QRectF, palette: QPalette, radius: float = 4) -> None:
    """Draws the focus ring just inside ``rect``."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), RING))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    inset = RING / 2
    painter.drawRoundedRect(QRectF(rect).adjusted(inset, inset, -inset, -inset), radius, radius)
    painter.restore()


def edge(painter: QPainter, rect: QRect | QRectF, palette: QPalette) -> None:
    """A field's resting 1 px edge in ``Mid`` (Fusion's, the window colour darkened, is lost
    on a dark page)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
    painter.restore()


def _wants_ring(option: QStyleOption, widget: QWidget | None) -> bool:
    if not option.state & S.State_HasFocus:
        return False
    if isinstance(widget, _FIELDS) or (isinstance(widget, QComboBox) and widget.isEditable()):
        return True
    return bool(option.state & S.State_KeyboardFocusChange)


class ThreadlineStyle(QProxyStyle):
    """Fusion, with the focus ring and tick boxes described in the module's docstring."""

    def __init__(self) -> None:
        super().__init__(QStyleFactory.create("Fusion"))
        self.setObjectName("threadline")

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if element in (P.PE_IndicatorCheckBox, P.PE_IndicatorItemViewItemCheck):
            self._tick_box(option, painter)
            return
        if element == P.PE_FrameFocusRect:  # check box labels, tabs, list rows, tool buttons
            if _wants_ring(option, widget) or isinstance(widget, QAbstractScrollArea):
                ring(painter, option.rect, option.palette, 3)
            return
        super().drawPrimitive(element, option, painter, widget)
        if element in (P.PE_PanelButtonCommand, P.PE_FrameLineEdit) and _wants_ring(option, widget):
            ring(painter, option.rect, option.palette)

    def drawComplexControl(
        self,
        control: QStyle.ComplexControl,
        option: QStyleOptionComplex,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        super().drawComplexControl(control, option, painter, widget)
        if control in (
            QStyle.ComplexControl.CC_ComboBox,
            QStyle.ComplexControl.CC_SpinBox,
        ) and _wants_ring(option, widget):
            ring(painter, option.rect, option.palette)

    def drawControl(
        self,
        element: QStyle.ControlElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        super().drawControl(element, option, painter, widget)
        if element != QStyle.ControlElement.CE_ShapedFrame or not isinstance(widget, _AREAS):
            return
        if widget.frameShape() == QFrame.Shape.NoFrame:
            return
        if widget.hasFocus():
            ring(painter, option.rect, option.palette)
        else:
            edge(painter, option.rect, option.palette)

    def _tick_box(self, option: QStyleOption, painter: QPainter) -> None:
        palette = option.palette
        box = QRectF(option.rect).adjusted(1.5, 1.5, -1.5, -1.5)
        side = min(box.width(), box.height())
        box = QRectF(box.center().x() - side / 2, box.center().y() - side / 2, side, side)
        enabled = bool(option.state & S.State_Enabled)
        on = bool(option.state & (S.State_On | S.State_NoChange))
        accent = palette.color(QPalette.ColorRole.Highlight)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        edge = accent if on else palette.color(QPalette.ColorRole.PlaceholderText)
        if not enabled:
            edge = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        painter.setPen(QPen(edge, 1.2))
        painter.setBrush(accent if on and enabled else palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(box, 3, 3)
        if on:
            tick = QPen(palette.color(QPalette.ColorRole.HighlightedText), 1.8)
            tick.setCapStyle(Qt.PenCapStyle.RoundCap)
            tick.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(tick if enabled else QPen(edge, 1.8))
            x, y, s = box.left(), box.top(), side
            path = QPainterPath()
            if option.state & S.State_NoChange:  # partly: a dash
                path.moveTo(QPointF(x + s * 0.25, y + s * 0.5))
                path.lineTo(QPointF(x + s * 0.75, y + s * 0.5))
            else:
                path.moveTo(QPointF(x + s * 0.24, y + s * 0.52))
                path.lineTo(QPointF(x + s * 0.43, y + s * 0.71))
                path.lineTo(QPointF(x + s * 0.77, y + s * 0.3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
        painter.restore()


def install_style(app: QApplication) -> ThreadlineStyle:
    """Makes ``ThreadlineStyle`` the application's style (once)."""
    current = app.style()
    if isinstance(current, ThreadlineStyle):
        return current
    style = ThreadlineStyle()
    app.setStyle(style)
    return style
