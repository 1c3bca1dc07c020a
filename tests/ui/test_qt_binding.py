"""Guards against a Qt binding that corrupts reference counts (PySide6 6.12.0 on Python 3.11)."""

from __future__ import annotations

import sys

from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QApplication


def test_void_qt_calls_keep_none_alive(qapp: QApplication) -> None:
    pixmap = QPixmap(8, 8)
    painter = QPainter(pixmap)
    before = sys.getrefcount(None)
    for _ in range(500):
        painter.save()
        painter.restore()
    after = sys.getrefcount(None)
    painter.end()
    assert after >= before - 5, f"None lost {before - after} references in 1,000 Qt calls"
