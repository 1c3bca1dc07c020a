"""The SessionService contract, run alike on every store: memory, SQLite, PostgreSQL, Redis.

PostgreSQL and Redis are real servers (tests/sessions/servers.py); the cross-process tests
start real second processes (tests/sessions/appender.py).
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.sessions.backends import Backend, is_run_locked, msg, sqlite_has_event_limit
from threadline.core.errors import StorageError
from threadline.core.events import Event, EventActions, ImagePart, Message
from threadline.core.session import Session, session_run_lock
from threadline.sessions import SQLiteSessionService

pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parents[2]
CHILD_TIMEOUT_S = 30


def texts(session: Session | None) -> list[str]:
    assert session is not None
    return [e.message.content for e in session.events if e.message is not None]


async def test_create_get_list_delete(backend: Backend) -> None:
    service = backend.make()
    created = await service.create_session("app", "u", "s1", state={"k": 1})
    assert (created.id, created.state, created.events) == ("s1", {"k": 1}, [])
    with pytest.raises(ValueError):
        await service.create_session("app", "u", "s1")
    other = await service.create_session("app", "u")
    assert other.id and other.id != "s1"
    assert await service.get_session("app", "u", "missing") is None
    assert await service.get_session("app", "someone-else", "s1") is None
    await service.append_event(other, msg("latest"))
    listed = await service.list_sessions("app", "u")
    assert [s.id for s in listed] == [other.id, "s1"]  # most recently updated first
    assert all(s.events == [] for s in listed) and listed[1].state == {"k": 1}
    await service.delete_session("app", "u", "s1")
    assert await service.get_session("app", "u", "s1") is None
    assert [s.id for s in await service.list_sessions("app", "u")] == [other.id]


async def test_appends_keep_order_and_survive_reopening(backend: Backend) -> None:
    service = backend.make()
    session = await service.create_session("app", "u", "s")
    sent = [msg(f"m{i}", author="user" if i % 2 == 0 else "bot") for i in range(20)]
    picture = ImagePart(data=b"\x89PNG not really", name="p.png")
    sent[5] = Event(
        author="bot",
        message=Message(role="assistant", content="m5 \x00", parts=[picture]),
        metadata={"nul": "a\x00b"},
        tag="model.reply",
    )
    for event in sent:
        assert await service.append_event(session, event) is event
    assert (
        texts(session)[:5] == [f"m{i}" for i in range(5)] and len(session.events) == 20
    )  # the caller's copy follows
    loaded = await service.get_session("app", "u", "s")
    assert loaded is not None and [e.id for e in loaded.events] == [e.id for e in sent]
    assert loaded.events[3] == sent[3] and loaded.title == "m0"
    assert loaded.events[5] == sent[5]  # bytes, tags and metadata round-trip
    if backend.kind != "memory":  # a second service (another process, later) sees the same
        assert texts(await backend.make().get_session("app", "u", "s")) == texts(loaded)
    with pytest.raises((KeyError, StorageError)):
        await service.append_event(Session(id="nope", app_name="app", user_id="u"), msg("x"))


async def test_state_in_three_scopes_and_temp_never_stored(backend: Backend) -> None:
    service = backend.make()
    session = await service.create_session("app", "u", "s", state={"temp:seed": 1, "a": 0})
    assert session.state == {"a": 0}
    delta = {"topic": "x", "app:theme": "dark", "user:name": "Ada", "temp:scratch": 1}
    await service.append_event(session, msg("hi", actions=EventActions(state_delta=delta)))
    expected = {"a": 0, "topic": "x", "app:theme": "dark", "user:name": "Ada"}
    assert session.state == expected
    loaded = await service.get_session("app", "u", "s")
    assert loaded is not None and loaded.state == expected
    assert (await service.create_session("app", "u", "t")).state == {
        "app:theme": "dark",
        "user:name": "Ada",
    }
    assert (await service.create_session("app", "v", "w")).state == {"app:theme": "dark"}
    assert (await service.create_session("other-app", "u", "z")).state == {}
    await service.update_app_state("app", {"theme": "light"})
    await service.update_user_state("app", "u", {"name": "Grace"})
    again = await service.get_session("app", "u", "s")
    assert again is not None
    assert (again.state["app:theme"], again.state["user:name"]) == ("light", "Grace")
    listed = {s.id: s.state for s in await service.list_sessions("app", "u")}
    assert listed["s"]["topic"] == "x" and listed["t"]["user:name"] == "Grace"


async def test_partial_events_are_not_stored(backend: Backend) -> None:
    service = backend.make()
    session = await service.create_session("app", "u", "s")
    await service.append_event(session, Event(author="a", partial=True, delta="x"))
    assert texts(await service.get_session("app", "u", "s")) == []


async def test_fork_inherits_up_to_its_event_then_diverges(backend: Backend) -> None:
    service = backend.make()
    session = await service.create_session("app", "u", "s", state={"k": "v"})
    events = [msg(f"m{i}", author="user" if i % 2 == 0 else "bot") for i in range(5)]
    for event in events:
        await service.append_event(session, event)
    branch = await service.fork_session("app", "u", "s", events[2].id)
    assert (branch.parent_id, branch.fork_event_id) == ("s", events[2].id)
    assert texts(branch) == ["m0", "m1", "m2"] and branch.state == {"k": "v"}
    await service.append_event(branch, msg("branch only"))
    await service.append_event(session, msg("main only"))
    assert texts(await service.get_session("app", "u", "s"))[-2:] == ["m4", "main only"]
    fork = await service.get_session("app", "u", branch.id)
    assert texts(fork) == ["m0", "m1", "m2", "branch only"]
    # Forks of a fork: at an inherited event, at its own, before the first event.
    deep = await service.fork_session("app", "u", branch.id, events[1].id)
    assert texts(deep) == ["m0", "m1"]
    assert fork is not None
    deeper = await service.fork_session("app", "u", branch.id, fork.events[-1].id)
    assert texts(deeper) == ["m0", "m1", "m2", "branch only"]
    await service.append_event(deeper, msg("deepest"))
    assert texts(await service.get_session("app", "u", deeper.id))[-2:] == [
        "branch only",
        "deepest",
    ]
    assert texts(await service.fork_session("app", "u", branch.id, "")) == []
    assert {branch.id, deep.id, deeper.id} <= {
        s.id for s in await service.list_sessions("app", "u")
    }
    with pytest.raises(KeyError):
        await service.fork_session("app", "u", "s", "no-such-event")
    with pytest.raises(KeyError):
        await service.fork_session("app", "u", branch.id, events[4].id)  # after the fork
    with pytest.raises(KeyError):
        await service.fork_session("app", "u", "no-such-session", events[0].id)


async def test_deleting_a_parent_keeps_its_branches(backend: Backend) -> None:
    service = backend.make()
    session = await service.create_session("app", "u", "s")
    first = msg("keep me")
    await service.append_event(session, first)
    branch = await service.fork_session("app", "u", "s", first.id)
    await service.delete_session("app", "u", "s")
    assert texts(await service.get_session("app", "u", branch.id)) == ["keep me"]


async def test_search_finds_titles_and_messages(backend: Backend) -> None:
    service = backend.make()
    a = await service.create_session("app", "u", "a")
    await service.append_event(a, msg("How do tides work near the équateur?"))
    b = await service.create_session("app", "u", "b")
    await service.append_event(b, msg("Recipe for bread"))
    await service.append_event(b, msg("Knead it, then let the dough rise", author="bot"))
    await service.rename_session("app", "u", "b", "Baking  notes")
    stranger = await service.create_session("app", "v", "c")
    await service.append_event(stranger, msg("dough elsewhere"))

    async def found(query: str, **kwargs: Any) -> list[str]:
        return [h.session.id for h in await service.search_sessions("app", "u", query, **kwargs)]

    hits = await service.search_sessions("app", "u", "dough")
    assert [h.session.id for h in hits] == ["b"] and "[dough]" in hits[0].snippet
    assert hits[0].session.title == "Baking notes"
    assert await found("equateur") == ["a"]  # accents folded
    assert await found("Baking") == ["b"]  # the title
    assert await found("tid") == ["a"]  # the last word as a prefix
    assert await found("dough tides") == []  # every word must match...
    assert sorted(await found("dough tides", match_any=True)) == ["a", "b"]  # ...or any
    assert await found('"); DROP TABLE events; --') == []
    assert await found("   ") == []
    await service.delete_session("app", "u", "b")
    assert await found("dough") == []


async def test_event_limit_keeps_the_newest_events(backend: Backend) -> None:
    if backend.kind == "sqlite" and not sqlite_has_event_limit():
        pytest.skip("SQLite event_limit pending")
    service = backend.make(event_limit=3)
    session = await service.create_session("app", "u", "s")
    events = [msg(f"m{i}") for i in range(6)]
    for event in events:
        await service.append_event(session, event)
    assert texts(await service.get_session("app", "u", "s")) == ["m3", "m4", "m5"]
    # Nothing was deleted: a fork can start at an event outside the window...
    early = await service.fork_session("app", "u", "s", events[1].id)
    assert texts(early) == ["m0", "m1"]
    # ...and a branch's window reaches into what it inherits.
    await service.append_event(early, msg("b0"))
    assert texts(await service.get_session("app", "u", early.id)) == ["m0", "m1", "b0"]
    late = await service.fork_session("app", "u", "s", events[4].id)
    await service.append_event(late, msg("b1"))
    assert texts(await service.get_session("app", "u", late.id)) == ["m3", "m4", "b1"]
    if backend.kind != "memory":
        assert len(texts(await backend.make().get_session("app", "u", "s"))) == 6
    with pytest.raises(ValueError):
        backend.make(event_limit=-1)


def _needs_processes(backend: Backend) -> None:
    if backend.kind == "sqlite" and not hasattr(SQLiteSessionService, "run_lock"):
        pytest.skip("SQLite run_lock pending: one process owns the file (exclusive=True)")
    if not backend.is_shared_by_processes:
        pytest.skip(f"{backend.kind} sessions live in one process: no other to exclude")


async def _child(backend: Backend, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.sessions.appender",
        *backend.child_args,
        *args,
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )


async def _line(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    return (await asyncio.wait_for(process.stdout.readline(), CHILD_TIMEOUT_S)).decode().strip()


async def test_two_processes_appending_to_one_session(backend: Backend) -> None:
    """Each process does RUNS locked runs of EVENTS appends: none lost, none interleaved."""
    _needs_processes(backend)
    runs, events = 8, 6
    service = backend.make()
    await service.create_session("app", "u", "shared")
    children = [await _child(backend, "shared", name, str(runs), str(events)) for name in "AB"]
    assert [await _line(child) for child in children] == ["ready", "ready"]
    for child in children:  # both start together, so their runs contend for the lock
        assert child.stdin is not None
        child.stdin.write(b"go\n")
        await child.stdin.drain()
    outputs = [await asyncio.wait_for(c.communicate(), CHILD_TIMEOUT_S) for c in children]
    assert [c.returncode for c in children] == [0, 0], outputs
    session = await service.get_session("app", "u", "shared")
    assert session is not None and len(session.events) == 2 * runs * events  # none lost
    blocks = [list(g) for _, g in itertools.groupby(session.events, lambda e: e.invocation_id)]
    assert sorted(b[0].invocation_id for b in blocks) == sorted(
        f"{name}-{run}" for name in "AB" for run in range(runs)
    )  # each run is one unbroken block, in its own order
    assert all([e.metadata["index"] for e in b] == list(range(events)) for b in blocks)


async def test_a_crashed_holder_lets_the_next_run_go(backend: Backend) -> None:
    _needs_processes(backend)
    service = backend.make()
    await service.create_session("app", "u", "s")
    holder = await _child(backend, "s", "H", "hold")
    assert await _line(holder) == "held"
    assert await is_run_locked(backend, "app", "u", "s")
    holder.send_signal(signal.SIGKILL)  # no release, no cleanup: a crash
    await holder.communicate()  # reaped, its pipes read to the end and closed
    # PostgreSQL drops a dead connection's locks at once; Redis waits out the child's lease.
    async with asyncio.timeout(CHILD_TIMEOUT_S), session_run_lock(service, "app", "u", "s"):
        session = await service.get_session("app", "u", "s")
        assert session is not None
        await service.append_event(session, msg("after the crash"))
    assert texts(await service.get_session("app", "u", "s")) == ["after the crash"]
    assert not await is_run_locked(backend, "app", "u", "s")


async def test_run_lock_serialises_runs_in_one_process_too(backend: Backend) -> None:
    service = backend.make()
    await service.create_session("app", "u", "s")
    order: list[str] = []
    first_in = asyncio.Event()

    async def run(name: str) -> None:
        async with session_run_lock(service, "app", "u", "s"):
            order.append(f"{name} in")
            first_in.set()
            await asyncio.sleep(0)  # a chance for the other run to barge in
            order.append(f"{name} out")

    if not backend.is_shared_by_processes:
        # Without a cross-process lock the hook is a no-op; the runner's asyncio.Lock orders
        # runs of one process, so there is nothing to check here but that it enters.
        await run("A")
        assert order == ["A in", "A out"]
        return
    first = asyncio.create_task(run("A"))
    await first_in.wait()
    await asyncio.gather(first, run("B"))
    assert order == ["A in", "A out", "B in", "B out"]
    # A run that fails or is cancelled while waiting leaves the lock free.
    with pytest.raises(RuntimeError):
        async with session_run_lock(service, "app", "u", "s"):
            raise RuntimeError("the run failed")
    async with session_run_lock(service, "app", "u", "s"):
        waiting = asyncio.create_task(run("C"))
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
    assert not await is_run_locked(backend, "app", "u", "s")
