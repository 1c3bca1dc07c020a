"""A client that goes away stops its run, and the words streamed so far are saved (SPEC §1.1's
cancellation, reached over HTTP): an SSE client after the reconnect grace, an OpenAI client at
once."""

from __future__ import annotations

import asyncio
import threading

import openai
import pytest

from tests.scripted_server import Reply, ScriptedServer
from tests.serve.conftest import StartServer, read_run
from threadline.runner import EventTag, LLMAgent, OpenAIChatModel
from threadline.serve import ServeOptions

pytestmark = pytest.mark.asyncio


async def test_an_sse_client_that_disconnects_cancels_the_run_and_the_partial_reply_is_saved(
    start_server: StartServer, server: ScriptedServer, model: OpenAIChatModel
) -> None:
    never = threading.Event()  # the model never sends the rest
    server.script(Reply(text=["Partial ", "words ", "never sent"], pause_after=3, pause=never))
    served = await start_server(
        LLMAgent("helper", model=model), options=ServeOptions(reconnect_grace=0)
    )
    client = served.client()
    try:
        run = {"user_id": "ada", "session_id": "s1", "message": "Tell me"}
        got = await read_run(client, "/v1/runs", run, until=lambda e: e.delta == "words ")
        live = served.ctx.runs.get(got[0][0].split(":")[0])
        assert live is not None
        await asyncio.wait_for(live.wait(), 10)  # cancelled once its only client left

        session = await served.service.get_session("threadline", "ada", "s1")
        assert session is not None
        last = session.events[-1]
        assert last.tag == EventTag.INTERRUPTED and last.message is not None
        assert last.message.content == "Partial words " and last.message.interrupted
    finally:
        never.set()


async def test_an_openai_stream_closed_early_cancels_the_run_and_keeps_its_words(
    start_server: StartServer, server: ScriptedServer, model: OpenAIChatModel
) -> None:
    never = threading.Event()
    server.script(Reply(text=["Half ", "a reply", " and more"], pause_after=3, pause=never))
    served = await start_server(LLMAgent("helper", model=model))
    client = openai.AsyncOpenAI(base_url=served.url + "/v1", api_key="none", max_retries=0)
    try:
        response = await client.chat.completions.with_raw_response.create(
            model="helper", messages=[{"role": "user", "content": "Go"}], stream=True
        )
        session_id = response.headers["x-threadline-session"]
        run_id = response.headers["x-threadline-run"]
        stream = response.parse()
        seen = ""
        async for chunk in stream:
            seen += chunk.choices[0].delta.content or "" if chunk.choices else ""
            if seen == "Half a reply":
                break
        await stream.close()
        live = served.ctx.runs.get(run_id)
        assert live is not None
        await asyncio.wait_for(live.wait(), 10)

        session = await served.service.get_session("threadline", "openai", session_id)
        assert session is not None
        assert session.events[-1].message is not None
        assert session.events[-1].message.content == "Half a reply"
        assert session.events[-1].message.interrupted
    finally:
        never.set()
        await client.close()


async def test_a_run_nobody_reconnects_to_stops_after_the_grace(
    start_server: StartServer, server: ScriptedServer, model: OpenAIChatModel
) -> None:
    never = threading.Event()
    server.script(Reply(text=["Waiting ", "in vain"], pause_after=2, pause=never))
    served = await start_server(
        LLMAgent("helper", model=model), options=ServeOptions(reconnect_grace=0.2)
    )
    try:
        run = {"user_id": "ada", "session_id": "s1", "message": "Go"}
        got = await read_run(served.client(), "/v1/runs", run, until=lambda e: bool(e.delta))
        live = served.ctx.runs.get(got[0][0].split(":")[0])
        assert live is not None
        await asyncio.wait_for(live.wait(), 10)  # the grace ran out: stopped, words kept
        session = await served.service.get_session("threadline", "ada", "s1")
        assert session is not None and session.events[-1].message is not None
        assert session.events[-1].message.content == "Waiting "
        # Its stream still ends properly for a reconnect that comes too late.
        late = await read_run(
            served.client(), "/v1/runs", run, headers={"Last-Event-ID": got[-1][0]}
        )
        assert [e.error.code for _, e in late if e.error] == ["cancelled"]
        assert late[-1][1].done
    finally:
        never.set()
