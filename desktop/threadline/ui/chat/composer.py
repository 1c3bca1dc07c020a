"""The message box and its attachments: chips for files, images and long pastes.

A paste of an image, or of more text than ``PASTE_LIMIT_CHARS``, becomes an attachment chip
instead of text in the editor (Qt's text box takes seconds to lay out megabytes). Files come
by the attach button, by drag-and-drop onto the composer or the chat, or by pasting them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPlainTextEdit, QToolButton, QWidget

from threadline.app.attachments import (
    PASTE_LIMIT_CHARS,
    Attachment,
    AttachmentError,
    check_count,
    from_file,
    from_image_bytes,
    from_paste,
)
from threadline.ui.common.widgets import claims_escape, named

THUMB = QSize(28, 28)


class Composer(QPlainTextEdit):
    """The message box: big pastes, images and dropped files become attachments.

    Signals:
        attachments_offered(object): ``list[Attachment]`` pasted or dropped here.
        attachment_refused(str): why something could not be attached.
    """

    attachments_offered = Signal(object)
    attachment_refused = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Tab and Shift+Tab leave the message box, as in every chat app (a tab character in a
        # message is rare; it can still be pasted).
        self.setTabChangesFocus(True)

    def event(self, event: QEvent) -> bool:
        # Esc is the composer's own key (the chat panel leaves an edit with it, or stops the
        # reply).
        return claims_escape(event) or super().event(event)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return source.hasImage() or source.hasUrls() or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        if source.hasImage():
            data = _png_bytes(source.imageData())
            if data:
                self.attachments_offered.emit([from_image_bytes(data)])
                return
        if source.hasUrls() and all(url.isLocalFile() for url in source.urls()):
            self.offer_files([Path(url.toLocalFile()) for url in source.urls()])
            return
        text = source.text()
        if len(text) > PASTE_LIMIT_CHARS:
            self.attachments_offered.emit([from_paste(text)])
            return
        super().insertFromMimeData(source)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
            return
        super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        if event.mimeData().hasUrls():
            self.offer_files([Path(u.toLocalFile()) for u in event.mimeData().urls()])
            event.acceptProposedAction()
            return
        super().dropEvent(event)

    def choose_files(self) -> QFileDialog:
        """The attach dialog (non-modal: no nested event loop under qasync)."""
        dialog = QFileDialog(self.window(), "Attach files")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.filesSelected.connect(lambda paths: self.offer_files(list(map(Path, paths))))
        dialog.open()
        return dialog

    def offer_files(self, paths: list[Path]) -> None:
        """Reads files to attach; a file that cannot be attached is said, the rest are kept."""
        found: list[Attachment] = []
        for path in paths:
            try:
                found.append(from_file(path))
            except AttachmentError as exc:
                self.attachment_refused.emit(str(exc))
        if found:
            self.attachments_offered.emit(found)


class AttachmentTray(QWidget):
    """The chips of the attachments a message will carry (name, size, thumbnail, remove).

    Signals:
        changed(): an attachment was added or removed.
        refused(str): why an attachment was not added.
    """

    changed = Signal()
    refused = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("attachmentTray")
        self.attachments: list[Attachment] = []
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.addStretch(1)
        self.hide()

    def add(self, attachments: list[Attachment]) -> None:
        """Adds chips (at most ``MAX_ATTACHMENTS`` in all)."""
        try:
            check_count(len(self.attachments), len(attachments))
        except AttachmentError as exc:
            self.refused.emit(str(exc))
            return
        for attachment in attachments:
            self.attachments.append(attachment)
            self._row.insertWidget(self._row.count() - 1, self._chip(attachment))
        self.setVisible(bool(self.attachments))
        self.changed.emit()

    def take(self) -> list[Attachment]:
        """The attachments, emptying the tray (the message is being sent)."""
        taken, self.attachments = self.attachments, []
        self._clear_chips()
        self.hide()
        self.changed.emit()
        return taken

    def chips(self) -> list[QToolButton]:
        """The chip buttons, in order."""
        return [w for w in self.findChildren(QToolButton) if w.objectName() == "attachmentChip"]

    def _chip(self, attachment: Attachment) -> QToolButton:
        chip = named(QToolButton(), "attachmentChip")
        chip.setText(f"{attachment.name} · {attachment.size_text}  ✕")
        chip.setToolTip(f"{attachment.name} ({attachment.mime_type}); click to remove")
        chip.setAccessibleName(f"Attachment {attachment.name}, {attachment.size_text}. Remove")
        chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        if attachment.is_image:
            pixmap = QPixmap()
            if pixmap.loadFromData(attachment.data):
                chip.setIcon(QIcon(pixmap.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio)))
                chip.setIconSize(THUMB)
        chip.clicked.connect(lambda: self._remove(attachment, chip))
        return chip

    def _remove(self, attachment: Attachment, chip: QToolButton) -> None:
        if attachment in self.attachments:
            self.attachments.remove(attachment)
        chip.deleteLater()
        self.setVisible(bool(self.attachments))
        self.changed.emit()

    def _clear_chips(self) -> None:
        for chip in self.chips():
            chip.setParent(None)
            chip.deleteLater()


def _png_bytes(image: object) -> bytes:
    if not isinstance(image, QImage) or image.isNull():
        return b""
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs say bytes; str works
    buffer.close()
    return bytes(array.data())
