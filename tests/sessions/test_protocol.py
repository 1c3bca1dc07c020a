"""The SessionService contract, run against the in-memory and the SQLite implementation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.sessions.backends import msg
from threadline.core.events import Event, EventActions
from threadline.sessions import InMemorySessionService, SQLiteSessionService

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture(params=["memory", "sqlite"])
async def service(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    if request.param == "memory":
        yield InMemorySessionService()
    else:
        store = SQLiteSessionService(tmp_path / "sessions.db")
        yield store
        await store.aclose()


async def test_create_get_list_delete(service: Any) -> None:
    created = await service.create_session("app", "u", "s1", state={"k": 1})
    assert created.id == "s1" and created.state == {"k": 1} and created.events == []
    with pytest.raises(ValueError):
        await service.create_session("app", "u", "s1")
    other = await service.create_session("app", "u")
    assert other.id and other.id != "s1"
    assert await service.get_session("app", "u", "missing") is None
    assert await service.get_session("app", "someone-else", "s1") is None
    listed = {s.id for s in await service.list_sessions("app", "u")}
    assert listed == {"s1", other.id}
    await service.delete_session("app", "u", "s1")
    assert await service.get_session("app", "u", "s1") is None
    assert {s.id for s in await service.list_sessions("app", "u")} == {other.id}


async def test_append_applies_state_in_three_scopes(service: Any) -> None:
    session = await service.create_session("app", "u", "s")
    delta = {"topic": "x", "app:theme": "dark", "user:name": "Ada", "temp:scratch": 1}
    await service.append_event(session, msg("hi", actions=EventActions(state_delta=delta)))
    assert session.state == {"topic": "x", "app:theme": "dark", "user:name": "Ada"}
    loaded = await service.get_session("app", "u", "s")
    assert loaded.state == {"topic": "x", "app:theme": "dark", "user:name": "Ada"}
    assert loaded.events[0].message.content == "hi"
    assert loaded.title == "hi"
    fresh = await service.create_session("app", "u", "t")
    assert fresh.state == {"app:theme": "dark", "user:name": "Ada"}
    stranger = await service.create_session("app", "v", "w")
    assert stranger.state == {"app:theme": "dark"}
    await service.update_app_state("app", {"theme": "light"})
    await service.update_user_state("app", "u", {"name": "Grace"})
    again = await service.get_session("app", "u", "s")
    assert again.state["app:theme"] == "light" and again.state["user:name"] == "Grace"


async def test_partial_events_are_not_stored(service: Any) -> None:
    session = await service.create_session("app", "u", "s")
    await service.append_event(session, Event(author="a", partial=True, delta="x"))
    assert (await service.get_session("app", "u", "s")).events == []


async def test_fork_inherits_up_to_event_and_then_diverges(service: Any) -> None:
    session = await service.create_session("app", "u", "s")
    events = [msg(f"m{i}", author="user" if i % 2 == 0 else "bot") for i in range(5)]
    for event in events:
        await service.append_event(session, event)
    branch = await service.fork_session("app", "u", "s", events[2].id)
    assert branch.parent_id == "s" and branch.fork_event_id == events[2].id
    assert [e.message.content for e in branch.events] == ["m0", "m1", "m2"]
    await service.append_event(branch, msg("branch only"))
    await service.append_event(session, msg("main only"))
    main = await service.get_session("app", "u", "s")
    fork = await service.get_session("app", "u", branch.id)
    assert [e.message.content for e in main.events][-1] == "main only"
    assert [e.message.content for e in fork.events] == ["m0", "m1", "m2", "branch only"]
    # A fork of a fork, at an inherited event and at an own one.
    deep = await service.fork_session("app", "u", branch.id, events[1].id)
    assert [e.message.content for e in deep.events] == ["m0", "m1"]
    own = fork.events[-1].id
    deeper = await service.fork_session("app", "u", branch.id, own)
    assert [e.message.content for e in deeper.events] == ["m0", "m1", "m2", "branch only"]
    with pytest.raises(KeyError):
        await service.fork_session("app", "u", "s", "no-such-event")
    with pytest.raises(KeyError):
        await service.fork_session("app", "u", branch.id, events[4].id)  # after the fork point


async def test_deleting_a_parent_keeps_its_branches(service: Any) -> None:
    session = await service.create_session("app", "u", "s")
    first = msg("keep me")
    await service.append_event(session, first)
    branch = await service.fork_session("app", "u", "s", first.id)
    await service.delete_session("app", "u", "s")
    kept = await service.get_session("app", "u", branch.id)
    assert [e.message.content for e in kept.events] == ["keep me"]
