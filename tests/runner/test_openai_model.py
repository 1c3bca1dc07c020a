"""The runner against a real HTTP server through the real openai client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio

from tests.scripted_server import Reply, ScriptedServer, calls, text
from threadline.runner import (
    LLMAgent,
    OpenAIChatModel,
    RunConfig,
    Runner,
    function_tool,
)
from threadline.sessions import InMemorySessionService

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def make_model(server: ScriptedServer) -> AsyncIterator[Callable[..., OpenAIChatModel]]:
    """Builds models on the scripted server and closes their connections afterwards."""
    made: list[OpenAIChatModel] = []

    def build(**kwargs: Any) -> OpenAIChatModel:
        model = OpenAIChatModel(
            "scripted-large", base_url=server.base_url, api_key="sk-test", **kwargs
        )
        made.append(model)
        return model

    yield build
    for model in made:
        await model.aclose()


@function_tool
def multiply(a: float, b: float) -> float:
    """Multiplies two numbers.

    Args:
        a: the first factor
        b: the second factor
    """
    return a * b


async def test_streams_text_and_records_usage(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    server.script(text("Hel", "lo ", "wörld 🌍"))
    runner = Runner("app", LLMAgent("helper", model=make_model(), instruction="Be brief."))
    deltas: list[str] = []
    events = []
    async for event in runner.run("u", "s", "hi"):
        events.append(event)
        if event.partial:
            deltas.append(event.delta)
    assert deltas == ["Hel", "lo ", "wörld 🌍"]
    final = [e for e in events if e.is_final_response()]
    assert final[0].message is not None and final[0].message.content == "Hello wörld 🌍"
    assert final[0].usage is not None and final[0].usage.total_tokens == 12
    assert events[-1].done and sum(e.done for e in events) == 1
    sent = server.requests[0]
    assert sent["messages"][0] == {"role": "system", "content": "Be brief."}
    assert sent["messages"][-1] == {"role": "user", "content": "hi"}
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}


async def test_tool_call_arguments_split_across_chunks(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    server.script(calls(("multiply", ['{"a": 6', ', "b"', ": 7}"])), text("42"))
    agent = LLMAgent("helper", model=make_model(), tools=[multiply])
    result = await Runner("app", agent).run_to_end("u", "s", "6*7?")
    assert result.final_output == "42"
    tool_msgs = [m for m in server.requests[1]["messages"] if m["role"] == "tool"]
    assert tool_msgs[0]["content"] == "42.0"
    assert server.requests[0]["tools"][0]["function"]["name"] == "multiply"
    assert server.requests[0]["tools"][0]["function"]["parameters"]["required"] == ["a", "b"]


async def test_invalid_json_and_unknown_tool_go_back_to_model(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    server.script(calls(("multiply", "{not json"), ("teleport", "{}")), text("sorry"))
    agent = LLMAgent("helper", model=make_model(), tools=[multiply])
    result = await Runner("app", agent).run_to_end("u", "s", "go")
    assert result.error is None and result.final_output == "sorry"
    results = [m["content"] for m in server.requests[1]["messages"] if m["role"] == "tool"]
    assert "not valid JSON" in results[0]
    assert "unknown tool 'teleport'" in results[1] and "multiply" in results[1]


async def test_401_becomes_a_clear_error_event(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    server.script(Reply(status=401))
    service = InMemorySessionService()
    runner = Runner("app", LLMAgent("helper", model=make_model()), session_service=service)
    result = await runner.run_to_end("u", "s", "hi")
    assert result.error is not None and result.error.code == "auth"
    assert "API key" in result.error.message
    assert len(server.requests) == 1  # 401 is never retried
    session = await service.get_session("app", "u", "s")
    assert session is not None and session.events[0].message.content == "hi"  # type: ignore[union-attr]


async def test_429_retries_honouring_retry_after(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    server.script(Reply(status=429, headers={"Retry-After": "0.05"}), text("after wait"))
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await Runner("app", LLMAgent("h", model=make_model())).run_to_end("u", "s", "x")
    assert result.final_output == "after wait"
    assert len(server.requests) == 2
    assert loop.time() - started >= 0.05


async def test_a_retry_is_announced_and_not_counted_as_time_to_first_token(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    server.script(Reply(status=429, headers={"Retry-After": "0.4"}), text("after wait"))
    runner = Runner("app", LLMAgent("h", model=make_model()))
    events = [e async for e in runner.run("u", "s", "x")]
    retries = [e for e in events if e.tag == "model.retry"]
    assert len(retries) == 1 and retries[0].partial  # shown, never stored
    assert retries[0].metadata == {
        "attempt": 1,
        "delay_s": 0.4,
        "code": "rate_limited",
        "message": retries[0].metadata["message"],
    }
    assert "Rate limited" in retries[0].metadata["message"]
    reply = next(e for e in events if e.tag == "model.reply")
    assert reply.metadata["retries"] == 1
    assert reply.metadata["first_token_ms"] < 400 <= reply.metadata["latency_ms"]
    assert events.index(retries[0]) < events.index(reply)


async def test_persistent_500_gives_up_with_server_error(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    server.default(lambda body: Reply(status=500))
    model = make_model(max_retries=2, backoff=0.001)
    result = await Runner("app", LLMAgent("h", model=model)).run_to_end("u", "s", "x")
    assert result.error is not None and result.error.code == "server_error"
    assert "500" in result.error.message
    assert len(server.requests) == 3


async def test_stream_cut_mid_reply_keeps_partial_text(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    server.script(Reply(text=["The first ", "half", " and more"], cut_after=3))
    service = InMemorySessionService()
    runner = Runner("app", LLMAgent("h", model=make_model()), session_service=service)
    result = await runner.run_to_end("u", "s", "tell me")
    assert result.error is not None and result.error.code == "stream_cut"
    session = await service.get_session("app", "u", "s")
    assert session is not None
    kept = [e.message for e in session.events if e.message and e.message.role == "assistant"]
    assert kept[0] is not None and kept[0].content == "The first half" and kept[0].interrupted


async def test_unreachable_server_is_a_network_error() -> None:
    model = OpenAIChatModel("m", base_url="http://127.0.0.1:9/v1", api_key="k", max_retries=0)
    result = await Runner("app", LLMAgent("h", model=model)).run_to_end("u", "s", "x")
    await model.aclose()
    assert result.error is not None and result.error.code == "network"
    assert "127.0.0.1:9" in result.error.message


async def test_huge_reply_and_any_unicode(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    pieces = ["Ω≈ç√∫ 😀 عربى 中文 \u200b\n"] * 2000 + ["x" * 100_000]
    server.script(Reply(text=pieces))
    result = await Runner("app", LLMAgent("h", model=make_model())).run_to_end(
        "u", "s", "🙂" * 10_000
    )
    assert result.final_output == "".join(pieces)
    assert server.requests[0]["messages"][-1]["content"] == "🙂" * 10_000


async def test_hot_swap_reaches_next_request_mid_run(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    gate = asyncio.Event()

    @function_tool
    async def wait_for_edit() -> str:
        """Waits until the test has edited the instruction."""
        await gate.wait()
        return "edited"

    server.script(calls(("wait_for_edit", "{}")), text("done"))
    agent = LLMAgent("h", model=make_model(), instruction="old text")
    agent.tools.append(wait_for_edit)
    runner = Runner("app", agent)
    versions = []
    async for event in runner.run("u", "s", "go"):
        if event.tag == "tool.start":
            agent.set_instruction("new text")
            gate.set()
        if event.tag == "model.reply":
            versions.append(event.metadata["instruction_version"])
    assert server.requests[0]["messages"][0]["content"] == "old text"
    assert server.requests[1]["messages"][0]["content"] == "new text"
    assert versions == [1, 2]


async def test_models_listing(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    assert await make_model().list_models() == ["scripted-large", "scripted-small"]


async def test_api_key_sent_as_bearer(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    server.script(text("ok"))
    await Runner("app", LLMAgent("h", model=make_model())).run_to_end("u", "s", "x")
    assert server.headers[0]["authorization"] == "Bearer sk-test"


async def test_cancel_stops_stream_within_a_second_and_saves_partial(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    server.script(Reply(text=["partial ", "answer"] + ["."] * 500, delay=0.02))
    service = InMemorySessionService()
    runner = Runner("app", LLMAgent("h", model=make_model()), session_service=service)
    seen = asyncio.Event()

    async def consume() -> None:
        async for event in runner.run("u", "s", "go", run_config=RunConfig()):
            if event.partial and event.delta == "answer":
                seen.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(seen.wait(), 5)
    loop = asyncio.get_running_loop()
    started = loop.time()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert loop.time() - started < 1.0
    session = await service.get_session("app", "u", "s")
    assert session is not None
    last = session.events[-1].message
    assert last is not None and last.interrupted and last.content.startswith("partial answer")
