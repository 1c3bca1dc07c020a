"""The window's first frame: where the sidebar, the conversation, the composer and the
inspector will be.

Plain widgets filled with palette colours, placed by hand: no layout, no painting from Python.
(A QPainter call from Python makes PySide resolve overloads that mention the ``Qt`` namespace,
which loads all of its enums first: 20 ms.) ``MainWindow.build`` replaces it a moment later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QWidget

if TYPE_CHECKING:
    from PySide6.QtGui import QResizeEvent

SIDEBAR_WIDTH = 260
PANEL_WIDTH = 390  # the inspector and settings docks
COMPOSER_HEIGHT = 110


class Skeleton(QWidget):
    """Placeholder shapes in the palette's colours."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sidebar, self._chat, self._panel = (self._block() for _ in range(3))
        self._composer = self._block()
        self._composer.setFrameShape(QFrame.Shape.StyledPanel)

    def _block(self) -> QFrame:
        block = QFrame(self)
        block.setAutoFillBackground(True)
        block.setBackgroundRole(QPalette.ColorRole.Base)
        return block

    def resizeEvent(self, event: QResizeEvent) -> None:
        width, height = self.width(), self.height()
        chat_left, chat_right = SIDEBAR_WIDTH + 4, width - PANEL_WIDTH - 4
        self._sidebar.setGeometry(4, 60, SIDEBAR_WIDTH - 8, height - 64)
        self._chat.setGeometry(chat_left, 0, chat_right - chat_left, height - COMPOSER_HEIGHT - 8)
        self._panel.setGeometry(chat_right + 8, 60, PANEL_WIDTH - 12, height - 64)
        self._composer.setGeometry(
            chat_left, height - COMPOSER_HEIGHT, chat_right - chat_left - 90, 96
        )
