"""The one module that imports qasync.

qasync 0.28 probes PyQt before PySide6 unless told otherwise, so ``QT_API`` is set and PySide6
imported before qasync is.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_API", "pyside6")

import PySide6.QtCore  # noqa: F401 - must come before qasync
import qasync

QEventLoop = qasync.QEventLoop

__all__ = ["QEventLoop"]
