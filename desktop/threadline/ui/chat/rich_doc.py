"""The chat's rich-text document: Qt asks it for the images its HTML names, and ``math:``
images (formulas, ``app.math``) are painted from their SVG at the screen's pixel density."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QByteArray, QRectF, Qt, QUrl
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QTextDocument
from PySide6.QtSvg import QSvgRenderer

from threadline.app.math import formula

_painted: OrderedDict[tuple[str, int, int], QImage] = OrderedDict()  # (key, scale, ink)
_KEPT = 512


class RichDocument(QTextDocument):
    """A ``QTextDocument`` that draws ``math:`` images itself, in ``ink`` (the text colour,
    so formulas read in the dark theme too)."""

    def __init__(self, ink: QColor) -> None:
        super().__init__()
        self.ink = QColor(ink)

    def loadResource(self, kind: int, name: QUrl | str) -> Any:
        url = QUrl(name) if isinstance(name, str) else name
        if kind == QTextDocument.ResourceType.ImageResource.value and url.scheme() == "math":
            image = math_image(url.path(), self.ink)
            if image is not None:
                return image
        return super().loadResource(kind, url)


def math_image(key: str, ink: QColor) -> QImage | None:
    """The formula under ``key`` painted in ``ink`` for this screen, or None when it is gone."""
    screen = QGuiApplication.primaryScreen()
    scale = max(1, round(screen.devicePixelRatio() if screen is not None else 1.0))
    slot = (key, scale, ink.rgba())
    cached = _painted.get(slot)
    if cached is not None:
        _painted.move_to_end(slot)
        return cached
    drawn = formula(key)
    if drawn is None:
        return None
    renderer = QSvgRenderer(QByteArray(drawn.svg.encode()))
    image = QImage(
        max(1, round(drawn.width * scale)),
        max(1, round(drawn.height * scale)),
        QImage.Format.Format_ARGB32_Premultiplied,
    )
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter, QRectF(0, 0, image.width(), image.height()))
    # The SVG's glyphs are black: keep their shapes, take the text colour.
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
    painter.fillRect(image.rect(), ink)
    painter.end()
    image.setDevicePixelRatio(scale)
    _painted[slot] = image
    while len(_painted) > _KEPT:
        _painted.popitem(last=False)
    return image
