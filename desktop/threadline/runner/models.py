"""The model protocol: a streaming request in, text, reasoning and tool-call chunks out."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from threadline.core.errors import ThreadlineError
from threadline.core.events import Usage


class GenerationConfig(BaseModel):
    """Sampling parameters; None means "the server's default".

    ``stream=False`` asks for the whole reply in one response instead of a stream (some
    servers only support tools that way): the agent then yields it as one non-partial event,
    with no text deltas before it.
    """

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: list[str] | None = None
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    stream: bool = True

    def merged(self, override: GenerationConfig | None) -> GenerationConfig:
        """This config with every field that ``override`` sets replaced.

        Only fields given explicitly count: an override made as ``GenerationConfig(seed=1)``
        leaves the agent's ``stream=False`` alone.
        """
        if override is None:
            return self
        return self.model_copy(update=override.model_dump(exclude_none=True, exclude_unset=True))

    def as_params(self) -> dict[str, Any]:
        """The sampling fields that are set, as request parameters (``stream`` is not one:
        it chooses how the request is sent, ``ModelRequest.stream``)."""
        return self.model_dump(exclude_none=True, exclude={"stream"})


class ModelRequest(BaseModel):
    """Exactly what one model call sends; the inspector shows it as is."""

    model: str = ""
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] = []
    params: dict[str, Any] = {}
    response_format: dict[str, Any] | None = None
    parallel_tool_calls: bool = True
    # False: one complete response instead of a stream (GenerationConfig.stream).
    stream: bool = True


@dataclass(slots=True)
class TextChunk:
    """A piece of reply text."""

    text: str


@dataclass(slots=True)
class ReasoningChunk:
    """A piece of the model's reasoning (``reasoning_content`` / ``reasoning`` deltas, or the
    text of a leading ``<think>`` block): kept with the reply, never part of its text."""

    text: str


@dataclass(slots=True)
class ToolCallChunk:
    """A piece of a tool call; ``index`` ties the pieces of one call together."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass(slots=True)
class UsageChunk:
    """Token usage for the whole reply (the last chunk of an OpenAI stream)."""

    usage: Usage


@dataclass(slots=True)
class RetryChunk:
    """The request failed and will be sent again in ``delay`` seconds (attempt ``attempt``,
    counted from 1); ``code`` and ``message`` say why (``ModelError`` codes). Comes before any
    other chunk: a stream already under way is never retried."""

    attempt: int
    delay: float
    code: str
    message: str


ModelChunk = TextChunk | ReasoningChunk | ToolCallChunk | UsageChunk | RetryChunk


class ModelError(ThreadlineError):
    """A model call failed; ``code`` (set per instance) is stable, the message is for a person.

    Codes: ``auth``, ``rate_limited``, ``server_error``, ``bad_request``, ``not_found``,
    ``network``, ``timeout``, ``stream_cut``.
    """

    def __init__(self, code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@runtime_checkable
class Model(Protocol):
    """Anything that can stream a reply for a ``ModelRequest``."""

    name: str

    def stream(self, request: ModelRequest) -> AsyncGenerator[ModelChunk, None]:
        """Streams the reply (an async generator, so it can be closed early).

        With ``request.stream`` false a model may send one request for the whole reply and
        yield its chunks at once; a model that can only stream may ignore it (the agent shows
        no deltas either way). Raises ``ModelError`` on failure.
        """
        ...
