"""``ScriptedModel``: an in-process ``Model`` that replays scripted replies, no network."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass, field

from threadline.core.events import Usage
from threadline.runner.models import (
    ModelChunk,
    ModelRequest,
    ReasoningChunk,
    TextChunk,
    ToolCallChunk,
    UsageChunk,
)


@dataclass
class ScriptedReply:
    """One reply: its text (a string is one chunk; a sequence streams piece by piece), the
    tool calls it asks for, and the usage it reports; ``reasoning`` (a string or pieces)
    streams before the text as reasoning chunks."""

    text: str | Sequence[str] = ""
    tool_calls: Sequence[tuple[str, str]] = ()  # (name, arguments JSON)
    usage: Usage = field(default_factory=lambda: Usage(total_tokens=1, requests=1))
    reasoning: str | Sequence[str] = ""


class ScriptedModel:
    """Replays replies in order (the last one repeats) and records every request it gets.

    ``replies`` is a list (a string stands for a text-only reply) or a function that picks the
    reply for each request. Used by tests, benchmarks, examples and the app's placeholder model
    before a provider is set.
    """

    def __init__(
        self,
        replies: Sequence[ScriptedReply | str] | Callable[[ModelRequest], ScriptedReply],
        *,
        name: str = "scripted",
    ) -> None:
        self.name = name
        self._script = replies
        self.requests: list[ModelRequest] = []

    async def stream(self, request: ModelRequest) -> AsyncGenerator[ModelChunk, None]:
        """Streams the next reply: its reasoning and text chunks, its tool calls, its usage."""
        self.requests.append(request)
        reply = self._next(request)
        thoughts = [reply.reasoning] if isinstance(reply.reasoning, str) else reply.reasoning
        for thought in thoughts:
            if thought:
                yield ReasoningChunk(thought)
        pieces = [reply.text] if isinstance(reply.text, str) else list(reply.text)
        for piece in pieces:
            if piece:
                yield TextChunk(piece)
        for index, (name, arguments) in enumerate(reply.tool_calls):
            yield ToolCallChunk(
                index=index, id=f"call_{len(self.requests)}_{index}", name=name, arguments=arguments
            )
        yield UsageChunk(reply.usage)

    def _next(self, request: ModelRequest) -> ScriptedReply:
        if callable(self._script):
            return self._script(request)
        index = min(len(self.requests) - 1, len(self._script) - 1)
        reply = self._script[index]
        return ScriptedReply(text=reply) if isinstance(reply, str) else reply
