"""Pin and "…" buttons at the right of the sidebar row under the pointer (or the keyboard's
current row while the list has the focus), as ChatGPT's sidebar shows them.

They float over the list's viewport instead of living in the rows, so no row changes
height; the row's title is cut short before them while they show (``SessionDelegate``).
"…" opens the row's menu, the one right-click and the Menu key open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QWidget

from threadline.ui.common.glyphs import GlyphButton
from threadline.ui.sidebar.tree import HEADER_ROLE, PINNED_ROLE

if TYPE_CHECKING:
    from threadline.ui.sidebar.view import SessionTreeView

BUTTON = 22  # px, at most: a row is never smaller (SessionDelegate's minimum height)
EDGE = 4  # px between the buttons and the list's right edge


_FOLLOWED = frozenset(
    {
        QEvent.Type.MouseMove,
        QEvent.Type.Leave,
        QEvent.Type.Resize,
        QEvent.Type.FocusIn,
        QEvent.Type.FocusOut,
    }
)


class RowActions(QWidget):
    """The buttons over one row of ``view``.

    Signals:
        more_clicked(QModelIndex): "…" was clicked on a row: show its menu.
        pin_clicked(QModelIndex): the pin was clicked on a row.
    """

    more_clicked = Signal(QModelIndex)
    pin_clicked = Signal(QModelIndex)

    def __init__(self, view: SessionTreeView) -> None:
        super().__init__(view.viewport())
        self.setObjectName("sidebarRowActions")
        self.view = view
        self.row = QPersistentModelIndex()
        self._hovered = QPersistentModelIndex()
        self.pin = GlyphButton("pin", "Pin to top", self)
        self.pin.setObjectName("sidebarRowPin")
        self.more = GlyphButton("more", "More actions", self)
        self.more.setObjectName("sidebarRowMore")
        for button in (self.pin, self.more):
            # The list keeps the keyboard: its Menu key, F2 and Del do what these buttons do.
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setFixedSize(BUTTON, BUTTON)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.pin)
        layout.addWidget(self.more)
        self.more.clicked.connect(self._on_more)
        self.pin.clicked.connect(self._on_pin)
        view.setMouseTracking(True)
        self._viewport = view.viewport()
        self._viewport.installEventFilter(self)
        view.installEventFilter(self)
        view.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.hide()

    def watch(self) -> None:
        """Follows the view's model and selection (call once they are set)."""
        model = self.view.model()
        for signal in (model.modelReset, model.layoutChanged, model.rowsRemoved):
            signal.connect(self._forget_hover)
        model.dataChanged.connect(self.refresh)
        model.rowsInserted.connect(self.refresh)
        self.view.selectionModel().currentChanged.connect(self.refresh)

    def index(self) -> QModelIndex:
        """The row the buttons are over (invalid while hidden)."""
        return self._plain(self.row)

    def _plain(self, kept: QPersistentModelIndex) -> QModelIndex:
        if not kept.isValid():
            return QModelIndex()
        return self.view.model().index(kept.row(), kept.column(), kept.parent())

    def _on_more(self) -> None:
        if self.row.isValid():
            self.more_clicked.emit(self.index())

    def _on_pin(self) -> None:
        if self.row.isValid():
            self.pin_clicked.emit(self.index())

    def reserved(self, index: QModelIndex | QPersistentModelIndex) -> int:
        """How much of ``index``'s row the buttons cover (0 on the other rows)."""
        if self.isHidden() or not self.row.isValid() or QPersistentModelIndex(index) != self.row:
            return 0
        return self.width() + EDGE

    def _target(self) -> QModelIndex:
        if self._hovered.isValid():
            return self._plain(self._hovered)
        if self.view.hasFocus():
            return self.view.currentIndex()
        return QModelIndex()

    def refresh(self, *args: object) -> None:
        """Puts the buttons over the row they belong to now, or hides them."""
        index = self._target()
        previous = self.index()
        if not index.isValid():
            self.row = QPersistentModelIndex()
            self.hide()
        else:
            self.row = QPersistentModelIndex(index)
            self._place(index)
        for row in (previous, index):
            if row.isValid():
                self.view.viewport().update(self.view.visualRect(row))

    def _place(self, index: QModelIndex) -> None:
        title = str(index.data() or "this conversation")
        pinned = bool(index.data(PINNED_ROLE))
        self.pin.set_glyph("unpin" if pinned else "pin")
        pin_text = f"Unpin {title}" if pinned else f"Pin {title} to top"
        self.pin.setAccessibleName(pin_text)
        self.pin.setToolTip("Unpin" if pinned else "Pin to top")
        self.more.setAccessibleName(f"More actions for {title}")
        self.more.setToolTip("More actions: rename, pin, move to trash (Menu key)")
        rect = self.view.visualRect(index)
        if index.data(HEADER_ROLE):  # the group's label sits above the row itself
            rect.setTop(rect.top() + self.view.sessions_delegate.header_height)
        side = min(BUTTON, rect.height())
        for button in (self.pin, self.more):
            button.setFixedSize(side, side)
        self.resize(2 * side, side)
        right = self.view.viewport().width() - EDGE
        self.move(right - self.width(), rect.top() + (rect.height() - side) // 2)
        self.show()
        self.raise_()

    def _forget_hover(self, *args: object) -> None:
        self._hovered = QPersistentModelIndex()
        self.refresh()

    def _on_scrolled(self, *args: object) -> None:
        position = self.view.viewport().mapFromGlobal(self.cursor().pos())
        self._hover_at(position if self.view.viewport().rect().contains(position) else None)

    def _hover_at(self, position: object) -> None:
        from PySide6.QtCore import QPoint

        index = self.view.indexAt(position) if isinstance(position, QPoint) else QModelIndex()
        if QPersistentModelIndex(index) != self._hovered:
            self._hovered = QPersistentModelIndex(index)
            self.refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        # Only the events acted on: a view being destroyed still sends others (its children
        # leaving), and asking the half-deleted view anything then raises.
        if kind not in _FOLLOWED:
            return False
        if watched is self._viewport:
            if kind == QEvent.Type.MouseMove:
                self._hover_at(event.position().toPoint())  # type: ignore[attr-defined]
            elif kind == QEvent.Type.Leave:
                self._hover_at(None)
            elif kind == QEvent.Type.Resize and self.row.isValid():
                self._place(self.index())
        elif watched is self.view and kind in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
            self.refresh()
        return False
