"""``python -m threadline serve`` as an operator runs it: two server processes on one store
serve the same session without interleaving or losing events, and a kill -9 of one mid-run
loses nothing it acknowledged while the other goes on serving (SPEC §5)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
import pytest_asyncio

from tests.scripted_server import Reply, ScriptedServer, text
from tests.serve.conftest import read_run
from tests.sessions.backends import postgres_namespace
from threadline.runner import Event

pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(r"threadline serve: helper on (http://\S+) \(sessions: ")
SESSION = {"user_id": "ada", "session_id": "shared"}


@dataclass
class ServeProcess:
    process: asyncio.subprocess.Process
    client: httpx2.AsyncClient


StartProcess = Callable[[str], Awaitable[ServeProcess]]


@pytest_asyncio.fixture
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The ``--sessions`` URL both processes share: a SQLite file or a PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return await postgres_namespace(request.getfixturevalue("postgres_server"))


@pytest_asyncio.fixture
async def start_process(server: ScriptedServer, tmp_path: Path) -> AsyncIterator[StartProcess]:
    started: list[ServeProcess] = []
    count = 0
    env = {**os.environ, "THREADLINE_TEST_BASE_URL": server.base_url, "PYTHONPATH": str(ROOT)}

    async def start(sessions: str) -> ServeProcess:
        nonlocal count
        count += 1
        log = tmp_path / f"serve-{count}.log"
        with log.open("wb") as errors:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                *("-m", "threadline", "serve", "--agent", "tests.serve.agents:helper"),
                *("--sessions", sessions, "--port", "0", "--log-level", "warning"),
                stdout=asyncio.subprocess.PIPE,
                stderr=errors,
                env=env,
                cwd=tmp_path,
            )
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
        found = READY.match(line)
        assert found, f"no ready line: {line!r}\n{log.read_text()}"
        served = ServeProcess(process, httpx2.AsyncClient(base_url=found[1], timeout=30))
        started.append(served)
        return served

    yield start
    for served in started:
        await served.client.aclose()
        if served.process.returncode is None:
            served.process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(served.process.wait(), 30)


def message_texts(request: dict[str, Any]) -> list[str]:
    return [m.get("content") or "" for m in request["messages"] if m["role"] != "system"]


async def stored_events(client: httpx2.AsyncClient) -> list[Event]:
    session = (await client.get("/v1/users/ada/sessions/shared")).json()
    return [Event.model_validate(e) for e in session["events"]]


@pytest.mark.parametrize("store", ["sqlite", "postgres"], indirect=True)
async def test_two_server_processes_serve_one_session_one_run_at_a_time(
    store: str, start_process: StartProcess, server: ScriptedServer
) -> None:
    a, b = await asyncio.gather(start_process(store), start_process(store))
    server.script(text("Hello from A."), text("Hello from B."))

    await read_run(a.client, "/v1/runs", {**SESSION, "message": "one"})
    await read_run(b.client, "/v1/runs", {**SESSION, "message": "two"})
    # B answered with A's turn in its history: one session, whichever process serves it.
    assert message_texts(server.requests[-1]) == ["one", "Hello from A.", "two"]

    # Two runs at once on the session, one per process: B's waits until A's has ended.
    release = threading.Event()
    server.script(Reply(text=["A ", "again."], hold=release), text("B again."))
    body_a, body_b = {**SESSION, "message": "three"}, {**SESSION, "message": "four"}
    async with a.client.sse("/v1/runs", method="POST", json=body_a) as from_a:
        events_a = aiter(from_a)
        first = Event.model_validate_json((await anext(events_a)).data)
        assert first.author == "user"  # A holds the session's run lock now
        async with b.client.sse("/v1/runs", method="POST", json=body_b) as from_b:
            assert from_b.response.status_code == 200  # B's run has started (and waits)
            release.set()
            rest_a = [Event.model_validate_json(m.data) async for m in events_a]
            events_b = [Event.model_validate_json(m.data) async for m in from_b]
    assert rest_a[-1].done and events_b[-1].done
    assert not any(e.error for e in [*rest_a, *events_b])
    assert message_texts(server.requests[-1])[-3:] == ["three", "A again.", "four"]

    stored = await stored_events(b.client)
    assert [e.text for e in stored] == [
        *("one", "Hello from A.", "two", "Hello from B."),
        *("three", "A again.", "four", "B again."),
    ]
    invocations = [e.invocation_id for e in stored]
    runs = [inv for i, inv in enumerate(invocations) if i == 0 or invocations[i - 1] != inv]
    assert len(runs) == len(set(runs)) == 4  # each run's events together, none interleaved


@pytest.mark.parametrize("store", ["sqlite", "postgres"], indirect=True)
async def test_a_server_killed_mid_run_loses_nothing_acknowledged_and_the_other_goes_on(
    store: str, start_process: StartProcess, server: ScriptedServer
) -> None:
    a, b = await asyncio.gather(start_process(store), start_process(store))
    never = threading.Event()
    server.script(Reply(text=["Half ", "of it"], pause_after=2, pause=never), text("B is here."))
    acknowledged: list[Event] = []
    try:
        async with a.client.sse(
            "/v1/runs", method="POST", json={**SESSION, "message": "one"}
        ) as from_a:
            async for message in from_a:
                event = Event.model_validate_json(message.data)
                acknowledged += [] if event.partial else [event]
                if event.delta == "Half ":
                    break
            a.process.kill()  # SIGKILL mid-reply: no shutdown code runs
            await a.process.wait()
    except httpx2.TransportError:
        pass  # the connection died with the process
    finally:
        never.set()

    got = await read_run(b.client, "/v1/runs", {**SESSION, "message": "two"})
    assert got[-1][1].done and not any(e.error for _, e in got)
    stored = await stored_events(b.client)
    assert [e.id for e in acknowledged] == [stored[0].id]  # the user event A had sent on
    assert [e.text for e in stored] == ["one", "two", "B is here."]
    assert message_texts(server.requests[-1]) == ["one", "two"]
