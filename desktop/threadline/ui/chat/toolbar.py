"""A message's action toolbar: real buttons at the top right of the row under the pointer, or
of the current row while the keyboard is in the list, with the time the message was sent.

The reading column stays quiet: other rows show no actions. The toolbar is one small widget
over the list's viewport (not part of a message's document), moved to whichever row shows it,
so showing it never changes a row's height or rebuilds a document. Its buttons are
``QToolButton``s with names and tooltips: screen readers see them, and Tab from the list
reaches them (Esc or Shift+Tab go back to the list).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRectF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
)
from PySide6.QtWidgets import QApplication

from threadline.ui.chat.model import ITEM_ROLE, when_sent
from threadline.ui.common.icons import icon_font
from threadline.ui.common.widgets import claims_escape

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QListView

    from threadline.app.timeline import ChatItem

    Index = QModelIndex | QPersistentModelIndex

from threadline.ui.chat.toolbar_buttons import (
    BUTTON,
    EDGE,
    FLASH_S,
    HEIGHT,
    ActionButton,
    ToolbarWidget,
    short_name,
    small_font,
    toolbar_actions,
)


class MessageToolbar(QObject):
    """Follows the row under the pointer and the current row, and keeps the toolbar widget
    over the one that shows it (see the module's docstring).

    Signals:
        activated(object, str): a button was pressed: the item and ``act:<action>``.
    """

    activated = Signal(object, str)

    def __init__(self, view: QListView, bubble: Callable[[Index], QRectF]) -> None:
        super().__init__(view)
        self._view = view
        self._bubble = bubble  # a row's message rectangle, in viewport coordinates
        self._hover = QPersistentModelIndex()
        self._pointer = QPointF(-1, -1)
        self._keys_last = False  # the keyboard moved more recently than the pointer
        self._row = QPersistentModelIndex()  # the row showing the toolbar
        self._item: ChatItem | None = None
        self._arranged: tuple[object, ...] = ()  # what the buttons and the time show now
        self._flash: tuple[int, float] = (0, 0.0)  # (id of the item copied, until)
        self._pending = False
        self.widget = ToolbarWidget(view.viewport())
        for button in self.widget.buttons.values():
            button.clicked.connect(lambda _=False, a=button.action: self._pressed(a))
            button.installEventFilter(self)
        self._watched: list[QObject] = [view.viewport(), view, *self.widget.buttons.values()]
        for watched in self._watched[:2]:
            watched.installEventFilter(self)
        view.selectionModel().currentChanged.connect(self._current_changed)
        view.verticalScrollBar().valueChanged.connect(self._scrolled)
        model = view.model()
        for signal in (
            model.modelReset,
            model.rowsInserted,
            model.rowsRemoved,
            model.layoutChanged,
            model.dataChanged,
        ):
            signal.connect(self._later)
        # Widgets being destroyed still send focus and leave events; by then the view is half
        # gone, and asking it anything would crash the exit. Stop listening before.
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)

    def stop(self) -> None:
        """Stops following the pointer and the focus (the application is quitting)."""
        for watched in self._watched:
            watched.removeEventFilter(self)
        self._watched = []

    # -- which row ---------------------------------------------------------------------------

    def keyboard_inside(self) -> bool:
        """True while the list or one of the toolbar's buttons has the keyboard focus."""
        focused = QApplication.focusWidget()
        return self._view.hasFocus() or (focused is not None and self.widget.isAncestorOf(focused))

    def _target(self) -> QModelIndex:
        """The row to show the toolbar on: kept while the focus is on one of its buttons;
        else the hovered row, unless the keyboard moved since; else the current row."""
        model = self._view.model()
        focused = QApplication.focusWidget()
        if focused is not None and self.widget.isAncestorOf(focused) and self._row.isValid():
            return model.index(self._row.row(), 0)
        keyboard = self.keyboard_inside() and self._view.currentIndex().isValid()
        if self._hover.isValid() and not (keyboard and self._keys_last):
            return model.index(self._hover.row(), 0)
        return self._view.currentIndex() if keyboard else QModelIndex()

    def rows_shown(self) -> list[int]:
        """The row showing the toolbar now ([] or one row)."""
        return [self._row.row()] if self.widget.isVisible() and self._row.isValid() else []

    def eventFilter(self, watched: Any, event: QEvent) -> bool:
        kind = event.type()
        if not self._view.isVisible():  # closed: nothing is hovered, nothing to place
            return False
        if watched is self._view.viewport():
            if kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
                self._keys_last = False
                self._hover_at(event.position())
            elif kind == QEvent.Type.Leave:
                self._hover_at(QPointF(-1, -1))
            elif kind in (QEvent.Type.Resize, QEvent.Type.Paint):
                self._later()  # laid out again: the row may have moved
        elif watched is self._view:
            if kind == QEvent.Type.KeyPress:
                self._keys_last = True
                self.place()  # before Tab looks for the next widget: the current row's
            elif kind in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
                self._later()
        elif isinstance(watched, ActionButton):
            if claims_escape(event):  # Esc goes back to the list, it does not stop the reply
                return True
            if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
                return self._button_key(watched, event)
            if kind in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
                self._later()
        return False

    def _button_key(self, button: ActionButton, event: QKeyEvent) -> bool:
        """Esc, and Shift+Tab on the first button, go back to the list."""
        first = self.widget.shown_buttons()[:1] == [button]
        if event.key() == Qt.Key.Key_Escape or (event.key() == Qt.Key.Key_Backtab and first):
            self._view.setFocus(Qt.FocusReason.BacktabFocusReason)
            return True
        return False

    def _hover_at(self, position: QPointF) -> None:
        self._pointer = position
        index = self._view.indexAt(position.toPoint())
        self._hover = QPersistentModelIndex(index)
        self.place()

    def _current_changed(self, current: Index, previous: Index) -> None:
        self._keys_last = True
        self.place()

    def _scrolled(self, value: int) -> None:
        if self._pointer.x() >= 0:  # the content moved under a still pointer
            self._hover = QPersistentModelIndex(self._view.indexAt(self._pointer.toPoint()))
        self.place()

    def _later(self, *args: object) -> None:
        if not self._pending:
            self._pending = True
            QTimer.singleShot(0, self, self._place_pending)

    def _place_pending(self) -> None:
        self._pending = False
        self.place()

    # -- placing -----------------------------------------------------------------------------

    def place(self) -> None:
        """Puts the toolbar over the row that shows it, or hides it when none does."""
        if not self._view.isVisible():
            self.widget.hide()
            return
        index = self._target()
        item: ChatItem | None = index.data(ITEM_ROLE) if index.isValid() else None
        actions = toolbar_actions(item) if item is not None else []
        rect = self._view.visualRect(index) if actions else None
        if rect is None or not rect.intersects(self._view.viewport().rect()):
            self._hide()
            return
        assert item is not None
        stamp = when_sent(item.data.get("time")) or ""
        arranged = (id(item), *actions, stamp, self._view.font().pointSizeF())
        if arranged != self._arranged:
            self._arranged = arranged
            self._arrange(item, actions, stamp)
        self._row = QPersistentModelIndex(index)
        bubble = self._bubble(index)
        spot = QPoint(round(bubble.right() - EDGE - self.widget.width()), round(self._top(bubble)))
        if self.widget.pos() != spot:
            self.widget.move(spot)
        if self.widget.isHidden():
            self.widget.show()
            self.widget.raise_()

    def _hide(self) -> None:
        if self.widget.isHidden():
            return
        focused = QApplication.focusWidget()
        if focused is not None and self.widget.isAncestorOf(focused):
            self._view.setFocus(Qt.FocusReason.OtherFocusReason)  # not lost with the row
        self.widget.hide()
        self._row = QPersistentModelIndex()
        self._item, self._arranged = None, ()

    def _arrange(self, item: ChatItem, actions: list[str], stamp: str) -> None:
        """Shows ``item``'s time and buttons, laid out left to right (Tab's order: the
        buttons are made in that order)."""
        self._item = item
        label = self.widget.time_label
        label.setFont(small_font(self._view.font()))
        label.setText(stamp)
        x = EDGE
        label_width = self._label_width(stamp)
        label.setGeometry(x, 0, label_width, HEIGHT)
        label.setVisible(bool(stamp))
        x += label_width
        for action, button in self.widget.buttons.items():
            button.setVisible(action in actions)
        for action in actions:
            button = self.widget.buttons[action]
            width = self._button_width(action)
            button.setGeometry(x, 0, width, HEIGHT)
            button.done = action == "copy" and self._flashing(item)
            button.update()
            x += width
        self.widget.resize(x + EDGE, HEIGHT)

    def _label_width(self, stamp: str) -> int:
        if not stamp:
            return 0
        return round(QFontMetricsF(small_font(self._view.font())).horizontalAdvance(stamp)) + 14

    def _button_width(self, action: str) -> int:
        if icon_font():
            return BUTTON
        metrics = QFontMetricsF(small_font(self._view.font()))
        return round(metrics.horizontalAdvance(short_name(action))) + 12

    def _top(self, bubble: QRectF) -> float:
        """The toolbar's top: on the header line, or kept in sight at the top of the list
        while the message's start is scrolled above it."""
        top = bubble.top() + 2
        return top if top >= 4 else max(top, min(4.0, bubble.bottom() - HEIGHT - 2))

    def width(self, item: ChatItem) -> float:
        """How wide ``item``'s toolbar is (a narrow bubble is made at least this wide)."""
        stamp = when_sent(item.data.get("time")) or ""
        buttons = sum(self._button_width(a) for a in toolbar_actions(item))
        return 2 * EDGE + self._label_width(stamp) + buttons + 8

    # -- pressing ----------------------------------------------------------------------------

    def _pressed(self, action: str) -> None:
        item = self._item
        if item is None:
            return
        if action == "copy":
            self.flash(item)  # a check mark says it worked
        self.activated.emit(item, f"act:{action}")

    def flash(self, item: ChatItem) -> None:
        """Copy worked: its icon shows a check mark for a moment."""
        self._flash = (id(item), time.monotonic() + FLASH_S)
        self._show_flash()

    def _show_flash(self) -> None:
        copy = self.widget.buttons["copy"]
        copy.done = self._item is not None and self._flashing(self._item)
        copy.update()
        left = self._flash[1] - time.monotonic()
        if left > 0:  # asked again when it ends (a coarse timer may fire up to 5% early)
            QTimer.singleShot(int(left * 1000) + 10, self, self._show_flash)

    def _flashing(self, item: ChatItem) -> bool:
        return self._flash[0] == id(item) and time.monotonic() < self._flash[1]
