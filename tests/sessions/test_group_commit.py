"""Appends that arrive together share a commit; WAL checkpoints keep the file bounded."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from threadline.core.errors import StorageError
from threadline.core.events import Event, Message
from threadline.sessions import SQLiteSessionService, checkpoints

pytestmark = pytest.mark.asyncio


def msg(text: str) -> Event:
    return Event(invocation_id="i", author="a", message=Message(role="assistant", content=text))


async def test_concurrent_appends_share_commits_and_keep_each_sessions_order(
    tmp_path: Path,
) -> None:
    store = SQLiteSessionService(tmp_path / "s.db")
    sessions = [await store.create_session("app", "u", f"s{k}") for k in range(6)]

    async def writer(k: int) -> None:
        for i in range(40):
            await store.append_event(sessions[k], msg(f"{k}-{i}"))

    await asyncio.gather(*(writer(k) for k in range(6)))
    assert store._appends.commits < 6 * 40  # several appends went into one transaction
    await store.aclose()
    reopened = SQLiteSessionService(tmp_path / "s.db")
    for k in range(6):
        rows = await reopened.load_rows(f"s{k}")
        assert [r.text for r in rows] == [f"{k}-{i}" for i in range(40)]
    await reopened.aclose()


async def test_an_event_that_cannot_be_written_fails_alone_in_its_batch(tmp_path: Path) -> None:
    store = SQLiteSessionService(tmp_path / "s.db")
    first = await store.create_session("app", "u", "a")
    second = await store.create_session("app", "u", "b")
    taken = await store.append_event(first, msg("first"))
    duplicate = msg("again").model_copy(update={"id": taken.id})
    results = await asyncio.gather(
        store.append_event(second, msg("before")),
        store.append_event(first, duplicate),  # the same id twice in one session
        store.append_event(second, msg("after")),
        return_exceptions=True,
    )
    assert isinstance(results[1], StorageError)
    assert not isinstance(results[0], BaseException) and not isinstance(results[2], BaseException)
    assert [r.text for r in await store.load_rows("b")] == ["before", "after"]
    assert [r.text for r in await store.load_rows("a")] == ["first"]
    await store.aclose()


async def test_checkpoints_keep_the_wal_bounded_while_appending(tmp_path: Path) -> None:
    store = SQLiteSessionService(tmp_path / "s.db")
    session = await store.create_session("app", "u", "s")
    body = "tides and bread " * 200  # about 3 KB per event: a page or more each
    for i in range(checkpoints.EVERY * 4):
        await store.append_event(session, msg(f"{i} {body}"))
    wal = tmp_path / "s.db-wal"
    # Without checkpoints the WAL holds every page written (about 60 MB here).
    assert store._checkpointer.runs >= 1
    assert wal.stat().st_size < checkpoints.WAL_LIMIT + 2 * checkpoints.EVERY * 4 * 4096
    await store.aclose()
    assert not wal.exists() or wal.stat().st_size == 0  # the last close checkpointed the rest
