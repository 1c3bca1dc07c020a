"""``GenerationConfig(stream=False)`` (SPEC §1.6; seeds 000/001 ``Stream: false``, seed 003
``StreamingMode::None``): one non-streaming request, the reply as one non-partial event.

Through the real ``openai`` client against the scripted server, which answers a request with
``"stream": false`` with one ``chat.completion`` body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio

from tests.scripted_server import Reply, ScriptedServer, calls, text
from threadline.runner import (
    Event,
    EventTag,
    GenerationConfig,
    LLMAgent,
    OpenAIChatModel,
    RunConfig,
    Runner,
    function_tool,
)
from threadline.sessions import InMemorySessionService

pytestmark = pytest.mark.asyncio

WHOLE = GenerationConfig(stream=False)


@pytest_asyncio.fixture
async def make_model(server: ScriptedServer) -> AsyncIterator[Callable[..., OpenAIChatModel]]:
    """Models on the scripted server (fast retries), closed afterwards."""
    made: list[OpenAIChatModel] = []

    def build(**kwargs: Any) -> OpenAIChatModel:
        options: dict[str, Any] = {"backoff": 0.01, **kwargs}
        model = OpenAIChatModel("scripted-large", base_url=server.base_url, **options)
        made.append(model)
        return model

    yield build
    for model in made:
        await model.aclose()


@function_tool
def multiply(a: float, b: float) -> float:
    """Multiplies two numbers."""
    return a * b


async def events_of(runner: Runner, message: str = "hi") -> list[Event]:
    return [event async for event in runner.run("u", "s", message)]


def text_deltas(events: list[Event]) -> list[Event]:
    """Partial events that carry reply text or reasoning (tool.start markers do not)."""
    return [e for e in events if e.partial and (e.delta or e.reasoning_delta)]


async def test_stream_false_sends_one_plain_request_and_yields_one_reply_event(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    server.script(text("Hel", "lo ", "wörld 🌍"))
    service = InMemorySessionService()
    agent = LLMAgent("helper", model=make_model(), generation=WHOLE)
    events = await events_of(Runner("app", agent, session_service=service))
    assert text_deltas(events) == []
    replies = [e for e in events if e.tag == EventTag.MODEL_REPLY]
    assert len(replies) == 1 and replies[0].is_final_response()
    assert replies[0].message is not None and replies[0].message.content == "Hello wörld 🌍"
    assert replies[0].usage is not None and replies[0].usage.total_tokens == 12
    assert replies[0].metadata["request"]["stream"] is False
    sent = server.requests[0]
    assert sent["stream"] is False and "stream_options" not in sent
    saved = await service.get_session("app", "u", "s")
    assert saved is not None and saved.events[-1].id == replies[0].id


async def test_tool_calls_run_the_same_without_streaming(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    server.script(calls(("multiply", ['{"a": 6', ', "b": 7}'])), text("42"))
    agent = LLMAgent("helper", model=make_model(), tools=[multiply], generation=WHOLE)
    runner = Runner("app", agent)
    events = await events_of(runner, "6*7?")
    assert text_deltas(events) == []
    asked = next(e for e in events if e.tag == EventTag.MODEL_REPLY)
    assert asked.message is not None
    assert [(c.name, c.arguments) for c in asked.message.tool_calls] == [
        ("multiply", '{"a": 6, "b": 7}')
    ]
    result = next(e for e in events if e.tag == EventTag.TOOL_RESULT)
    assert result.message is not None and result.message.content == "42.0"
    assert [r["stream"] for r in server.requests] == [False, False]
    tool_messages = [m for m in server.requests[1]["messages"] if m["role"] == "tool"]
    assert tool_messages == [
        {"role": "tool", "tool_call_id": asked.message.tool_calls[0].id, "content": "42.0"}
    ]
    final = [e for e in events if e.is_final_response()]
    assert final[0].message is not None and final[0].message.content == "42"


async def test_reasoning_field_and_think_block_are_kept_apart_from_the_reply(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    server.script(
        Reply(text=["42"], reasoning=["6*7 ", "is 42"], reasoning_as=("reasoning",)),
        text("<think>checking</think>\n\nStill 42"),
    )
    agent = LLMAgent("helper", model=make_model(), generation=WHOLE)
    runner = Runner("app", agent)
    first = await runner.run_to_end("u", "s", "6*7?")
    second = await runner.run_to_end("u", "s", "sure?")
    replies = [
        e.message for r in (first, second) for e in r.events if e.tag == EventTag.MODEL_REPLY
    ]
    assert [(m.content, m.reasoning) for m in replies if m is not None] == [
        ("42", "6*7 is 42"),
        ("Still 42", "checking"),
    ]
    # Reasoning is never sent back.
    assert all("reasoning" not in m for m in server.requests[1]["messages"])


async def test_errors_are_error_events_as_with_streaming(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    server.script(Reply(status=401), *[Reply(status=500)] * 2)
    runner = Runner("app", LLMAgent("helper", model=make_model(max_retries=1), generation=WHOLE))
    refused = await runner.run_to_end("u", "s", "hi")
    assert refused.error is not None and refused.error.code == "auth"
    failing = await runner.run_to_end("u", "s2", "hi")
    assert failing.error is not None and failing.error.code == "server_error"
    assert len(server.requests) == 3  # 401 is not retried; 500 once


async def test_a_cut_response_body_is_retried_since_nothing_was_shown(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    server.script(Reply(text=["whole reply"], cut_after=40), text("whole reply"))
    agent = LLMAgent("helper", model=make_model(), generation=WHOLE)
    result = await Runner("app", agent).run_to_end("u", "s", "hi")
    assert result.error is None and result.final_output == "whole reply"
    assert len(server.requests) == 2
    interrupted = [e for e in result.events if e.message is not None and e.message.interrupted]
    assert interrupted == []


async def test_a_response_cut_every_time_ends_in_an_error_and_saves_no_text(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    server.default(lambda body: Reply(text=["never whole"], cut_after=40))
    service = InMemorySessionService()
    agent = LLMAgent("helper", model=make_model(max_retries=1), generation=WHOLE)
    result = await Runner("app", agent, session_service=service).run_to_end("u", "s", "hi")
    assert result.error is not None and result.error.code == "network"
    saved = await service.get_session("app", "u", "s")
    assert saved is not None
    assert [e.message.role for e in saved.events if e.message is not None] == ["user"]


async def test_run_config_can_switch_streaming_off_and_other_overrides_keep_it_off(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    model = make_model()
    streaming = Runner("app", LLMAgent("helper", model=model))
    off = RunConfig(generation=GenerationConfig(stream=False, temperature=0.2))
    events = [e async for e in streaming.run("u", "s", "hi", run_config=off)]
    assert text_deltas(events) == []
    whole = Runner("app", LLMAgent("helper", model=model, generation=WHOLE))
    seeded = RunConfig(generation=GenerationConfig(seed=3))
    await whole.run_to_end("u", "s", "hi", run_config=seeded)
    on = RunConfig(generation=GenerationConfig(stream=True))
    events = [e async for e in whole.run("u", "s", "hi", run_config=on)]
    assert [e.delta for e in text_deltas(events)] == ["OK"]
    assert [(r["stream"], r.get("temperature"), r.get("seed")) for r in server.requests] == [
        (False, 0.2, None),
        (False, None, 3),
        (True, None, None),
    ]
