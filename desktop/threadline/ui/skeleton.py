"""The window's first frame: where the sidebar, the conversation, the composer and the
inspector will be.

Painted with one QPainter and no child widgets, so it costs next to nothing; the real widgets
replace it a moment later (``MainWindow.build``).
"""

from __future__ import annotations

from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QWidget

SIDEBAR_WIDTH = 260
PANEL_WIDTH = 390  # the inspector and settings docks
COMPOSER_HEIGHT = 110


class Skeleton(QWidget):
    """Placeholder shapes in the palette's colours."""

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        width, height = self.width(), self.height()
        chat_left, chat_right = SIDEBAR_WIDTH + 4, width - PANEL_WIDTH - 4
        painter.fillRect(0, 0, width, height, palette.color(QPalette.ColorRole.Window))
        base = palette.color(QPalette.ColorRole.Base)
        painter.fillRect(4, 60, SIDEBAR_WIDTH - 8, height - 64, base)
        painter.fillRect(chat_left, 0, chat_right - chat_left, height - COMPOSER_HEIGHT - 8, base)
        painter.fillRect(chat_right + 8, 60, PANEL_WIDTH - 12, height - 64, base)
        composer_width = chat_right - chat_left - 90
        painter.fillRect(chat_left, height - COMPOSER_HEIGHT, composer_width, 96, base)
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawRect(chat_left, height - COMPOSER_HEIGHT, composer_width, 96)
        painter.end()
