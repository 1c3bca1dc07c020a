"""SQLite-specific guarantees: O(1) forks, trash, search, export, migrations, faults."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from threadline.core.errors import (
    DatabaseInUseError,
    StorageError,
    ThreadlineError,
)
from threadline.core.events import Event, EventTag, Message
from threadline.runner import LLMAgent, Runner, ScriptedModel
from threadline.sessions import EventRow, SQLiteSessionService, TreeRow
from threadline.sessions.instance_lock import is_held
from threadline.sessions.queries import HISTORY_COLUMNS
from threadline.sessions.schema import CURRENT_VERSION, V1

pytestmark = pytest.mark.asyncio


def msg(text: str, author: str = "user") -> Event:
    role = "user" if author == "user" else "assistant"
    return Event(invocation_id="i", author=author, message=Message(role=role, content=text))


async def test_fork_copies_no_rows(tmp_path: Path) -> None:
    store = SQLiteSessionService(tmp_path / "s.db")
    session = await store.create_session("app", "u", "s")
    for i in range(200):
        await store.append_event(session, msg(f"message {i}"))
    rows_before = (
        sqlite3.connect(tmp_path / "s.db").execute("SELECT count(*) FROM events").fetchone()[0]
    )
    branch = await store.fork_session("app", "u", "s", session.events[100].id)
    rows_after = (
        sqlite3.connect(tmp_path / "s.db").execute("SELECT count(*) FROM events").fetchone()[0]
    )
    assert rows_before == rows_after == 200
    assert len(branch.events) == 101
    await store.aclose()


async def test_events_survive_reopen_and_runner_uses_store(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SQLiteSessionService(path)
    runner = Runner(
        "app", LLMAgent("a", model=ScriptedModel(["hello there"])), session_service=store
    )
    await runner.run_to_end("u", "s", "hi 🌍")
    await store.aclose()
    reopened = SQLiteSessionService(path)
    session = await reopened.get_session("app", "u", "s")
    assert session is not None
    assert [e.message.content for e in session.events if e.message] == ["hi 🌍", "hello there"]
    assert session.title == "hi 🌍"
    await reopened.aclose()


async def test_a_reopened_file_reads_a_history_once(tmp_path: Path) -> None:
    """After a restart the first turn reads the history from the file and later turns use what
    it read (a missing baseline of the file's version once made the second read it again)."""
    path = tmp_path / "s.db"
    store = SQLiteSessionService(path)
    session = await store.create_session("app", "u", "s")
    for i in range(20):
        await store.append_event(
            session, Event(author="user", message=Message(role="user", content=f"m{i}"))
        )
    await store.aclose()
    reopened = SQLiteSessionService(path)
    statements: list[str] = []
    await reopened._call(lambda db: db.set_trace_callback(statements.append))
    runner = Runner(
        "app", LLMAgent("a", model=ScriptedModel(["one", "two"])), session_service=reopened
    )
    await runner.run_to_end("u", "s", "first after the restart")
    await runner.run_to_end("u", "s", "second")
    history_reads = [s for s in statements if s.startswith(f"SELECT {HISTORY_COLUMNS} ")]
    assert len(history_reads) == 1, history_reads
    await reopened._call(lambda db: db.set_trace_callback(None))
    await reopened.aclose()


async def test_light_rows_have_names(tmp_path: Path) -> None:
    store = SQLiteSessionService(tmp_path / "s.db")
    runner = Runner("app", LLMAgent("a", model=ScriptedModel(["hello"])), session_service=store)
    await runner.run_to_end("u", "s", "hi")
    rows = await store.load_rows("s")
    assert all(isinstance(r, EventRow) for r in rows)
    user, reply = rows
    assert (user.author, user.role, user.text, user.body) == ("user", "user", "hi", "")
    assert (reply.author, reply.role, reply.tag, reply.text) == (
        "a",
        "assistant",
        "model.reply",
        "hello",
    )
    assert reply.tag == EventTag.MODEL_REPLY
    assert Event.model_validate_json(reply.body).id == reply.id
    assert user.seq < reply.seq
    assert reply[1] == reply.id and reply[4] == reply.tag  # positional order is kept

    branch = await store.fork_session("app", "u", "s", user.id)
    tree = await store.list_tree("app", "u")
    assert all(isinstance(r, TreeRow) for r in tree)
    by_id = {r.id: r for r in tree}
    assert by_id[branch.id].parent_id == "s" and by_id[branch.id].fork_text == "hi"
    assert by_id["s"].parent_id is None and by_id["s"].title == "hi"
    assert by_id["s"] == ("s", "hi", None, by_id["s"].updated_at, "")
    await store.aclose()


async def test_trash_restore_and_empty_keep_branches(tmp_path: Path) -> None:
    store = SQLiteSessionService(tmp_path / "s.db")
    parent = await store.create_session("app", "u", "p")
    first, second = msg("one"), msg("two")
    await store.append_event(parent, first)
    await store.append_event(parent, second)
    branch = await store.fork_session("app", "u", "p", first.id)
    lonely = await store.create_session("app", "u", "lonely")
    await store.delete_session("app", "u", "p")
    await store.delete_session("app", "u", "lonely")
    assert {s.id for s in await store.list_trash("app", "u")} == {"p", "lonely"}
    await store.restore_session("app", "u", "lonely")
    assert await store.get_session("app", "u", "lonely") is not None
    await store.delete_session("app", "u", lonely.id)
    assert await store.empty_trash("app", "u") == 2
    assert await store.list_trash("app", "u") == []
    kept = await store.get_session("app", "u", branch.id)
    assert kept is not None and [e.message.content for e in kept.events if e.message] == ["one"]
    await store.aclose()


async def test_rename_and_search(tmp_path: Path) -> None:
    store = SQLiteSessionService(tmp_path / "s.db")
    a = await store.create_session("app", "u", "a")
    await store.append_event(a, msg("How do tides work near the équateur?"))
    b = await store.create_session("app", "u", "b")
    await store.append_event(b, msg("Recipe for bread"))
    await store.append_event(b, msg("Knead it, then let the dough rise", author="bot"))
    await store.rename_session("app", "u", "b", "Baking notes")
    hits = await store.search_sessions("app", "u", "dough")
    assert [h.session.id for h in hits] == ["b"] and "[dough]" in hits[0].snippet
    assert [h.session.id for h in await store.search_sessions("app", "u", "equateur")] == ["a"]
    assert [h.session.id for h in await store.search_sessions("app", "u", "Baking")] == ["b"]
    assert await store.search_sessions("app", "u", '"); DROP TABLE events; --') == []
    assert [h.session.id for h in await store.search_sessions("app", "u", "tid")] == ["a"]  # prefix
    await store.aclose()


async def test_migrates_a_v1_file_and_keeps_a_copy(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(V1)
    db.execute(
        "INSERT INTO sessions (id, app_name, user_id, title, created_at, updated_at)"
        " VALUES ('s', 'app', 'u', 'old', 1, 1)"
    )
    db.execute(
        "INSERT INTO events (session_id, id, author, role, timestamp, text, body)"
        " VALUES ('s', 'e1', 'user', 'user', 1, 'hi', ?)",
        (msg("hi").model_copy(update={"id": "e1"}).model_dump_json(),),
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    store = SQLiteSessionService(path)
    session = await store.get_session("app", "u", "s")
    assert session is not None and session.title == "old" and session.events[0].id == "e1"
    assert (tmp_path / "old.db.v1.bak").stat().st_size > 0
    version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert version == CURRENT_VERSION
    await store.set_setting("k", {"v": 1})
    assert await store.get_setting("k") == {"v": 1}
    await store.aclose()


async def test_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    before = path.read_bytes()
    with pytest.raises(StorageError, match="newer Threadline"):
        SQLiteSessionService(path)
    assert path.read_bytes() == before


async def test_a_file_that_is_not_a_database_is_kept_and_a_fresh_one_used(tmp_path: Path) -> None:
    path = tmp_path / "bad.db"
    garbage = b"this is not sqlite" * 100
    path.write_bytes(garbage)
    store = SQLiteSessionService(path, exclusive=True)
    assert store.recovery is not None
    moved = Path(store.recovery.moved_to)
    assert moved.read_bytes() == garbage  # noqa: ASYNC240
    assert str(moved) in store.recovery.message
    await store.create_session("app", "u", "s")  # the fresh file works, and holds the lock
    await store.aclose()
    again = SQLiteSessionService(path, exclusive=True)  # the lock was let go
    assert again.recovery is None
    await again.aclose()


async def test_read_only_database_keeps_data_and_explains(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    store = SQLiteSessionService(path)
    session = await store.create_session("app", "u", "s")
    await store.append_event(session, msg("saved before"))
    await store.aclose()
    ro = SQLiteSessionService(path)
    # Make the open connection read-only the way a read-only mount behaves for writes.
    await ro._call(lambda db: db.execute("PRAGMA query_only = ON"))
    with pytest.raises(StorageError, match="read-only"):
        await ro.append_event(session, msg("lost?"))
    await ro._call(lambda db: db.execute("PRAGMA query_only = OFF"))
    loaded = await ro.get_session("app", "u", "s")
    assert loaded is not None and [e.message.content for e in loaded.events if e.message] == [
        "saved before"
    ]
    await ro.aclose()


async def test_locked_database_gives_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threadline.sessions.store_files as files

    path = tmp_path / "locked.db"
    store = SQLiteSessionService(path)
    session = await store.create_session("app", "u", "s")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    await store._call(lambda db: db.execute("PRAGMA busy_timeout = 50"))
    with pytest.raises(StorageError, match="locked by another program"):
        await store.append_event(session, msg("wait"))
    other.execute("ROLLBACK")
    other.close()
    await store.append_event(session, msg("now"))
    await store.aclose()
    del files, monkeypatch


async def test_second_instance_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "one.db"
    first = SQLiteSessionService(path, exclusive=True)
    with pytest.raises(DatabaseInUseError, match="already open") as info:
        SQLiteSessionService(path, exclusive=True)
    assert isinstance(info.value, ThreadlineError) and info.value.code == "storage_in_use"
    assert is_held(path)
    await first.aclose()
    assert not is_held(path)
    second = SQLiteSessionService(path, exclusive=True)
    await second.aclose()


async def test_the_newest_rows_are_read_across_a_branch_lineage(tmp_path: Path) -> None:
    store = SQLiteSessionService(tmp_path / "s.db")
    root = await store.create_session("app", "u", "root")
    for i in range(10):
        await store.append_event(root, msg(f"root {i}"))
    branch = await store.branch("app", "u", "root", root.events[5].id)  # inherits root 0-5
    assert branch.events == [] and branch.parent_id == "root"
    own = await store.get_meta("app", "u", branch.id)
    assert own is not None
    for i in range(3):
        await store.append_event(own, msg(f"branch {i}"))
    whole = [r.text for r in await store.load_rows(branch.id)]
    assert whole == [f"root {i}" for i in range(6)] + [f"branch {i}" for i in range(3)]
    newest = await store.load_rows(branch.id, last=5)
    assert [r.text for r in newest] == whole[-5:]
    older = await store.load_rows(branch.id, last=3, before=newest[0].seq)
    assert [r.text for r in older] == whole[1:4]
    assert [r.text for r in await store.load_rows(branch.id, last=9, before=older[0].seq)] == [
        "root 0"
    ]
    assert await store.event_seq(branch.id, root.events[7].id) is None  # past the fork
    assert await store.event_seq(branch.id, root.events[2].id) == older[1].seq
    await store.aclose()
