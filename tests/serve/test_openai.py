"""The official ``openai`` SDK against ``/v1/chat/completions`` and ``/v1/models``: a team
answers as a model would, streaming and not (SPEC §5)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import openai
import pytest
import pytest_asyncio

from tests.scripted_server import Reply, ScriptedServer, calls, text
from tests.serve.agents import multiply
from tests.serve.conftest import Served, StartServer
from threadline.runner import GenerationConfig, LLMAgent, OpenAIChatModel

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def served(start_server: StartServer, model: OpenAIChatModel) -> Served:
    helper = LLMAgent("helper", model=model, instruction="Answer briefly.", tools=[multiply])
    quiet = LLMAgent("quiet", model=model, generation=GenerationConfig(stream=False))
    return await start_server({"helper": helper, "quiet": quiet})


@pytest_asyncio.fixture
async def sdk(served: Served) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(
        base_url=served.url + "/v1", api_key="unused", max_retries=0
    ) as client:
        yield client


async def test_a_completion_answers_with_the_reply_and_its_usage(
    sdk: openai.AsyncOpenAI, served: Served, server: ScriptedServer
) -> None:
    server.script(text("Paris", " it is."))
    messages: list[dict[str, str]] = [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Capital of Italy?"},
        {"role": "assistant", "content": "Rome."},
        {"role": "user", "content": "And of France?"},
    ]
    raw = await sdk.chat.completions.with_raw_response.create(
        model="helper", messages=messages, user="ada", temperature=0.25, max_tokens=50
    )
    completion = raw.parse()
    assert completion.object == "chat.completion" and completion.model == "helper"
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == "Paris it is."
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.total_tokens == 12

    # A fresh session per request, holding the conversation the client sent.
    session_id = raw.headers["x-threadline-session"]
    assert session_id.startswith("chatcmpl-")
    session = await served.service.get_session("threadline", "ada", session_id)
    assert session is not None
    assert [e.text for e in session.events] == [
        "Capital of Italy?",
        "Rome.",
        "And of France?",
        "Paris it is.",
    ]
    sent = server.requests[-1]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[0]["content"].startswith("Answer briefly.")  # the team's instruction, not theirs
    assert server.requests[-1]["temperature"] == 0.25  # sampling reaches the team's model
    assert server.requests[-1]["max_tokens"] == 50


async def test_a_streamed_completion_arrives_as_chunks_ending_with_usage(
    sdk: openai.AsyncOpenAI, server: ScriptedServer
) -> None:
    server.script(calls(("no_such_tool", "{}")), Reply(text=["Still ", "here."], reasoning=["Hm."]))
    stream = await sdk.chat.completions.create(
        model="helper",
        messages=[{"role": "user", "content": "Hello"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]
    assert {c.object for c in chunks} == {"chat.completion.chunk"}
    assert chunks[0].choices[0].delta.role == "assistant"
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert content == "Still here."
    thoughts = [getattr(c.choices[0].delta, "reasoning_content", None) for c in chunks if c.choices]
    assert [t for t in thoughts if t] == ["Hm."]
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finishes[-1] == "stop" and finishes.count("stop") == 1
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == 24  # both model calls of the run


async def test_a_session_can_be_continued_and_a_team_that_does_not_stream_still_answers(
    sdk: openai.AsyncOpenAI, server: ScriptedServer
) -> None:
    server.script(text("Noted: 7."), text("It was 7."), text("Seven."))
    first = await sdk.chat.completions.with_raw_response.create(
        model="quiet", messages=[{"role": "user", "content": "Remember 7."}]
    )
    session_id = first.headers["x-threadline-session"]
    # The stored history is the context: the client sends only the new message.
    again = await sdk.chat.completions.create(
        model="quiet",
        messages=[{"role": "user", "content": "What was it?"}],
        extra_body={"session_id": session_id},
    )
    assert again.choices[0].message.content == "It was 7."
    assert [m["content"] for m in server.requests[-1]["messages"]] == [
        "Remember 7.",
        "Noted: 7.",
        "What was it?",
    ]
    assert server.requests[-1]["stream"] is False  # the team's own setting
    streamed = await sdk.chat.completions.create(
        model="quiet",
        messages=[{"role": "user", "content": "Say it"}],
        stream=True,
        extra_headers={"X-Threadline-Session": session_id},
    )
    assert "".join([c.choices[0].delta.content or "" async for c in streamed if c.choices]) == (
        "Seven."
    )


async def test_models_list_the_teams_and_an_unknown_one_is_not_found(
    sdk: openai.AsyncOpenAI,
) -> None:
    assert [m.id for m in (await sdk.models.list()).data] == ["helper", "quiet"]
    assert (await sdk.models.retrieve("quiet")).owned_by == "threadline"
    with pytest.raises(openai.NotFoundError, match="no agent 'gpt-4o'"):
        await sdk.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
        )
    with pytest.raises(openai.BadRequestError, match="must be the user's"):
        await sdk.chat.completions.create(
            model="helper", messages=[{"role": "assistant", "content": "hi"}]
        )


async def test_a_failed_run_is_an_error_the_sdk_raises(
    sdk: openai.AsyncOpenAI, server: ScriptedServer
) -> None:
    server.script(Reply(status=401), Reply(status=401))  # the provider refuses our key
    with pytest.raises(openai.InternalServerError, match="refused the API key") as caught:
        await sdk.chat.completions.create(
            model="helper", messages=[{"role": "user", "content": "hi"}]
        )
    assert caught.value.status_code == 502 and caught.value.code == "auth"
    stream = await sdk.chat.completions.create(
        model="helper", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    with pytest.raises(openai.APIError, match="refused the API key") as in_stream:
        async for _ in stream:
            pass
    assert in_stream.value.code == "auth"


async def test_a_run_waiting_for_approval_says_how_to_answer(
    sdk: openai.AsyncOpenAI, server: ScriptedServer
) -> None:
    server.script(calls(("multiply", '{"a": 2, "b": 3}')))
    raw = await sdk.chat.completions.with_raw_response.create(
        model="helper", messages=[{"role": "user", "content": "2 x 3?"}]
    )
    content = raw.parse().choices[0].message.content or ""
    assert content.startswith('⏸ Waiting for approval: multiply({"a": 2, "b": 3})')
    assert raw.headers["x-threadline-session"] in content and "/v1/runs/resume" in content
