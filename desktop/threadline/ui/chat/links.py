"""Links a reply contains: https opens in the browser, anything else asks first."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from threadline.app.links import is_web_link

__all__ = ["is_web_link", "open_link"]


def open_link(href: str, parent: QWidget) -> QMessageBox | None:
    """Opens ``href`` in the browser; one that is not https asks first (returns that box)."""
    url = QUrl(href)
    if url.scheme() == "https":
        QDesktopServices.openUrl(url)
        return None
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Open this link?",
        f"The reply links to {href}, which is not a secure (https) address. Open it?",
        QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setObjectName("confirmLink")
    box.accepted.connect(lambda: QDesktopServices.openUrl(url))
    box.open()  # not exec(): no nested event loop under qasync
    return box
