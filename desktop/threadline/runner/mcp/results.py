"""A tool call's result as text and parts: images, audio and binary resources leave the text."""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

from threadline.core.events import FilePart, ImagePart, Part
from threadline.runner.content import ToolOutput


def result_output(result: Any) -> ToolOutput:
    """A ``CallToolResult`` as text and parts: images, audio and binary resources leave the text.

    Text blocks and text resources stay text; an image (a block, or a blob resource with an
    ``image/*`` type) becomes an ``ImagePart``; audio and other blobs become ``FilePart``s; a
    resource link is a line naming it. The parts' references are added to the text the model
    reads (``runner.content.tool_text``), never their base64.
    """
    texts: list[str] = []
    parts: list[Part] = []
    for block in getattr(result, "content", []) or []:
        kind = getattr(block, "type", "")
        if kind == "text":
            texts.append(str(block.text))
        elif kind in ("image", "audio"):
            data = _decode(block.data)
            mime = block.mime_type or ("image/png" if kind == "image" else "audio/wav")
            if data is None:
                texts.append(f"[{kind}: {mime}, not valid base64]")
            elif kind == "image":
                parts.append(ImagePart(data=data, mime_type=mime))
            else:
                parts.append(FilePart(name="audio", data=data, mime_type=mime))
        elif kind == "resource":
            _add_resource(block.resource, texts, parts)
        elif kind == "resource_link":
            details = ", ".join(
                str(x) for x in (block.mime_type, block.size and f"{block.size} bytes") if x
            )
            texts.append(
                f"[resource link {block.name}: {block.uri}{', ' if details else ''}{details}]"
            )
        else:
            texts.append(json.dumps(_dump(block), ensure_ascii=False))
    structured = getattr(result, "structured_content", None)
    if not texts and not parts and structured is not None:
        texts.append(json.dumps(structured, ensure_ascii=False))
    return ToolOutput(text="\n".join(texts), parts=parts)


def _add_resource(resource: Any, texts: list[str], parts: list[Part]) -> None:
    uri = str(getattr(resource, "uri", ""))
    mime = getattr(resource, "mime_type", None) or ""
    text = getattr(resource, "text", None)
    if isinstance(text, str):
        texts.append(f"[resource {uri}]\n{text}")
        return
    data = _decode(getattr(resource, "blob", ""))
    name = PurePosixPath(unquote(urlparse(uri).path)).name or uri
    if data is None:
        texts.append(f"[resource {uri}: {mime or 'binary'}, not valid base64]")
    elif mime.startswith("image/"):
        parts.append(ImagePart(data=data, mime_type=mime, name=name))
    else:
        parts.append(FilePart(name=name, data=data, mime_type=mime or "application/octet-stream"))


def _decode(data: Any) -> bytes | None:
    try:
        return base64.b64decode(str(data), validate=False)
    except (binascii.Error, ValueError):
        return None


def _dump(block: Any) -> Any:
    dump = getattr(block, "model_dump", None)
    return dump(mode="json") if callable(dump) else str(block)
