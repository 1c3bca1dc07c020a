"""The desktop app's store surface (``DesktopStore``), run alike on this computer's store
(SQLite) and a shared one (a real PostgreSQL server): the sidebar's rows, windows of a
history across a branch, the trash, blobs once per hash, settings, search with and without
marks, event positions, imports, and the memory service over each store's own index."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from tests.sessions.backends import Backend, make_backend, msg
from threadline.core.events import Event, ImagePart, Message
from threadline.sessions import EventRow, TreeRow
from threadline.sessions.bulk import SessionPlan
from threadline.sessions.memory_service import StoreMemoryService

pytestmark = pytest.mark.asyncio

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


@pytest_asyncio.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    """An empty store of each kind the desktop app can use."""
    server = request.getfixturevalue("postgres_server") if request.param == "postgres" else None
    backend: Backend = await make_backend(request.param, tmp_path, server)
    try:
        yield backend.make()
    finally:
        await backend.close()


async def test_tree_rows_name_each_branch_and_its_fork_text(store: Any) -> None:
    root = await store.create_session("app", "u", "root")
    asked, answered = msg("what is a tide?"), msg("the sea rising", author="bot")
    await store.append_event(root, asked)
    await store.append_event(root, answered)
    branch = await store.branch("app", "u", "root", asked.id)
    await store.create_session("app", "someone-else", "theirs")
    rows = await store.list_tree("app", "u")
    assert all(isinstance(row, TreeRow) for row in rows)
    by_id = {row.id: row for row in rows}
    assert set(by_id) == {"root", branch.id}
    assert (by_id[branch.id].parent_id, by_id[branch.id].fork_text) == ("root", asked.text)
    assert (by_id["root"].parent_id, by_id["root"].fork_text) == (None, "")
    assert by_id["root"].title == "what is a tide?"
    await store.rename_session("app", "u", branch.id, "  tides,\n again ")
    renamed = await store.get_meta("app", "u", branch.id)
    assert renamed is not None and renamed.title == "tides, again" and renamed.events == []
    assert rows[0].updated_at >= rows[-1].updated_at  # most recently updated first


async def test_windows_of_rows_across_a_branch_lineage(store: Any) -> None:
    root = await store.create_session("app", "u", "root")
    for i in range(10):
        await store.append_event(root, msg(f"root {i}"))
    branch = await store.branch("app", "u", "root", root.events[5].id)  # inherits root 0-5
    assert branch.events == [] and branch.parent_id == "root"
    grand = await store.get_meta("app", "u", branch.id)
    for i in range(3):
        await store.append_event(grand, msg(f"branch {i}", author="bot"))
    leaf = await store.branch("app", "u", branch.id, grand.events[1].id)  # root 0-5, branch 0-1
    own = await store.get_meta("app", "u", leaf.id)
    await store.append_event(own, msg("leaf 0"))

    whole = await store.load_rows(leaf.id)
    assert all(isinstance(row, EventRow) for row in whole)
    texts = [row.text for row in whole]
    assert texts == [f"root {i}" for i in range(6)] + ["branch 0", "branch 1", "leaf 0"]
    assert [row.seq for row in whole] == sorted(row.seq for row in whole)
    assert whole[0].body == ""  # a user message's text is all a view needs
    assert Event.model_validate_json(whole[6].body).id == whole[6].id  # a reply keeps its JSON
    newest = await store.load_rows(leaf.id, last=4)
    assert [row.text for row in newest] == texts[-4:]
    older = await store.load_rows(leaf.id, last=3, before=newest[0].seq)
    assert [row.text for row in older] == texts[2:5]
    rest = await store.load_rows(leaf.id, last=10, before=older[0].seq)
    assert [row.text for row in rest] == texts[:2]
    assert await store.load_rows(leaf.id, last=10, before=rest[0].seq) == []
    assert [r.text for r in await store.load_rows(leaf.id, before=whole[3].seq)] == texts[:3]

    assert await store.event_seq(leaf.id, root.events[2].id) == whole[2].seq
    assert await store.event_seq(leaf.id, root.events[7].id) is None  # past the fork
    assert await store.event_seq(leaf.id, grand.events[2].id) is None
    assert await store.event_seq(leaf.id, "no-such-event") is None
    with pytest.raises(KeyError):
        await store.branch("app", "u", "root", grand.events[0].id)  # not in root's history
    with pytest.raises(KeyError):
        await store.branch("app", "u", "missing", root.events[0].id)


async def test_trash_restore_and_empty_keep_what_branches_inherit(store: Any) -> None:
    parent = await store.create_session("app", "u", "p")
    first, second = msg("one"), msg("two")
    await store.append_event(parent, first)
    await store.append_event(parent, second)
    branch = await store.fork_session("app", "u", "p", first.id)
    lonely = await store.create_session("app", "u", "lonely")
    await store.append_event(lonely, msg("alone"))
    await store.delete_session("app", "u", "p")
    await store.delete_session("app", "u", "lonely")
    assert [s.id for s in await store.list_trash("app", "u")] == ["lonely", "p"]
    assert {row.id for row in await store.list_tree("app", "u")} == {branch.id}
    await store.restore_session("app", "u", "lonely")
    restored = await store.get_session("app", "u", "lonely")
    assert restored is not None and [e.text for e in restored.events] == ["alone"]
    await store.delete_session("app", "u", "lonely")
    assert await store.empty_trash("app", "u") == 2
    assert await store.list_trash("app", "u") == []
    assert await store.empty_trash("app", "u") == 0
    await store.restore_session("app", "u", "p")  # purged: stays gone
    assert await store.get_session("app", "u", "p") is None
    kept = await store.get_session("app", "u", branch.id)
    assert kept is not None and [e.text for e in kept.events] == ["one"]
    assert [row.text for row in await store.load_rows(branch.id)] == ["one"]


async def test_image_bytes_are_stored_once_per_hash(store: Any) -> None:
    session = await store.create_session("app", "u", "s")
    for turn in range(3):
        part = ImagePart(data=PNG, name="chart.png")
        message = Message(role="user", content=f"look {turn}", parts=[part])
        await store.append_event(session, Event(author="user", message=message))
    ref = session.events[0].message.parts[0].ref
    assert ref is not None and ref.startswith("sha256:")
    assert await store.get_blob(ref) == PNG
    assert await store.get_blob("sha256:" + "0" * 64) is None
    assert await _stored_blobs(store) == 1
    loaded = await store.get_session("app", "u", "s")
    assert loaded is not None
    assert [e.message.parts[0].data for e in loaded.events] == [PNG] * 3
    rows = await store.load_rows("s")
    assert all(PNG.hex()[:32] not in row.body for row in rows)  # the JSON keeps the ref only
    assert all(ref in row.body for row in rows)  # a user message with parts keeps its body
    await store.delete_session("app", "u", "s")
    await store.empty_trash("app", "u")
    assert await store.get_blob(ref) is None  # no event names it any more
    assert await _stored_blobs(store) == 0


async def _stored_blobs(store: Any) -> int:
    if hasattr(store, "path"):  # SQLite
        import sqlite3

        with sqlite3.connect(store.path) as db:
            return int(db.execute("SELECT count(*) FROM blobs").fetchone()[0])
    conn = await asyncpg.connect(store._dsn)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM blobs"))
    finally:
        await conn.close()


async def test_settings_are_json_values_kept_with_the_data(store: Any) -> None:
    assert await store.get_setting("agents") is None
    await store.set_setting("agents", [{"name": "helper", "tools": ["clock"]}])
    await store.set_setting("pinned_sessions", ["a", "b"])
    await store.set_setting("pinned_sessions", ["b"])
    assert await store.get_setting("agents") == [{"name": "helper", "tools": ["clock"]}]
    assert await store.get_setting("pinned_sessions") == ["b"]
    await store.set_setting("text", "Ünïcode ✓")
    assert await store.get_setting("text") == "Ünïcode ✓"


async def test_search_marks_words_for_the_sidebar_and_not_for_memory(store: Any) -> None:
    a = await store.create_session("app", "u", "a")
    await store.append_event(a, msg("How do tides work near the equator?"))
    b = await store.create_session("app", "u", "b")
    await store.append_event(b, msg("Recipe for bread"))
    await store.append_event(b, msg("Knead it, then let the dough rise overnight", author="bot"))
    await store.rename_session("app", "u", "b", "Baking notes")
    hits = await store.search_sessions("app", "u", "dough")
    assert [h.session.id for h in hits] == ["b"] and "[dough]" in hits[0].snippet
    clean = await store.search_sessions("app", "u", "dough", marks=False)
    assert "dough" in clean[0].snippet and "[" not in clean[0].snippet
    assert [h.session.id for h in await store.search_sessions("app", "u", "tid")] == ["a"]
    assert [h.session.id for h in await store.search_sessions("app", "u", "Baking")] == ["b"]
    assert await store.search_sessions("app", "u", "tides dough") == []  # every word
    either = await store.search_sessions("app", "u", "tides dough", match_any=True)
    assert {h.session.id for h in either} == {"a", "b"}
    assert await store.search_sessions("app", "u", '"); DROP TABLE events; --') == []
    await store.delete_session("app", "u", "b")
    assert await store.search_sessions("app", "u", "dough") == []  # the trash is not searched

    memory = StoreMemoryService(store)
    found = await memory.search_memory("app", "u", "what about the equator and tides?")
    assert [(hit.session_id, "[" in hit.snippet) for hit in found] == [("a", False)]


async def test_imports_land_whole_with_ids_and_branches_kept(store: Any) -> None:
    first, second, third = msg("one"), msg("two", author="bot"), msg("three")
    plans = [
        SessionPlan(title="Imported", events=[first, second], id="kept-id", created_at=100.0),
        SessionPlan(title="Branch", events=[third], parent=0, fork_event_id=first.id),
    ]
    ids = await store.import_sessions("app", "u", plans)
    assert ids[0] == "kept-id" and len(ids) == 2
    meta = await store.get_meta("app", "u", "kept-id")
    assert meta is not None and (meta.title, meta.created_at) == ("Imported", 100.0)
    assert [r.text for r in await store.load_rows(ids[1])] == ["one", "three"]
    later = SessionPlan(title="Later", events=[msg("four")], parent_id="kept-id")
    later.fork_event_id = second.id
    (late_id,) = await store.import_sessions("app", "u", [later])
    assert [r.text for r in await store.load_rows(late_id)] == ["one", "two", "four"]

    again = SessionPlan(title="Again", events=[msg("five")], id="kept-id")
    with pytest.raises(Exception):  # noqa: B017 - each store says it its own way
        await store.import_sessions("app", "u", [SessionPlan(title="ok", id="fresh"), again])
    assert await store.get_meta("app", "u", "fresh") is None  # all or nothing

    whole = await store.import_session("app", "u", state={"k": 1}, title="One", events=[msg("x")])
    assert (whole.title, whole.state, [e.text for e in whole.events]) == ("One", {"k": 1}, ["x"])
