"""Images and files in chat messages: how ``Message.parts`` become Chat Completions content.

A message with image parts is sent as a content array (``image_url`` with a ``data:`` URL, or
the image's own URL). A text-like file (code, Markdown, CSV, JSON...) is sent as text under its
name; any other file, and an image whose bytes are not at hand, as a short reference (type,
size, name), never as base64 text.

Tool results: Chat Completions tool messages take text only, so a tool message keeps its text
(with a short reference per image) and its images follow in a user message right after the
tool messages of that round, introduced as the output of that tool call (``tool_images``).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from threadline.core.events import FilePart, ImagePart, Part

# What a text-like file is: its MIME type, or failing that its suffix.
TEXT_MIME_TYPES = frozenset(
    {
        "application/json",
        "application/ld+json",
        "application/xml",
        "application/yaml",
        "application/x-yaml",
        "application/toml",
        "application/javascript",
        "application/typescript",
        "application/x-python",
        "application/x-sh",
        "application/sql",
        "application/csv",
        "application/x-ndjson",
        "application/graphql",
    }
)
_SUFFIXES = (
    ".txt .md .markdown .rst .csv .tsv .json .jsonl .yaml .yml .toml .ini .cfg .conf .log .xml"
    " .html .htm .css .js .mjs .ts .tsx .jsx .py .pyi .rb .go .rs .c .h .cc .cpp .hpp .java"
    " .kt .swift .cs .php .pl .lua .r .sql .sh .bash .zsh .ps1 .bat .tex .diff .patch .env"
    " .gitignore .dockerfile .makefile .vue .svelte .scala .hs .ex .exs .erl .clj .dart"
)
TEXT_SUFFIXES = frozenset(_SUFFIXES.split())
FILE_TEXT_LIMIT = 200_000  # characters of one file sent to the model; the rest is cut
TOOL_OUTPUT_INTRO = "[Output of the tool call {name} ({call_id}), attached as tool output]"


@dataclass
class ToolOutput:
    """What a tool may return instead of plain text: text plus images and files.

    The runner stores ``parts`` with the tool's result message (bytes once per content hash)
    and sends the images to the model right after the tool message (see the module doc).
    """

    text: str = ""
    parts: list[Part] = field(default_factory=list)


def human_size(size: int) -> str:
    """``512 B``, ``12.3 KB``, ``1.4 MB``."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def part_reference(part: Part, *, note: str = "") -> str:
    """A short line naming a part without its bytes: ``[image: image/png, 12.3 KB]``."""
    kind = "image" if isinstance(part, ImagePart) else "file"
    name = f" {part.name}" if part.name else ""
    details = [part.mime_type]
    if part.size:
        details.append(human_size(part.size))
    if isinstance(part, ImagePart) and part.url and part.data is None:
        details.append(part.url)
    if note:
        details.append(note)
    return f"[{kind}{name}: {', '.join(details)}]"


def is_text_file(part: FilePart) -> bool:
    """True for a file whose bytes are text a model can read (code, Markdown, CSV, JSON...)."""
    mime = part.mime_type.split(";")[0].strip().lower()
    if mime.startswith("text/") or mime in TEXT_MIME_TYPES or mime.endswith(("+json", "+xml")):
        return True
    return PurePath(part.name.lower()).suffix in TEXT_SUFFIXES


def file_text(part: FilePart) -> str | None:
    """The text of a text-like file (or of a PDF, when ``pypdf`` is installed), else None."""
    if part.data is None:
        return None
    if is_text_file(part):
        text = part.data.decode("utf-8", errors="replace")
    elif part.mime_type == "application/pdf" or part.name.lower().endswith(".pdf"):
        text = _pdf_text(part.data) or ""
        if not text:
            return None
    else:
        return None
    if len(text) > FILE_TEXT_LIMIT:
        text = text[:FILE_TEXT_LIMIT] + f"\n[... cut: the file has {len(text):,} characters]"
    return text


def _pdf_text(data: bytes) -> str | None:
    try:
        import io

        import pypdf  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        return "\n\n".join(page.extract_text() or "" for page in reader.pages).strip()
    except Exception:  # a damaged PDF is sent as a reference
        return None


def data_url(part: ImagePart) -> str | None:
    """The image as a URL a model takes: ``data:<mime>;base64,...`` or its own URL."""
    if part.data is not None:
        return f"data:{part.mime_type};base64,{base64.b64encode(part.data).decode('ascii')}"
    return part.url


def _file_block(part: FilePart) -> str:
    text = file_text(part)
    if text is None:
        return part_reference(part, note="not readable as text")
    return f"File {part.name} ({part.mime_type}):\n```\n{text}\n```"


def chat_content(text: str, parts: Sequence[Part]) -> str | list[dict[str, Any]]:
    """The ``content`` of a chat message: its text, or a content array when it has images."""
    if not parts:
        return text
    items: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    for part in parts:
        if isinstance(part, ImagePart):
            url = data_url(part)
            if url is None:
                items.append({"type": "text", "text": part_reference(part, note="not available")})
            else:
                items.append({"type": "image_url", "image_url": {"url": url}})
        else:
            items.append({"type": "text", "text": _file_block(part)})
    if all(item["type"] == "text" for item in items):
        return "\n\n".join(item["text"] for item in items)
    return items


def tool_text(text: str, parts: Sequence[Part]) -> str:
    """A tool message's text: the tool's text plus its files' text (images: ``tool_images``)."""
    pieces = [text] if text else []
    for part in parts:
        if isinstance(part, FilePart):
            pieces.append(_file_block(part))
        else:
            note = "attached below" if data_url(part) else "not available"
            pieces.append(part_reference(part, note=note))
    return "\n\n".join(pieces)


def tool_images(call_id: str, name: str, parts: Sequence[Part]) -> dict[str, Any] | None:
    """The user message that carries a tool result's images to the model, or None if none."""
    images = [url for p in parts if isinstance(p, ImagePart) and (url := data_url(p))]
    if not images:
        return None
    intro = TOOL_OUTPUT_INTRO.format(name=name or "tool", call_id=call_id)
    content: list[dict[str, Any]] = [{"type": "text", "text": intro}]
    content += [{"type": "image_url", "image_url": {"url": url}} for url in images]
    return {"role": "user", "content": content}


def without_images(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages with every image replaced by a short note (for a model that takes none)."""
    out: list[dict[str, Any]] = []
    for message in messages:
        content = message.get("content")
        if not isinstance(content, list) or not any(
            isinstance(i, dict) and i.get("type") == "image_url" for i in content
        ):
            out.append(message)
            continue
        texts = [
            i.get("text", "")
            if i.get("type") == "text"
            else "[an image was here: this model does not take images]"
            for i in content
            if isinstance(i, dict)
        ]
        out.append({**message, "content": "\n\n".join(t for t in texts if t)})
    return out


def has_images(messages: Sequence[dict[str, Any]]) -> bool:
    """True when any message carries an ``image_url`` part."""
    return any(
        isinstance(m.get("content"), list)
        and any(isinstance(i, dict) and i.get("type") == "image_url" for i in m["content"])
        for m in messages
    )
