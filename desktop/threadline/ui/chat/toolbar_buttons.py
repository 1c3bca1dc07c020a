"""The toolbar's parts: which actions a row offers, and the real buttons that carry them
(``toolbar.MessageToolbar`` shows them over the hovered or current row)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QLabel, QToolButton, QWidget

from threadline.ui.chat.message_keys import key_for
from threadline.ui.common.glyphs import paint_wash_and_ring
from threadline.ui.common.icons import FAMILY, GLYPHS, MARKS, action_at, icon_font

if TYPE_CHECKING:
    from PySide6.QtGui import QEnterEvent

    from threadline.app.timeline import ChatItem

    Index = QModelIndex | QPersistentModelIndex

BUTTON = 28  # px: each icon's button is this wide
HEIGHT = 26
FLASH_S = 1.5  # how long Copy's check mark stays
EDGE = 2  # px between the toolbar's rounded edge and its contents


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


def small_font(base: QFont) -> QFont:
    """The toolbar's text (the time, the actions' names without the icon font)."""
    font = QFont(base)
    font.setPointSizeF(max(7.0, base.pointSizeF() * 0.85))
    return font


def short_name(action: str) -> str:
    """What a button is called ("Edit (makes a branch)" -> "Edit")."""
    return GLYPHS[action][1].split(" (")[0]


class ActionButton(QToolButton):
    """One message action: its icon from the icon font (its name without it), flat until the
    pointer is over it, ringed while it has the keyboard focus."""

    def __init__(self, action: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.action = action
        self.done = False  # Copy worked: a check mark for a moment
        self.setObjectName(f"messageAction_{action}")
        self.setText(short_name(action))
        self.setAccessibleName(short_name(action))
        key, name = key_for(action), action_at(f"act:{action}")
        self.setToolTip(f"{name} ({key})" if key else name)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # reached by Tab, not taken by clicks
        self.setAutoRaise(True)

    def enterEvent(self, event: QEnterEvent) -> None:
        super().enterEvent(event)
        self.update()

    def leaveEvent(self, event: QEvent) -> None:
        super().leaveEvent(event)
        self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.click()  # as Space does
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.Text)
        under = self.underMouse() or self.isDown()
        painter = QPainter(self)
        box = QRectF(self.rect())
        # The keyboard's ring whenever focused: only Tab and the keys reach these buttons.
        paint_wash_and_ring(
            painter, box, palette, washed=under, ringed=self.hasFocus(), alpha=0.10, inset=2
        )
        lit = under or self.hasFocus()
        painter.setPen(
            palette.color(QPalette.ColorRole.Link)
            if self.done
            else text
            if lit
            else palette.color(QPalette.ColorRole.PlaceholderText)
        )
        if icon_font():
            font = QFont(FAMILY)
            font.setPixelSize(17)
            shown = chr(MARKS["done"] if self.done else GLYPHS[self.action][0])
        else:
            font, shown = small_font(self.font()), "Copied" if self.done else self.text()
        painter.setFont(font)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, shown)


class ToolbarWidget(QWidget):
    """The toolbar itself: the time and the action buttons on a quiet rounded pill."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("messageToolbar")
        self.setAccessibleName("Message actions")
        self.time_label = QLabel(self)
        self.time_label.setObjectName("messageTime")
        self.time_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.time_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.buttons = {action: ActionButton(action, self) for action in GLYPHS}
        self.hide()

    def shown_buttons(self) -> list[ActionButton]:
        """The buttons of the row shown, left to right."""
        return sorted((b for b in self.buttons.values() if not b.isHidden()), key=lambda b: b.x())

    def paintEvent(self, event: QPaintEvent) -> None:
        palette = self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        edge = QColor(palette.color(QPalette.ColorRole.Text))
        edge.setAlphaF(0.14)
        painter.setPen(QPen(edge, 1))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 7, 7)
