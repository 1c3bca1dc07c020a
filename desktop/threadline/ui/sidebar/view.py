"""The sidebar's tree view: rows that open a group ("Pinned", "Today", "Yesterday"…) carry
the group's label above them, drawn by the view so selection and branch arrows stay with the
row itself."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QKeyEvent, QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from threadline.ui.sidebar.row_actions import RowActions
from threadline.ui.sidebar.tree import HEADER_ROLE

Index = QModelIndex | QPersistentModelIndex


def hover_tint(palette: QPalette) -> QColor:
    """The hovered row's background: the page colour moved 7% towards the text colour (a
    quiet grey in light, a lifted grey in dark)."""
    base, text = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)
    mix = 0.07
    return QColor.fromRgbF(
        base.redF() + (text.redF() - base.redF()) * mix,
        base.greenF() + (text.greenF() - base.greenF()) * mix,
        base.blueF() + (text.blueF() - base.blueF()) * mix,
    )


class SessionDelegate(QStyledItemDelegate):
    """Row heights: a group's first row is taller by the label's line (pinned conversations
    sit under the "Pinned" label)."""

    def __init__(self, view: SessionTreeView) -> None:
        super().__init__(view)
        self.view = view
        self.header_height = view.fontMetrics().height() + 10

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        reserved = self.view.row_actions.reserved(index)
        if not reserved:
            super().paint(painter, option, index)
            return
        # The row under the pin and "…" buttons: tinted as ChatGPT's hovered row is (unless
        # it is the selected one, which has its own colour), its title ending before them.
        if not option.state & QStyle.StateFlag.State_Selected:
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(hover_tint(option.palette))
            painter.drawRoundedRect(QRectF(option.rect).adjusted(2, 1, -2, -1), 6, 6)
            painter.restore()
        shown = QStyleOptionViewItem(option)
        self.initStyleOption(shown, index)
        room = option.rect.right() - reserved - option.rect.left() - 8
        shown.text = shown.fontMetrics.elidedText(shown.text, Qt.TextElideMode.ElideRight, room)
        widget = option.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, shown, painter, widget)

    def updateEditorGeometry(
        self, editor: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> None:
        # F2's field goes on the row itself, not over the group label drawn above it.
        super().updateEditorGeometry(editor, option, index)
        if index.data(HEADER_ROLE):
            editor.setGeometry(editor.geometry().adjusted(0, self.header_height, 0, 0))

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        size.setHeight(max(size.height(), 22))
        if index.data(HEADER_ROLE):
            size.setHeight(size.height() + self.header_height)
        return size


class SessionTreeView(QTreeView):
    """A ``QTreeView`` that draws group labels above the rows that open a group.

    ``browsing`` is True while a key moves the highlight (arrows, Page Up/Down, Home/End,
    typing a title's first letters): the sidebar then only highlights, and Enter opens, so
    the keyboard can walk the list without each row opening and taking the focus away.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.browsing = False
        self.row_actions = RowActions(self)
        self.sessions_delegate = SessionDelegate(self)
        self.setItemDelegate(self.sessions_delegate)

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        if model is not None:
            self.row_actions.watch()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        # A right click highlights the row for its menu; it does not open the conversation.
        self.browsing = event.button() == Qt.MouseButton.RightButton
        try:
            super().mousePressEvent(event)
        finally:
            self.browsing = False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.browsing = True
        try:
            super().keyPressEvent(event)
        finally:
            self.browsing = False

    def drawRow(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        header = index.data(HEADER_ROLE)
        if not header:
            super().drawRow(painter, option, index)
            return
        height = self.sessions_delegate.header_height
        label = QRect(option.rect.left(), option.rect.top(), self.viewport().width(), height)
        painter.save()
        font = QFont(option.font)
        font.setBold(True)
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        painter.setPen(option.palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(
            label.adjusted(8, 4, -8, 0),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            str(header),
        )
        painter.restore()
        row = QStyleOptionViewItem(option)
        row.rect = option.rect.adjusted(0, height, 0, 0)
        super().drawRow(painter, row, index)
