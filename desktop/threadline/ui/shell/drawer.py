"""The sidebar as a drawer in a narrow window: it slides in over the chat (which keeps its
width) on a dimmed page, as ChatGPT's window does below its breakpoint.

``SidePanels`` hands the sidebar to the drawer when the window becomes narrow (``take``) and
back to the splitter when it widens (``give_back``). While it is open the keyboard is in it;
Esc, a click on the dimmed page or opening a conversation closes it (``dismissed``), and the
keyboard goes back to the composer.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QEasingCurve,
    QEvent,
    QObject,
    QPoint,
    QPropertyAnimation,
    QRect,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QMainWindow, QSplitter, QWidget

from threadline.ui.common.widgets import claims_escape

WIDTH = 300  # px: the drawer's width, at most (it leaves a strip of the chat in sight)
SLIDE_MS = 90
SCRIM = 0.32  # how dark the page under an open drawer goes


class SidebarDrawer(QWidget):
    """Covers the window's central area while open: the sidebar at the left, a scrim beside.

    Signals:
        dismissed(): the drawer asks to close (Esc, a click beside it).
    """

    dismissed = Signal()

    def __init__(
        self, window: QMainWindow, splitter: QSplitter, sidebar: QWidget, composer: QWidget
    ) -> None:
        super().__init__(window)
        self.setObjectName("sidebarDrawer")
        self.setAccessibleName("Conversations")
        self.splitter = splitter
        self.sidebar = sidebar
        self.composer = composer
        self.holds = False  # the sidebar is here, not in the splitter
        self._docked_width = 260
        self._slide = QPropertyAnimation(sidebar, b"pos", self)
        self._slide.setDuration(SLIDE_MS)
        self._slide.setEasingCurve(QEasingCurve.Type.OutCubic)
        splitter.installEventFilter(self)
        # The docked width is the one the person chose by dragging the handle: when the window
        # narrows, the splitter squeezes the sidebar before it is taken, which is not a choice.
        splitter.splitterMoved.connect(self._dragged)
        self.hide()

    def _dragged(self, *_args: object) -> None:
        if not self.holds and self.sidebar.width() > 0:
            self._docked_width = self.sidebar.width()

    def take(self) -> None:
        """The window became narrow: the sidebar leaves the splitter (the chat takes its room)."""
        if self.holds:
            return
        self.holds = True
        self.sidebar.setParent(self)  # out of the splitter, hidden
        self.sidebar.setAutoFillBackground(True)  # the frame colour, over the chat

    def give_back(self) -> None:
        """The window became wide again: the sidebar is docked beside the chat."""
        if not self.holds:
            return
        self._slide.stop()
        self.hide()
        self.holds = False
        self.sidebar.setAutoFillBackground(False)
        self.splitter.insertWidget(0, self.sidebar)
        total = sum(self.splitter.sizes()) or self.splitter.width()
        self.splitter.setSizes([self._docked_width, max(0, total - self._docked_width)])

    def is_open(self) -> bool:
        """The drawer is showing over the chat."""
        return self.holds and self.isVisible()

    def open(self) -> None:
        """Slides the sidebar in over the chat and gives it the keyboard."""
        if not self.holds:
            return
        self._fit()
        already = self.isVisible()
        self.show()
        self.raise_()
        self.sidebar.show()
        if not already:
            self._slide.stop()
            self._slide.setStartValue(QPoint(-self.sidebar.width(), 0))
            self._slide.setEndValue(QPoint(0, 0))
            self._slide.start()
        focus_list = getattr(self.sidebar, "focus_list", None)
        if callable(focus_list):
            focus_list()
        else:
            self.sidebar.setFocus()

    def close_drawer(self) -> None:
        """Hides the drawer; the keyboard goes back to the composer."""
        if not self.isVisible():
            return
        self._slide.stop()
        self.hide()
        self.composer.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fit(self) -> None:
        area = self.splitter.geometry()
        self.setGeometry(area)
        width = min(WIDTH, max(200, int(area.width() * 0.8)))
        self.sidebar.setGeometry(QRect(0, 0, width, area.height()))

    # -- events ------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.splitter
            and event.type() in (QEvent.Type.Resize, QEvent.Type.Move)
            and self.isVisible()
        ):
            self._slide.stop()
            self._fit()
        return False

    def event(self, event: QEvent) -> bool:
        # Esc is the drawer's while it has the keyboard (key events the sidebar's widgets
        # leave come up here).
        return claims_escape(event) or super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.dismissed.emit()
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self.sidebar.geometry().contains(event.position().toPoint()):
            self.dismissed.emit()  # a click on the dimmed chat
            return
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        shade = QColor(0, 0, 0)
        shade.setAlphaF(SCRIM)
        edge = self.sidebar.geometry().right() + 1
        painter.fillRect(QRect(edge, 0, self.width() - edge, self.height()), shade)
        painter.setPen(self.palette().color(QPalette.ColorRole.Mid))
        painter.drawLine(edge, 0, edge, self.height())
