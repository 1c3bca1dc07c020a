"""One model call of an LLM agent: a stream of chunks in, partial deltas and one ``model.reply``
event out.

Apart from ``llm_agent.py`` because assembling a streamed reply (text, reasoning, tool call
pieces, usage, the timings the chat shows) is its own job; the agent's loop only decides what
to ask and what to do with the reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from threadline.core.events import DeltaFactory, Event, EventTag, Message, ToolCall, Usage, new_id
from threadline.runner.callbacks import call_hook
from threadline.runner.models import (
    ModelRequest,
    ReasoningChunk,
    RetryChunk,
    TextChunk,
    ToolCallChunk,
    UsageChunk,
)
from threadline.runner.tracing import span

if TYPE_CHECKING:
    from threadline.runner.context import InvocationContext
    from threadline.runner.llm_agent import LLMAgent

YIELD_EVERY_S = 0.005


async def ask_model(
    agent: LLMAgent, ctx: InvocationContext, request: ModelRequest, meta: dict[str, Any]
) -> AsyncIterator[Event]:
    """Streams one model call: text and reasoning deltas as partial events (when the request
    streams), then the ``model.reply`` event with the assembled message, usage and timings.

    ``before_model`` may stand in for the call and ``after_model`` replace its message.
    """
    started = time.perf_counter()
    early = await call_hook(agent.callbacks.before_model, ctx, agent, request)
    if early is not None:
        message = (
            early if isinstance(early, Message) else Message(role="assistant", content=str(early))
        )
        yield reply_event(agent, ctx, message, None, request, meta, started)
        return
    texts: list[str] = []
    reasoning: list[str] = []
    # When the reasoning began and when the answer (text or a tool call) began after it.
    thinking_from: float | None = None
    answer_from: float | None = None
    first_from: float | None = None
    asked_from = started  # when the request that answered was sent (after any retry's wait)
    retries = 0
    calls: dict[int, dict[str, str]] = {}
    usage: Usage | None = None
    make_delta = DeltaFactory(invocation_id=ctx.invocation_id, author=agent.name, branch=agent.path)
    clock = time.perf_counter
    last_yield = clock()
    # Without streaming the reply is one event: no deltas, even from a model that streams.
    is_streaming = request.stream
    # aclosing: a cancelled run closes the stream here, in this task, not in a finalizer.
    stream = contextlib.aclosing(agent.model.stream(request))
    with span("model.call", agent=agent.name, model=agent.model.name):
        async with stream as chunks:
            async for chunk in chunks:
                # One network read can hold hundreds of chunks, which an async iterator hands
                # over without ever waiting; give the loop (a GUI, other sessions) a turn.
                if clock() - last_yield > YIELD_EVERY_S:
                    await asyncio.sleep(0)
                    last_yield = clock()
                kind = type(chunk)
                if first_from is None and kind is not UsageChunk and kind is not RetryChunk:
                    first_from = clock()  # time to first token: text, thought or call
                if kind is TextChunk:
                    assert isinstance(chunk, TextChunk)
                    texts.append(chunk.text)
                    if answer_from is None and thinking_from and chunk.text.strip():
                        answer_from = clock()
                    if is_streaming:
                        yield make_delta(chunk.text)
                elif kind is ReasoningChunk:
                    assert isinstance(chunk, ReasoningChunk)
                    if thinking_from is None:
                        thinking_from = clock()
                    reasoning.append(chunk.text)
                    if is_streaming:
                        yield make_delta.reasoning(chunk.text)
                elif kind is ToolCallChunk:
                    assert isinstance(chunk, ToolCallChunk)
                    if thinking_from is not None and answer_from is None:
                        answer_from = clock()
                    slot = calls.setdefault(chunk.index, {"id": "", "name": "", "arguments": ""})
                    slot["id"] = chunk.id or slot["id"]
                    slot["name"] = chunk.name or slot["name"]
                    slot["arguments"] += chunk.arguments
                elif kind is UsageChunk:
                    assert isinstance(chunk, UsageChunk)
                    usage = chunk.usage
                elif kind is RetryChunk:
                    assert isinstance(chunk, RetryChunk)
                    retries = chunk.attempt
                    asked_from = clock() + chunk.delay  # the model waits, then asks again
                    yield retry_event(agent, ctx, chunk)
    tool_calls = [
        ToolCall(
            id=c["id"] or f"call_{new_id()[:12]}",
            name=c["name"],
            arguments=c["arguments"] or "{}",
        )
        for _, c in sorted(calls.items())
    ]
    message = Message(
        role="assistant",
        content="".join(texts),
        reasoning="".join(reasoning).strip() or None,
        tool_calls=tool_calls,
    )
    if thinking_from is not None:
        # "Thought for 12 s": from the first reasoning to the answer (or the stream's end).
        thought = (answer_from or clock()) - thinking_from
        meta = {**meta, "reasoning_ms": round(thought * 1000, 3)}
    if first_from is not None:
        # Per reply: time to first token, and the streaming rate after it (tokens/s).
        # Counted from the request that answered: a retry's wait is not the model's slowness.
        meta = {
            **meta,
            "first_token_ms": round((first_from - asked_from) * 1000, 3),
            "generating_ms": round((clock() - first_from) * 1000, 3),
        }
    if retries:
        meta = {**meta, "retries": retries}
    replaced = await call_hook(agent.callbacks.after_model, ctx, agent, request, message)
    if isinstance(replaced, Message):
        message = replaced
    elif isinstance(replaced, str):  # new text; the tool calls stay
        message = message.model_copy(update={"content": replaced})
    yield reply_event(agent, ctx, message, usage, request, meta, started)


def retry_event(agent: LLMAgent, ctx: InvocationContext, chunk: RetryChunk) -> Event:
    """A partial ``model.retry`` event: the call failed (``code``, ``message``) and is sent
    again after ``delay_s`` seconds (``attempt`` from 1). Never stored."""
    return Event(
        invocation_id=ctx.invocation_id,
        author=agent.name,
        branch=agent.path,
        partial=True,
        tag=EventTag.MODEL_RETRY,
        metadata={
            "attempt": chunk.attempt,
            "delay_s": chunk.delay,
            "code": chunk.code,
            "message": chunk.message,
        },
    )


def reply_event(
    agent: LLMAgent,
    ctx: InvocationContext,
    message: Message,
    usage: Usage | None,
    request: ModelRequest,
    meta: dict[str, Any],
    started: float,
) -> Event:
    """The ``model.reply`` event: the message, usage, the request as sent (without its
    messages) and latency; the run's usage total grows by ``usage``."""
    ctx.usage.add(usage)
    latency = time.perf_counter() - started
    latency_ms = round(latency * 1000, 3)
    # The request is stored without its messages: "history" says which stored events they
    # came from (runner.history.rebuild_messages redoes them exactly), so a long
    # conversation does not store its whole past again with every reply.
    return Event(
        invocation_id=ctx.invocation_id,
        author=agent.name,
        branch=agent.path,
        message=message,
        usage=usage,
        tag=EventTag.MODEL_REPLY,
        metadata={
            **meta,
            "request": request.model_dump(exclude={"messages"}),
            "latency_ms": latency_ms,
            "started_at": time.time() - latency,  # wall clock, for RunResult.steps
        },
    )
