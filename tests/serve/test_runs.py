"""``POST /v1/runs`` and ``/v1/runs/resume`` over real HTTP: events as SSE to the done event,
``Last-Event-ID`` after a dropped stream, approvals answered by a second request (SPEC §5)."""

from __future__ import annotations

import threading

import pytest

from tests.scripted_server import Reply, ScriptedServer, calls, text
from tests.serve.agents import multiply
from tests.serve.conftest import StartServer, read_run
from threadline.runner import Event, EventTag, LLMAgent, OpenAIChatModel

pytestmark = pytest.mark.asyncio

RUN = {"user_id": "ada", "session_id": "s1", "message": "Hi"}


def helper(model: OpenAIChatModel) -> LLMAgent:
    return LLMAgent("helper", model=model, instruction="Answer briefly.", tools=[multiply])


async def test_a_run_streams_every_event_as_sse_ending_with_done(
    start_server: StartServer, server: ScriptedServer, model: OpenAIChatModel
) -> None:
    server.script(text("Hello ", "there"))
    served = await start_server(helper(model))
    client = served.client()

    got = await read_run(client, "/v1/runs", RUN)

    events = [event for _, event in got]
    assert events[0].author == "user" and events[0].message is not None
    assert events[0].message.content == "Hi"
    assert [e.delta for e in events if e.partial] == ["Hello ", "there"]
    assert events[-1].done and sum(e.done for e in events) == 1
    reply = next(e for e in events if e.tag == EventTag.MODEL_REPLY)
    assert reply.message is not None and reply.message.content == "Hello there"
    # Every id is <run>:<n>, numbered from 1 without a gap.
    run_ids = {sse_id.split(":")[0] for sse_id, _ in got}
    assert len(run_ids) == 1
    assert [int(sse_id.split(":")[1]) for sse_id, _ in got] == list(range(1, len(got) + 1))
    # What the stream said is what the store holds (partial events and the completion
    # event are never stored).
    stored = (await client.get("/v1/users/ada/sessions/s1")).json()
    kept = [e.id for e in events if not e.partial and not e.done]
    assert [e["id"] for e in stored["events"]] == kept


async def test_last_event_id_resumes_a_dropped_stream_without_losing_or_repeating(
    start_server: StartServer, server: ScriptedServer, model: OpenAIChatModel
) -> None:
    rest = threading.Event()
    # Role chunk, "one ", "two " go out; the server waits for the test before the rest.
    server.script(Reply(text=["one ", "two ", "three ", "four"], pause_after=3, pause=rest))
    served = await start_server(helper(model))
    client = served.client()

    first = await read_run(client, "/v1/runs", RUN, until=lambda e: e.delta == "two ")
    rest.set()  # the run goes on with no client watching, within the reconnect grace
    last_id = first[-1][0]
    second = await read_run(client, "/v1/runs", RUN, headers={"Last-Event-ID": last_id})

    got = first + second
    numbers = [int(sse_id.split(":")[1]) for sse_id, _ in got]
    assert numbers == list(range(1, len(got) + 1))  # nothing lost, nothing twice
    events = [event for _, event in got]
    assert "".join(e.delta for e in events if e.partial) == "one two three four"
    assert events[-1].done and events[-1].error is None
    assert not any(e.error for e in events)
    # The reconnect did not start a second run: one user message, one reply.
    stored = (await client.get("/v1/users/ada/sessions/s1")).json()["events"]
    assert [e["author"] for e in stored] == ["user", "helper"]
    assert stored[1]["message"]["content"] == "one two three four"
    assert not stored[1]["message"]["interrupted"]

    # A finished run still replays to a late reconnect; an unknown one is gone (410).
    again = await read_run(client, "/v1/runs", RUN, headers={"Last-Event-ID": got[-3][0]})
    assert [sse_id for sse_id, _ in again] == [sse_id for sse_id, _ in got[-2:]]
    gone = await client.post("/v1/runs", json=RUN, headers={"Last-Event-ID": "nope:3"})
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "run_gone"
    elsewhere = {**RUN, "session_id": "other"}
    mismatch = await client.post("/v1/runs", json=elsewhere, headers={"Last-Event-ID": last_id})
    assert mismatch.status_code == 409
    malformed = await client.post("/v1/runs", json=RUN, headers={"Last-Event-ID": "x"})
    assert malformed.status_code == 400


