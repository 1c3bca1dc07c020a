"""What an OpenAI-compatible server's replies become: reasoning fields, a leading ``<think>``
block, and a whole (non-streamed) completion turned into the chunks a stream would give."""

from __future__ import annotations

from typing import Any

from threadline.core.events import Usage
from threadline.core.text import valid_text
from threadline.runner.models import (
    ModelChunk,
    ModelError,
    ReasoningChunk,
    TextChunk,
    ToolCallChunk,
    UsageChunk,
)

# Fields that carry reasoning, by preference: DeepSeek, vLLM, llama.cpp and LM Studio send
# ``reasoning_content``; Ollama, OpenRouter and newer vLLM send ``reasoning``.
REASONING_FIELDS = ("reasoning_content", "reasoning")
THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"


def completion_chunks(completion: Any) -> list[ModelChunk]:
    """The chunks of a whole ``ChatCompletion`` (``stream=False``), in a stream's order:
    reasoning, text, tool calls, usage.

    Raises ``ModelError("server_error")`` when the response holds no choice at all.
    """
    if not completion.choices:
        raise ModelError("server_error", "The model server answered without a reply (no choices).")
    message = completion.choices[0].message
    chunks: list[ModelChunk] = []
    reasoning = reasoning_of(message)
    if reasoning:
        chunks.append(ReasoningChunk(valid_text(reasoning)))
    if message.content:
        think = ThinkSplitter()
        chunks += think.feed(valid_text(message.content))
        chunks += think.close()
    for index, call in enumerate(message.tool_calls or ()):
        fn = getattr(call, "function", None)  # a "custom" tool call has none
        chunks.append(
            ToolCallChunk(
                index=index,
                id=call.id,
                name=fn.name if fn is not None else None,
                arguments=valid_text(fn.arguments or "") if fn is not None else "",
            )
        )
    if completion.usage is not None:
        chunks.append(UsageChunk(usage_of(completion.usage)))
    return chunks


def usage_of(usage: Any) -> Usage:
    """Our ``Usage`` for one request from the SDK's ``CompletionUsage``."""
    return Usage(
        prompt_tokens=usage.prompt_tokens or 0,
        completion_tokens=usage.completion_tokens or 0,
        total_tokens=usage.total_tokens or 0,
        requests=1,
    )


def reasoning_of(delta: Any) -> str:
    """The reasoning text a stream delta or a whole message carries (a field the SDK keeps
    as an extra)."""
    extra = getattr(delta, "model_extra", None) or {}
    # Declared fields sit in the model's __dict__: asking getattr for a field the SDK does
    # not declare raises inside pydantic, ~4 µs a chunk, most of this function's cost.
    declared = getattr(delta, "__dict__", None)
    for name in REASONING_FIELDS:
        value = extra.get(name)
        if value is None:  # an SDK that declares the field
            value = declared.get(name) if declared is not None else getattr(delta, name, None)
        if isinstance(value, str) and value:
            return value  # servers sending both fields send the same text in each
    return ""


class ThinkSplitter:
    """Splits reply text streamed in pieces into a leading ``<think>`` block and the reply.

    ``feed`` takes each piece of text and returns the chunks that are certain so far (a piece
    that may still be part of a tag is held back); ``close`` returns the rest at the end.
    Whitespace before ``<think>`` and between ``</think>`` and the reply is dropped. Text that
    does not open with ``<think>`` passes unchanged; a block never closed is all reasoning.
    """

    __slots__ = ("_held", "_state")

    def __init__(self) -> None:
        self._state = "start"  # start -> think -> after -> text, or start -> text
        self._held = ""

    def feed(self, text: str) -> list[TextChunk | ReasoningChunk]:
        """The chunks ``text`` completes."""
        if self._state == "text":
            return [TextChunk(text)]
        out: list[TextChunk | ReasoningChunk] = []
        held = self._held + text
        self._held = ""
        if self._state == "start":
            lead = held.lstrip()
            if len(lead) < len(THINK_OPEN) and THINK_OPEN.startswith(lead):
                self._held = held  # "", whitespace or the start of the tag: wait and see
                return out
            if not lead.startswith(THINK_OPEN):
                self._state = "text"
                return [TextChunk(held)]
            self._state = "think"
            held = lead[len(THINK_OPEN) :].lstrip()
        if self._state == "think":
            end = held.find(THINK_CLOSE)
            if end < 0:
                keep = _tag_prefix_at_end(held, THINK_CLOSE)
                self._held = held[len(held) - keep :] if keep else ""
                reasoning = held[: len(held) - keep]
                if reasoning:
                    out.append(ReasoningChunk(reasoning))
                return out
            if held[:end]:
                out.append(ReasoningChunk(held[:end]))
            self._state = "after"
            held = held[end + len(THINK_CLOSE) :]
        answer = held.lstrip()  # state "after": the reply starts at its first visible text
        if answer:
            self._state = "text"
            out.append(TextChunk(answer))
        return out

    def close(self) -> list[TextChunk | ReasoningChunk]:
        """What is still held back when the stream ends."""
        held, self._held = self._held, ""
        if not held:
            return []
        if self._state == "think":  # never closed: what looked like a tag was reasoning
            return [ReasoningChunk(held)]
        return [TextChunk(held)]  # "start": only whitespace or a piece of "<think>" came


def _tag_prefix_at_end(text: str, tag: str) -> int:
    """How many characters at the end of ``text`` could begin ``tag``."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0
