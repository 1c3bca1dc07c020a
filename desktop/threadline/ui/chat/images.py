"""Images of messages and tool results: thumbnails for the chat and the inspector, a viewer.

Bytes come from the store by ``ref`` (``DesktopStore.get_blob``, on its worker thread)
and are decoded off the GUI thread; they are shown as stored, never re-encoded.
"""

from __future__ import annotations

import asyncio
import html
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QBuffer, QByteArray, QObject, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap, QTextDocument
from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QVBoxLayout, QWidget

from threadline.runner.content import human_size

if TYPE_CHECKING:
    from threadline.app.timeline import ChatItem
    from threadline.sessions import DesktopStore
    from threadline.ui.common.tasks import TaskSpawner

THUMB = QSize(240, 160)
CACHE = 200  # thumbnails kept


def _decode_thumbnail(data: bytes) -> tuple[QImage, QSize]:
    """A thumbnail and the image's full dimensions (runs in a worker thread)."""
    raw = QByteArray(data)
    buffer = QBuffer(raw)  # the reader does not own its device: keep both alive
    buffer.open(QBuffer.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    full = reader.size()
    buffer.close()
    image = QImage.fromData(data)
    if not full.isValid():
        full = image.size()
    if image.isNull():
        return image, full
    if image.width() > THUMB.width() or image.height() > THUMB.height():
        image = image.scaled(
            THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    return image, full


class ImageCache(QObject):
    """Thumbnails by ref, loaded on first use.

    Signals:
        ready(str): the thumbnail of a ref is loaded (or failed to load: ``thumbnail`` stays
            None and ``failed`` says so).
    """

    ready = Signal(str)

    def __init__(
        self, store: DesktopStore, spawner: TaskSpawner, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.spawner = spawner
        self._thumbs: OrderedDict[str, tuple[QImage, QSize]] = OrderedDict()
        self._loading: set[str] = set()
        self.failed: set[str] = set()

    def add_thumbnails(self, doc: QTextDocument, item: ChatItem) -> None:
        """Hands ``doc`` the thumbnails its ``thumb:`` images show (those decoded so far)."""
        for image in item.data.get("images", []):
            thumb = self.thumbnail(str(image["ref"]))
            if thumb is not None:
                url = QUrl(f"thumb:{image['ref']}")
                doc.addResource(QTextDocument.ResourceType.ImageResource, url, thumb)

    def thumbnail(self, ref: str) -> QImage | None:
        """The thumbnail, or None while it loads (``ready`` follows)."""
        found = self._thumbs.get(ref)
        if found is not None:
            self._thumbs.move_to_end(ref)
            return found[0]
        if ref not in self._loading and ref not in self.failed:
            self._loading.add(ref)
            self.spawner.spawn(self._load(ref))
        return None

    def dimensions(self, ref: str) -> QSize | None:
        """The full image's width and height, once its thumbnail is loaded."""
        found = self._thumbs.get(ref)
        return found[1] if found is not None else None

    async def _load(self, ref: str) -> None:
        try:
            data = await self.store.get_blob(ref)
            thumb, full = await asyncio.to_thread(_decode_thumbnail, data) if data else (None, None)
        finally:
            self._loading.discard(ref)
        if thumb is None or full is None or thumb.isNull():
            self.failed.add(ref)
        else:
            self._thumbs[ref] = (thumb, full)
            while len(self._thumbs) > CACHE:
                self._thumbs.popitem(last=False)
        self.ready.emit(ref)

    async def full(self, ref: str) -> QImage | None:
        """The whole image as stored, decoded off the GUI thread."""
        data = await self.store.get_blob(ref)
        if not data:
            return None
        image = await asyncio.to_thread(QImage.fromData, data)
        return None if image.isNull() else image


class ImageViewer(QDialog):
    """A simple, non-modal window with one image at full size (scrolls when larger)."""

    def __init__(self, title: str, info: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageViewer")
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.image = QLabel("Loading…")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea()
        scroll.setWidget(self.image)
        scroll.setWidgetResizable(True)
        self.info = QLabel(info)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.info)
        self.resize(720, 560)

    def show_image(self, image: QImage | None) -> None:
        """Shows the loaded image (None: it could not be read)."""
        if image is None:
            self.image.setText("This image could not be read.")
            return
        self.image.setPixmap(QPixmap.fromImage(image))
        self.info.setText(f"{self.info.text()} · {image.width()}×{image.height()}")


class ImageViewers(QObject):
    """Opens a viewer for an image clicked in the chat (``image:<n>`` links)."""

    def __init__(self, cache: ImageCache, spawner: TaskSpawner, window: QWidget) -> None:
        super().__init__(window)
        self.cache = cache
        self.spawner = spawner
        self.window = window
        self.open_viewers: list[ImageViewer] = []

    def on_item_action(self, action: str, item: ChatItem) -> None:
        """Opens image ``n`` of ``item`` for ``image:<n>``."""
        if not action.startswith("image:"):
            return
        images: list[dict[str, Any]] = item.data.get("images", [])
        try:
            image = images[int(action.removeprefix("image:"))]
        except (ValueError, IndexError):
            return
        self.open(image)

    def open(self, image: dict[str, Any]) -> ImageViewer:
        """Shows one image (``{ref, mime, size, name}``) in a new viewer window."""
        name = str(image.get("name") or "image")
        info = f"{image.get('mime', '')} · {human_size(int(image.get('size') or 0))}"
        viewer = ImageViewer(name, info, self.window)
        self.open_viewers.append(viewer)
        viewer.destroyed.connect(lambda: self._forget(viewer))
        viewer.show()  # non-modal: the chat goes on

        async def load() -> None:
            loaded = await self.cache.full(str(image["ref"]))
            if viewer in self.open_viewers:  # not closed meanwhile
                viewer.show_image(loaded)

        self.spawner.spawn(load())
        return viewer

    def _forget(self, viewer: ImageViewer) -> None:
        if viewer in self.open_viewers:
            self.open_viewers.remove(viewer)


def images_html(item: ChatItem, cache: ImageCache | None) -> str:
    """Thumbnails of the item's images; each opens the image at full size when clicked."""
    images = item.data.get("images", [])
    if not images:
        return ""
    cells = []
    for number, image in enumerate(images):
        ref = str(image["ref"])
        thumb = cache.thumbnail(ref) if cache is not None else None
        label = f"{image.get('mime', 'image')}, {human_size(int(image.get('size') or 0))}"
        if thumb is not None:
            inner = (
                f'<img src="thumb:{html.escape(ref)}" width="{thumb.width()}"'
                f' height="{thumb.height()}">'
            )
        elif cache is not None and ref in cache.failed:
            inner = f"[image {html.escape(label)}: not readable]"
        else:
            inner = f"[image {html.escape(label)}…]"
        cells.append(f'<a href="act:image:{number}" title="{html.escape(label)}">{inner}</a>')
    return "<p>" + " &nbsp; ".join(cells) + "</p>"