async def test_a_run_paused_for_approval_goes_on_with_resume(
    start_server: StartServer, server: ScriptedServer, model: OpenAIChatModel
) -> None:
    server.script(calls(("multiply", '{"a": 6, "b": 7}')), text("6 × 7 = 42."))
    served = await start_server(helper(model))
    client = served.client()

    paused = [e for _, e in await read_run(client, "/v1/runs", {**RUN, "message": "6 x 7?"})]
    approval = next(e for e in paused if e.tag == EventTag.TOOL_APPROVAL)
    assert paused[-1].done
    [call] = approval.metadata["pending"]
    assert call["name"] == "multiply"
    assert len(server.requests) == 1  # nothing ran before the decision

    resume = {"user_id": "ada", "session_id": "s1", "decisions": {call["id"]: True}}
    went_on = [e for _, e in await read_run(client, "/v1/runs/resume", resume)]
    result = next(e for e in went_on if e.tag == EventTag.TOOL_RESULT)
    assert result.message is not None and result.message.content == "42.0"
    final = [e for e in went_on if e.is_final_response()]
    assert final and final[-1].message is not None
    assert final[-1].message.content == "6 × 7 = 42."
    assert went_on[-1].done and not any(e.error for e in went_on)

    # Nothing is waiting any more: resuming again is an error event, then done.
    twice = [e for _, e in await read_run(client, "/v1/runs/resume", resume)]
    assert twice[0].error is not None and twice[0].error.code == "nothing_to_resume"
    assert twice[-1].done


async def test_sessions_are_listed_read_and_forked(
    start_server: StartServer, server: ScriptedServer, model: OpenAIChatModel
) -> None:
    server.script(text("First answer."), text("Second answer."))
    served = await start_server(helper(model))
    client = served.client()
    await read_run(client, "/v1/runs", {**RUN, "message": "first"})
    await read_run(client, "/v1/runs", {**RUN, "message": "second"})

    listed = (await client.get("/v1/users/ada/sessions")).json()["sessions"]
    assert [s["id"] for s in listed] == ["s1"] and "events" not in listed[0]
    assert (await client.get("/v1/users/bob/sessions")).json() == {"sessions": []}
    session = (await client.get("/v1/users/ada/sessions/s1")).json()
    events = [Event.model_validate(e) for e in session["events"]]
    assert [e.text for e in events] == ["first", "First answer.", "second", "Second answer."]

    forked = await client.post("/v1/users/ada/sessions/s1/fork", json={"at_event_id": events[1].id})
    assert forked.status_code == 201
    branch = forked.json()
    assert branch["parent_id"] == "s1" and branch["fork_event_id"] == events[1].id
    assert [e["id"] for e in branch["events"]] == [events[0].id, events[1].id]
    listed = (await client.get("/v1/users/ada/sessions")).json()["sessions"]
    assert {s["id"] for s in listed} == {"s1", branch["id"]}

    missing = await client.get("/v1/users/ada/sessions/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "session_not_found"
    bad_fork = await client.post("/v1/users/ada/sessions/s1/fork", json={"at_event_id": "nope"})
    assert bad_fork.status_code == 404


async def test_a_server_with_several_teams_keeps_each_sessions_team(
    start_server: StartServer, server: ScriptedServer, model: OpenAIChatModel
) -> None:
    reviewer = LLMAgent("reviewer", model=model, instruction="Review.")
    served = await start_server({"helper": helper(model), "reviewer": reviewer})
    client = served.client()

    first = await read_run(client, "/v1/runs", {**RUN, "agent": "reviewer"})
    assert first[-2][1].author == "reviewer"
    again = await read_run(client, "/v1/runs", {**RUN, "message": "And now?"})
    assert again[-2][1].author == "reviewer"  # the session remembers its team
    other = await read_run(client, "/v1/runs", {**RUN, "session_id": "s2"})
    assert other[-2][1].author == "helper"  # the first team is the default
    unknown = await client.post("/v1/runs", json={**RUN, "agent": "nobody"})
    assert unknown.status_code == 404
    assert "helper, reviewer" in unknown.json()["error"]["message"]


async def test_bad_requests_get_a_json_error_saying_what_is_wrong(
    start_server: StartServer, model: OpenAIChatModel
) -> None:
    served = await start_server(helper(model))
    client = served.client()

    broken = await client.post("/v1/runs", content=b"{not json")
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "invalid_request"
    missing = await client.post("/v1/runs", json={"user_id": "ada", "message": "hi"})
    assert missing.status_code == 400
    assert missing.json()["error"]["message"].startswith("session_id:")
    blank = await client.post("/v1/runs", json={**RUN, "user_id": "  "})
    assert blank.status_code == 400
    nowhere = await client.get("/v1/nowhere")
    assert nowhere.status_code == 404 and nowhere.json()["error"]["code"] == "not_found"
    wrong_method = await client.get("/v1/runs")
    assert wrong_method.status_code == 405
