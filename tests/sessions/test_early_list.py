"""The sidebar's rows read before the store opens (``sessions/early_list.py``): the same rows
``list_tree`` gives, and nothing when the file is not one this code can read early."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from threadline.app.early import APP_NAME, PINNED_KEY, USER_ID, early_rows
from threadline.core.events import Event, Message
from threadline.sessions import SQLiteSessionService
from threadline.sessions.early_list import SCHEMA_VERSION, early_sidebar
from threadline.sessions.schema import CURRENT_VERSION


def _store(folder: Path) -> list[tuple[object, ...]]:
    async def fill() -> list[tuple[object, ...]]:
        store = SQLiteSessionService(folder / "threadline.db")
        for n in range(3):
            session = await store.create_session(APP_NAME, USER_ID, f"s{n}")
            for text in (f"question {n}", f"answer {n}"):
                role = "user" if text.startswith("q") else "assistant"
                await store.append_event(
                    session, Event(author=role, message=Message(role=role, content=text))
                )
        rows = await store.load_rows("s1")
        await store.branch(APP_NAME, USER_ID, "s1", rows[0].id)
        await store.set_setting(PINNED_KEY, ["s2"])
        listed = [tuple(r) for r in await store.list_tree(APP_NAME, USER_ID)]
        await store.aclose()
        return listed

    return asyncio.run(fill())


def test_the_version_is_the_schemas() -> None:
    assert SCHEMA_VERSION == CURRENT_VERSION


def test_the_early_rows_are_the_stores_own(tmp_path: Path) -> None:
    listed = _store(tmp_path)
    found = early_rows(tmp_path)
    assert found is not None
    rows, pinned = found
    assert [tuple(r) for r in rows] == listed  # branches and their fork text too
    assert any(r[2] == "s1" and r[4] == "question 1" for r in rows)
    assert pinned == ["s2"]


def test_nothing_early_when_the_file_cannot_be_read_so(tmp_path: Path) -> None:
    assert early_rows(tmp_path) is None  # no store yet
    _store(tmp_path)
    path = tmp_path / "threadline.db"
    (tmp_path / "settings.json").write_text(json.dumps({"storage": {"kind": "server"}}))
    assert early_rows(tmp_path) is None  # the conversations are on a shared server
    (tmp_path / "settings.json").write_text("{not json")
    assert early_rows(tmp_path) is None  # the settings' own load says what is wrong
    (tmp_path / "settings.json").unlink()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")  # a newer Threadline's file
    db.commit()
    db.close()
    assert early_sidebar(path, APP_NAME, USER_ID, PINNED_KEY) is None
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"this is not a database" * 100)
    assert early_sidebar(damaged, APP_NAME, USER_ID, PINNED_KEY) is None
