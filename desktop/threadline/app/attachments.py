"""What the user attaches to a message: files, images, long pastes. No Qt here.

An attachment becomes a message part when it is sent (``ImagePart`` for images, ``FilePart``
for the rest; the runner sends text-like files as their text and PDFs as extracted text). Its
bytes are stored once per content hash by the store, never in each request record.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from threadline.core.events import FilePart, ImagePart

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 20
# A paste longer than this becomes a text attachment: Qt's text box takes seconds to lay out
# megabytes (a 1 MB single line froze it for 47 s), and a chip is easier to read anyway.
PASTE_LIMIT_CHARS = 20_000
PASTED_NAME = "pasted text.txt"


class AttachmentError(ValueError):
    """An attachment that cannot be added; the message says why in plain words."""


@dataclass(frozen=True)
class Attachment:
    """One file, image or pasted text waiting in the composer."""

    name: str
    mime_type: str
    data: bytes

    @property
    def is_image(self) -> bool:
        """True for images (sent as image parts, shown as thumbnails)."""
        return self.mime_type.startswith("image/")

    @property
    def size_text(self) -> str:
        """The size as a person reads it."""
        return human_size(len(self.data))

    def to_part(self) -> ImagePart | FilePart:
        """The message part this attachment is sent as."""
        from threadline.core.events import FilePart, ImagePart

        if self.is_image:
            return ImagePart(data=self.data, mime_type=self.mime_type, name=self.name)
        return FilePart(name=self.name, mime_type=self.mime_type, data=self.data)


def human_size(size: int) -> str:
    """``1.2 MB``, ``34 KB``, ``900 B``."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


def from_file(path: Path) -> Attachment:
    """Reads a file to attach. Raises ``AttachmentError`` (too big, unreadable, a folder)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise AttachmentError(f"{path.name} cannot be read ({exc.strerror}).") from exc
    if path.is_dir():
        raise AttachmentError(f"{path.name} is a folder; attach the files in it instead.")
    if size > MAX_FILE_BYTES:
        raise AttachmentError(
            f"{path.name} is {human_size(size)}; attachments can be at most "
            f"{human_size(MAX_FILE_BYTES)}."
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AttachmentError(f"{path.name} cannot be read ({exc.strerror}).") from exc
    return Attachment(path.name, guess_type(path.name, data), data)


def from_paste(text: str) -> Attachment:
    """A long paste as a text file."""
    return Attachment(PASTED_NAME, "text/plain", text.encode("utf-8", errors="replace"))


def from_image_bytes(data: bytes, name: str = "pasted image.png") -> Attachment:
    """An image from the clipboard (already encoded as PNG)."""
    return Attachment(name, "image/png", data)


def guess_type(name: str, data: bytes = b"") -> str:
    """The MIME type from the name, else from the first bytes, else a plain guess."""
    guessed, _ = mimetypes.guess_type(name)
    if guessed:
        return guessed
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data.startswith(b"%PDF"):
        return "application/pdf"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain"


def check_count(current: int, adding: int) -> None:
    """Raises ``AttachmentError`` when a message would carry too many attachments."""
    if current + adding > MAX_ATTACHMENTS:
        raise AttachmentError(f"A message can carry at most {MAX_ATTACHMENTS} attachments.")


def summary(parts: list[tuple[str, str, int]]) -> str:
    """The line under a sent message: ``Attached: notes.md (2 KB) · photo.png (1.1 MB)``."""
    return "Attached: " + " · ".join(f"{name} ({human_size(size)})" for name, _mime, size in parts)
