"""Small widget helpers."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject

W = TypeVar("W", bound=QObject)


def named(widget: W, name: str) -> W:
    """Sets the object name tests and style rules find a widget by; returns the widget."""
    widget.setObjectName(name)
    return widget
