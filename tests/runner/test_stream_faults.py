"""Streams that end early, stores that fail, text no store can encode, replies with no text.

Through the real ``openai`` client against the scripted HTTP server (issue 10).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.scripted_server import Reply, ScriptedServer, calls, text
from threadline.core.errors import StorageError
from threadline.core.events import Event
from threadline.core.session import Session
from threadline.runner import (
    LLMAgent,
    ModelError,
    ModelRequest,
    OpenAIChatModel,
    Runner,
    function_tool,
)
from threadline.runner.models import ModelChunk, TextChunk
from threadline.sessions import InMemorySessionService, SQLiteSessionService

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def make_model(server: ScriptedServer) -> AsyncIterator[Callable[..., OpenAIChatModel]]:
    made: list[OpenAIChatModel] = []

    def build(**kwargs: Any) -> OpenAIChatModel:
        kwargs.setdefault("base_url", server.base_url)
        kwargs.setdefault("api_key", "sk-test")
        model = OpenAIChatModel("scripted-large", **kwargs)
        made.append(model)
        return model

    yield build
    for model in made:
        await model.aclose()


def _assistant_messages(session: Session | None) -> list[Any]:
    assert session is not None
    return [e.message for e in session.events if e.message and e.message.role == "assistant"]


async def test_clean_close_without_finish_reason_is_a_cut_stream(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    # role chunk + two text chunks, then the server closes a plain Connection: close body:
    # to HTTP that is a complete body, but the server never said the reply was finished.
    server.script(Reply(text=["The first ", "half", " and the rest"], close_after=3))
    service = InMemorySessionService()
    runner = Runner("app", LLMAgent("h", model=make_model()), session_service=service)
    events = [e async for e in runner.run("u", "s", "tell me")]
    errors = [e.error for e in events if e.error is not None]
    assert [e.code for e in errors] == ["stream_cut"]
    assert events[-1].done and sum(e.done for e in events) == 1
    assert not [e for e in events if e.is_final_response()]
    kept = _assistant_messages(await service.get_session("app", "u", "s"))
    assert len(kept) == 1
    assert kept[0].content == "The first half" and kept[0].interrupted


async def test_finish_reason_makes_a_complete_reply(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    # the whole reply (finish_reason and usage) arrives, then the body just ends, no [DONE]
    server.script(Reply(text=["all ", "of it"], close_after=100))
    result = await Runner("app", LLMAgent("h", model=make_model())).run_to_end("u", "s", "x")
    assert result.error is None and result.final_output == "all of it"


class _FailingAppends(InMemorySessionService):
    """A store that cannot write interrupted replies (a disk that filled up mid-run)."""

    async def append_event(self, session: Session, event: Event) -> Event:
        if event.message is not None and event.message.interrupted:
            raise StorageError("The disk is full.")
        return await super().append_event(session, event)


class _CutModel:
    name = "cut"

    async def stream(self, request: ModelRequest) -> AsyncGenerator[ModelChunk, None]:
        yield TextChunk("half a rep")
        raise ModelError("stream_cut", "The connection to the model dropped mid-reply.")


async def test_storage_error_while_saving_interrupted_text_does_not_escape() -> None:
    runner = Runner("app", LLMAgent("h", model=_CutModel()), session_service=_FailingAppends())
    events = [e async for e in runner.run("u", "s", "hi")]
    codes = [e.error.code for e in events if e.error is not None]
    assert "storage" in codes and "stream_cut" in codes
    assert events[-1].done and sum(e.done for e in events) == 1
    assert events[-2].error is not None  # error events come before the completion event


async def test_storage_error_on_cut_http_stream_does_not_escape(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel]
) -> None:
    server.script(Reply(text=["some ", "text", " more"], close_after=3))
    runner = Runner("app", LLMAgent("h", model=make_model()), session_service=_FailingAppends())
    result = await runner.run_to_end("u", "s", "hi")
    codes = [e.error.code for e in result.events if e.error is not None]
    assert codes == ["storage", "stream_cut"]
    assert result.events[-1].done


async def test_lone_surrogate_in_streamed_reply_keeps_the_text(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel], tmp_path: Path
) -> None:
    server.script(Reply(text=["bad \ud800 char, ", "pair 🌍 ok"]))
    service = SQLiteSessionService(tmp_path / "s.db")
    try:
        runner = Runner("app", LLMAgent("h", model=make_model()), session_service=service)
        result = await runner.run_to_end("u", "s", "x")
        assert result.error is None
        assert result.final_output == "bad \ufffd char, pair 🌍 ok"
        kept = _assistant_messages(await service.get_session("app", "u", "s"))
        assert kept[-1].content == "bad \ufffd char, pair 🌍 ok"
    finally:
        await service.aclose()


async def test_lone_surrogate_in_tool_result_keeps_the_result(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel], tmp_path: Path
) -> None:
    @function_tool
    def read_weird() -> str:
        """Returns text with a lone surrogate, as a badly decoded file would."""
        return "before \udfff after"

    server.script(calls(("read_weird", "{}")), text("done"))
    service = SQLiteSessionService(tmp_path / "s.db")
    try:
        agent = LLMAgent("h", model=make_model(), tools=[read_weird])
        result = await Runner("app", agent, session_service=service).run_to_end("u", "s", "x")
        assert result.error is None and result.final_output == "done"
        sent = [m["content"] for m in server.requests[1]["messages"] if m["role"] == "tool"]
        assert sent == ["before \ufffd after"]
        session = await service.get_session("app", "u", "s")
        assert session is not None
        stored = [
            e.message.content for e in session.events if e.message and e.message.role == "tool"
        ]
        assert stored == ["before \ufffd after"]
    finally:
        await service.aclose()


async def test_env_api_key_is_sent_when_none_is_given(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    server.script(text("ok"), text("ok"))
    model = OpenAIChatModel("scripted-large")  # neither base_url nor api_key
    try:
        await Runner("app", LLMAgent("h", model=model)).run_to_end("u", "s", "x")
    finally:
        await model.aclose()
    assert server.headers[0]["authorization"] == "Bearer sk-from-env"
    # the same server named explicitly is still the environment's provider
    same = OpenAIChatModel("scripted-large", base_url=server.base_url)
    try:
        await Runner("app", LLMAgent("h", model=same)).run_to_end("u", "s2", "x")
    finally:
        await same.aclose()
    assert server.headers[1]["authorization"] == "Bearer sk-from-env"


async def test_env_api_key_never_goes_to_another_provider(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")  # OPENAI_BASE_URL unset: api.openai.com
    server.script(text("ok"))
    model = OpenAIChatModel("scripted-large", base_url=server.base_url)  # a local server
    try:
        await Runner("app", LLMAgent("h", model=model)).run_to_end("u", "s", "x")
    finally:
        await model.aclose()
    assert "sk-from-env" not in server.headers[0]["authorization"]
    explicit = OpenAIChatModel("m", base_url=server.base_url, api_key="sk-given")
    assert explicit.client.api_key == "sk-given"
    await explicit.aclose()


@pytest.mark.parametrize("pieces", [[], ["  \n"]])
async def test_a_reply_without_text_says_so(
    server: ScriptedServer, make_model: Callable[..., OpenAIChatModel], pieces: list[str]
) -> None:
    server.script(Reply(text=pieces))
    service = InMemorySessionService()
    runner = Runner("app", LLMAgent("h", model=make_model()), session_service=service)
    events = [e async for e in runner.run("u", "s", "x")]
    notices = [e for e in events if e.error is not None]
    assert len(notices) == 1
    assert notices[0].error is not None and notices[0].error.code == "empty_reply"
    assert notices[0].error.message == "The model returned no text."
    assert notices[0].author == "h" and notices[0].tag == "error"
    assert events[-1].done
    session = await service.get_session("app", "u", "s")
    assert session is not None and any(e.id == notices[0].id for e in session.events)
