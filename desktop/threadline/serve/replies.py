"""A run's events as what an OpenAI client shows: the text of its replies, one after another.

Every assistant reply of the run counts (a team's helpers and the words before a tool call
too), separated by a blank line; streamed replies arrive as their deltas, replies that were
not streamed (``GenerationConfig(stream=False)``, a callback's answer) in one piece. Tool calls
run on the server and are not shown; a run that pauses for approval ends with a line saying
what waits and how to answer it.
"""

from __future__ import annotations

import base64
import binascii
import json

from threadline.core.events import Event, EventTag, ImagePart, Message, Part, Usage
from threadline.serve.errors import ApiError

SEPARATOR = "\n\n"
_REPLY_TAGS = (EventTag.MODEL_REPLY, "")


class ReplyText:
    """Feeds on a run's events; ``feed`` returns the (text, reasoning) each one adds."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.usage = Usage()
        self._has_text = False
        self._flowing: tuple[str, str] | None = None  # the reply whose text deltas flow now
        self._streamed: set[tuple[str, str]] = set()  # replies that sent deltas, not yet ended

    def feed(self, event: Event) -> tuple[str, str]:
        """What ``event`` adds to the reply text and to the reasoning (either may be "")."""
        key = (event.author, event.branch)
        if event.partial:
            if event.delta:
                self._streamed.add(key)
                return self._text(key, event.delta), ""
            if event.reasoning_delta:
                self._streamed.add(key)
                return "", event.reasoning_delta
            return "", ""
        self.usage.add(event.usage)
        message = event.message
        if event.tag == EventTag.TOOL_APPROVAL:
            return self._text(None, self._waiting(event)), ""
        if message is None or message.role != "assistant" or event.tag not in _REPLY_TAGS:
            return "", ""
        if key in self._streamed:  # its text already went out as deltas
            self._streamed.discard(key)
            self._flowing = None
            return "", ""
        text = self._text(None, message.content) if message.content else ""
        return text, message.reasoning or ""

    def _text(self, key: tuple[str, str] | None, text: str) -> str:
        """``text``, after a blank line when it starts a reply and another came before."""
        starts_reply = key is None or key != self._flowing
        piece = SEPARATOR + text if starts_reply and self._has_text else text
        self._has_text = True
        self._flowing = key
        return piece

    def _waiting(self, event: Event) -> str:
        calls = ", ".join(
            f"{c.get('name', '?')}({c.get('arguments', '')}) [call {c.get('id', '?')}]"
            for c in event.metadata.get("pending", [])
        )
        return (
            f"⏸ Waiting for approval: {calls}. Answer with POST /v1/runs/resume "
            f'{{"session_id": {json.dumps(self.session_id)}, "decisions": {{...}}}}.'
        )


def user_message(entry: dict[str, object]) -> Message:
    """An OpenAI ``user`` message as ours: its text, and ``image_url`` parts as image parts
    (a ``data:`` URL becomes the bytes). Raises ``ApiError`` 400 for a malformed part."""
    content = entry.get("content")
    if content is None or isinstance(content, str):
        return Message(role="user", content=content or "")
    if not isinstance(content, list):
        raise ApiError(400, "invalid_request", "messages[].content must be a string or a list")
    texts: list[str] = []
    parts: list[Part] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            texts.append(str(part.get("text", "")))
        elif kind == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            if not isinstance(url, str) or not url:
                raise ApiError(400, "invalid_request", "an image_url part needs a url")
            parts.append(_image(url))
        else:
            raise ApiError(400, "invalid_request", f"content parts of type {kind!r} are not taken")
    return Message(role="user", content="\n".join(texts), parts=parts)


def _image(url: str) -> ImagePart:
    if not url.startswith("data:"):
        return ImagePart(url=url)
    header, _, payload = url[5:].partition(",")
    mime, _, encoding = header.partition(";")
    if encoding != "base64":
        raise ApiError(400, "invalid_request", "a data: image URL must be base64")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "invalid_request", "a data: image URL holds no valid base64") from None
    return ImagePart(data=data, mime_type=mime or "image/png")


def text_of(entry: dict[str, object]) -> str:
    """The text of an earlier message (its text parts joined); images are left out."""
    content = entry.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(p.get("text", ""))
            for p in content
            if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""
