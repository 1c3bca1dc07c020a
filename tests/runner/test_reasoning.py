"""Reasoning (SPEC §1.2 ``Message.reasoning``, ``reasoning_delta``; issue 12).

Through the real ``openai`` client against the scripted HTTP server: ``reasoning_content`` and
``reasoning`` deltas, and a leading ``<think>…</think>`` block split anywhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.scripted_server import Reply, ScriptedServer, text
from threadline.runner import (
    Event,
    EventTag,
    LLMAgent,
    OpenAIChatModel,
    ReasoningChunk,
    Runner,
    ScriptedModel,
    ScriptedReply,
    TextChunk,
    function_tool,
)
from threadline.runner.openai_model import ThinkSplitter
from threadline.sessions import InMemorySessionService, SQLiteSessionService

pytestmark = pytest.mark.asyncio

THOUGHT = "The user asks 6*7. That is 42."


@function_tool
def multiply(a: float, b: float) -> float:
    """Multiplies two numbers."""
    return a * b


async def _run(runner: Runner, prompt: str = "6*7?", session: str = "s") -> list[Event]:
    return [event async for event in runner.run("u", session, prompt)]


def _reasoning_deltas(events: list[Event]) -> list[str]:
    return [e.reasoning_delta for e in events if e.partial and e.tag == EventTag.REASONING]


def _text_deltas(events: list[Event]) -> list[str]:
    # How the window's bridge reads text deltas: partial events without a tag.
    return [e.delta for e in events if e.partial and not e.tag]


def _reply(events: list[Event]) -> Event:
    replies = [e for e in events if e.tag == EventTag.MODEL_REPLY]
    assert len(replies) == 1
    return replies[0]


@pytest.mark.parametrize(
    "fields",
    [("reasoning_content",), ("reasoning",), ("reasoning_content", "reasoning")],
    ids=["reasoning_content", "reasoning", "both"],
)
async def test_reasoning_deltas_stream_apart_and_are_saved_with_the_reply(
    server: ScriptedServer, model: OpenAIChatModel, tmp_path: Path, fields: tuple[str, ...]
) -> None:
    pieces = ["The user asks ", "6*7. ", "That is 42."]
    server.script(Reply(reasoning=pieces, reasoning_as=fields, text=["4", "2"], delay=0.03))
    service = SQLiteSessionService(tmp_path / "t.db")
    try:
        events = await _run(Runner("app", LLMAgent("helper", model=model), session_service=service))
        assert _reasoning_deltas(events) == pieces  # each once, also when both fields came
        assert _text_deltas(events) == ["4", "2"]
        for event in events:
            if event.tag == EventTag.REASONING:
                assert event.partial and event.delta == "" and event.text == ""
                assert event.author == "helper" and event.invocation_id
        reply = _reply(events)
        assert reply.message is not None and reply.is_final_response()
        assert reply.message.content == "42"
        assert reply.message.reasoning == THOUGHT
        # From the first reasoning delta to the first answer delta: two chunk delays at least.
        reasoning_ms = reply.metadata["reasoning_ms"]
        assert 50 <= reasoning_ms < 5000
        assert not any(e.error for e in events)
        stored = await service.get_session("app", "u", "s")
        assert stored is not None
        saved = [e for e in stored.events if e.tag == EventTag.MODEL_REPLY]
        assert saved[0].message is not None and saved[0].message.reasoning == THOUGHT
        assert saved[0].metadata["reasoning_ms"] == reasoning_ms
        assert not any(e.tag == EventTag.REASONING for e in stored.events)  # partial: unsaved
    finally:
        await service.aclose()


async def test_a_reply_without_reasoning_has_none(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    server.script(text("plain"))
    events = await _run(Runner("app", LLMAgent("helper", model=model)))
    reply = _reply(events)
    assert reply.message is not None and reply.message.reasoning is None
    assert "reasoning_ms" not in reply.metadata
    assert not _reasoning_deltas(events)


THINK_SPLITS = {
    "whole": ["<think>The user asks 6*7. That is 42.</think>\n\n42"],
    "tags_split": ["<thi", "nk>The user asks ", "6*7. That is 42.</thi", "nk>", "\n\n4", "2"],
    "lone_angle": ["<", "think", ">", "The user asks 6*7. That is 42.", "<", "/", "think>42"],
    "leading_newline": ["\n<think>\n", "The user asks 6*7. That is 42.\n", "</think>", "42"],
    "answer_in_close_chunk": ["<think>The user asks 6*7. That is 42.</think>42"],
    "one_char_each": list("<think>The user asks 6*7. That is 42.</think>\n42"),
}


@pytest.mark.parametrize("pieces", list(THINK_SPLITS.values()), ids=list(THINK_SPLITS))
async def test_a_leading_think_block_is_reasoning_however_it_is_split(
    server: ScriptedServer, model: OpenAIChatModel, pieces: list[str]
) -> None:
    server.script(text(*pieces))
    events = await _run(Runner("app", LLMAgent("helper", model=model)))
    reply = _reply(events)
    assert reply.message is not None
    assert reply.message.content == "42"
    assert reply.message.reasoning == THOUGHT
    assert "".join(_text_deltas(events)) == "42"
    assert "".join(_reasoning_deltas(events)).strip() == THOUGHT
    assert "reasoning_ms" in reply.metadata
    assert not any(e.error for e in events)


@pytest.mark.parametrize(
    "pieces",
    [
        ["<thing> is not a tag"],
        ["<", "b>bold</b>"],
        ["<thi", "s is text"],
        ["Sure: <think>tags later are text</think>"],
        ["<thin"],
    ],
)
async def test_text_that_does_not_open_with_think_is_left_alone(
    server: ScriptedServer, model: OpenAIChatModel, pieces: list[str]
) -> None:
    server.script(text(*pieces))
    events = await _run(Runner("app", LLMAgent("helper", model=model)))
    reply = _reply(events)
    assert reply.message is not None
    assert reply.message.content == "".join(pieces)
    assert "".join(_text_deltas(events)) == "".join(pieces)
    assert reply.message.reasoning is None and not _reasoning_deltas(events)


async def test_an_unclosed_think_block_keeps_its_reasoning_and_says_the_reply_is_empty(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    server.script(text("<think>", "Hmm, 6*7", " is 42 </thi"))
    events = await _run(Runner("app", LLMAgent("helper", model=model)))
    reply = _reply(events)
    assert reply.message is not None
    assert reply.message.content == ""
    assert reply.message.reasoning == "Hmm, 6*7 is 42 </thi"  # a tag never finished is text
    assert reply.metadata["reasoning_ms"] >= 0
    assert not _text_deltas(events)
    errors = [e for e in events if e.error is not None]
    assert [e.error.code for e in errors if e.error] == ["empty_reply"]


async def test_reasoning_is_never_sent_back_to_the_model(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    server.script(
        Reply(
            reasoning=["I should call ", "multiply."],
            tool_calls=[("multiply", ['{"a": 6, "b": 7}'])],
        ),
        Reply(reasoning=["The tool said 42."], text=["42"]),
        text("<think>Private tag thoughts.</think>", "Noted."),
        text("ok"),
    )
    service = InMemorySessionService()
    runner = Runner(
        "app", LLMAgent("helper", model=model, tools=[multiply]), session_service=service
    )
    first = await _run(runner)
    replies = [e for e in first if e.tag == EventTag.MODEL_REPLY]
    assert [r.message.reasoning for r in replies if r.message] == [
        "I should call multiply.",
        "The tool said 42.",
    ]
    call_reply = replies[0]
    assert call_reply.message is not None and call_reply.message.tool_calls
    assert "reasoning_ms" in call_reply.metadata  # the tool call is the answer
    await _run(runner, "remember this")
    await _run(runner, "and now?")
    assert len(server.requests) == 4
    for body in server.requests[1:]:
        sent = json.dumps(body["messages"])
        for secret in ("I should call", "The tool said", "Private tag thoughts", "<think>"):
            assert secret not in sent
        for message in body["messages"]:
            assert set(message) <= {"role", "content", "tool_calls", "tool_call_id", "name"}
    last = server.requests[3]["messages"]
    assert {"role": "assistant", "content": "Noted."} in last
    assert {"role": "assistant", "content": "42"} in last


async def test_a_stop_while_thinking_keeps_the_reasoning(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    # role chunk + two reasoning chunks, then the connection is cut mid-reply.
    server.script(Reply(reasoning=["Let me see. ", "First, ", "never said"], cut_after=3))
    service = InMemorySessionService()
    events = await _run(Runner("app", LLMAgent("helper", model=model), session_service=service))
    assert _reasoning_deltas(events) == ["Let me see. ", "First, "]
    assert [e.error.code for e in events if e.error] == ["stream_cut"]
    stored = await service.get_session("app", "u", "s")
    assert stored is not None
    kept = [e for e in stored.events if e.tag == EventTag.INTERRUPTED]
    assert len(kept) == 1 and kept[0].message is not None
    assert kept[0].message.reasoning == "Let me see. First,"
    assert kept[0].message.content == "" and kept[0].message.interrupted


async def test_reasoning_events_round_trip_and_old_json_still_reads() -> None:
    event = Event(
        invocation_id="i", author="a", partial=True, tag=EventTag.REASONING, reasoning_delta="hm"
    )
    assert Event.model_validate_json(event.model_dump_json()) == event
    old = '{"invocation_id": "i", "author": "a", "partial": true, "delta": "x"}'
    assert Event.model_validate_json(old).reasoning_delta == ""


async def test_scripted_model_streams_reasoning() -> None:
    reply = ScriptedReply(text="42", reasoning=["six times ", "seven"])
    events = await _run(Runner("app", LLMAgent("helper", model=ScriptedModel([reply]))))
    assert _reasoning_deltas(events) == ["six times ", "seven"]
    message = _reply(events).message
    assert message is not None and message.reasoning == "six times seven"
    assert message.content == "42"


async def test_think_splitter_holds_back_only_what_may_be_a_tag() -> None:
    splitter = ThinkSplitter()
    assert splitter.feed("  ") == []
    assert splitter.feed("<think>abc</") == [ReasoningChunk("abc")]
    assert splitter.feed("x") == [ReasoningChunk("</x")]
    assert splitter.feed("</think>  ") == []
    assert splitter.feed(" answer") == [TextChunk("answer")]
    assert splitter.feed(" more") == [TextChunk(" more")]
    assert splitter.close() == []
    assert ThinkSplitter().feed("hello") == [TextChunk("hello")]
    whitespace = ThinkSplitter()
    assert whitespace.feed("\n") == []
    assert whitespace.close() == [TextChunk("\n")]
