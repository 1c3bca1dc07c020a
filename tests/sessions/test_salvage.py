"""Damaged data files: moved aside and kept, and what can still be read salvaged into a fresh
file — a damaged header, damaged pages in the middle, and damage found while in use."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.sessions.test_sqlite_store import msg
from threadline.core.errors import CorruptDatabaseError
from threadline.sessions import SQLiteSessionService

pytestmark = pytest.mark.asyncio
PAGE = 4096


async def filled(path: Path, sessions: int, messages: int) -> list[str]:
    """A store with ``sessions`` conversations of ``messages`` messages each; their texts."""
    store = SQLiteSessionService(path)
    texts = []
    for number in range(sessions):
        session = await store.create_session("threadline", "local", f"s{number}")
        for index in range(messages):
            text = f"conversation {number} message {index} " + "words " * 40
            await store.append_event(session, msg(text))
            texts.append(text)
    await store.aclose()  # checkpoints: everything is in the main file
    return texts


async def stored_texts(store: SQLiteSessionService) -> set[str]:
    sessions = await store.list_sessions("threadline", "local")
    found: set[str] = set()
    for meta in sessions:
        session = await store.get_session("threadline", "local", meta.id)
        assert session is not None
        found.update(e.message.content for e in session.events if e.message)
    return found


def damage(path: Path, offset: int, length: int) -> None:
    with open(path, "r+b") as handle:
        handle.seek(offset)
        handle.write(b"\xa5" * length)


async def test_a_damaged_header_is_repaired_and_everything_salvaged(tmp_path: Path) -> None:
    path = tmp_path / "threadline.db"
    texts = await filled(path, 3, 20)
    damage(path, 0, 100)  # the whole header
    store = SQLiteSessionService(path, exclusive=True)
    try:
        assert store.recovery is not None
        assert store.recovery.salvage.header_repaired
        assert Path(store.recovery.moved_to).exists()  # noqa: ASYNC240
        assert await stored_texts(store) == set(texts)
        assert store.recovery.salvage.sessions == 3
        assert "3 conversation(s)" in store.recovery.message
        # The fresh file is a working store: new messages are kept, search finds old ones.
        session = await store.get_session("threadline", "local", "s0")
        assert session is not None
        await store.append_event(session, msg("after the repair"))
        hits = await store.search_sessions("threadline", "local", "conversation")
        assert {h.session.id for h in hits} == {"s0", "s1", "s2"}
    finally:
        await store.aclose()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


async def test_damaged_pages_in_the_middle_lose_only_those_rows(tmp_path: Path) -> None:
    path = tmp_path / "threadline.db"
    texts = await filled(path, 2, 150)
    pages = path.stat().st_size // PAGE
    damage(path, (pages // 2) * PAGE, 2 * PAGE)  # two pages in the middle of the events
    store = SQLiteSessionService(path)
    try:
        assert store.recovery is not None  # quick_check found it at open
        saved = await stored_texts(store)
        assert saved <= set(texts)
        assert len(saved) >= len(texts) - 40  # a page holds a few rows; the rest survive
        assert store.recovery.salvage.events == len(saved)
    finally:
        await store.aclose()


async def test_damage_found_in_use_is_salvaged_on_the_first_error(tmp_path: Path) -> None:
    path = tmp_path / "threadline.db"
    texts = await filled(path, 2, 150)
    store = SQLiteSessionService(path)
    try:
        assert store.recovery is None
        pages = path.stat().st_size // PAGE
        damage(path, (pages // 2) * PAGE, 2 * PAGE)  # damaged while the app runs
        with pytest.raises(CorruptDatabaseError) as failed:
            await store._call(
                lambda db: db.execute("SELECT count(*), max(body) FROM events").fetchall()
            )
        assert "recovered into a new file" in str(failed.value)
        assert store.recovery is not None
        assert Path(store.recovery.moved_to).exists()  # noqa: ASYNC240
        saved = await stored_texts(store)
        assert saved and saved <= set(texts)
        session = await store.get_session("threadline", "local", "s1")
        assert session is not None
        await store.append_event(session, msg("still saving"))  # the fresh file is in use
    finally:
        await store.aclose()


async def test_a_big_file_opens_at_once_and_damage_found_meanwhile_is_salvaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from threadline.sessions import store_files

    path = tmp_path / "threadline.db"
    texts = await filled(path, 2, 150)
    pages = path.stat().st_size // PAGE
    damage(path, (pages // 2) * PAGE, 2 * PAGE)
    monkeypatch.setattr(store_files, "CHECK_AT_OPEN_BYTES", 0)  # "big": checked after opening
    monkeypatch.setattr(store_files, "CHECK_DELAY_S", 0.0)
    store = SQLiteSessionService(path)
    try:
        assert store.recovery is None  # opened without reading every page
        deadline = asyncio.get_running_loop().time() + 10
        while store._damage is None:  # the background check reports on its own thread
            assert asyncio.get_running_loop().time() < deadline, "the check never reported"
            await asyncio.sleep(0.01)
        with pytest.raises(CorruptDatabaseError, match="Try again"):
            await store.list_sessions("threadline", "local")
        assert store.recovery is not None and Path(store.recovery.moved_to).exists()  # noqa: ASYNC240
        kept = await stored_texts(store)  # the next call works on the salvaged file
        assert kept and kept <= set(texts)
    finally:
        await store.aclose()
