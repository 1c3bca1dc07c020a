"""The model protocol: a streaming request in, text, reasoning and tool-call chunks out."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from threadline.core.errors import ThreadlineError
from threadline.core.events import Usage


class GenerationConfig(BaseModel):
    """Sampling parameters; None means "the server's default"."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: list[str] | None = None
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None

    def merged(self, override: GenerationConfig | None) -> GenerationConfig:
        """This config with every field that ``override`` sets replaced."""
        if override is None:
            return self
        return self.model_copy(update=override.model_dump(exclude_none=True))

    def as_params(self) -> dict[str, Any]:
        """The fields that are set, as request parameters."""
        return self.model_dump(exclude_none=True)


class ModelRequest(BaseModel):
    """Exactly what one model call sends; the inspector shows it as is."""

    model: str = ""
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] = []
    params: dict[str, Any] = {}
    response_format: dict[str, Any] | None = None
    parallel_tool_calls: bool = True


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


ModelChunk = TextChunk | ReasoningChunk | ToolCallChunk | UsageChunk


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

        Raises ``ModelError`` on failure.
        """
        ...
