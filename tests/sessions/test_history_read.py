"""A history read back from SQLite leaves plain messages unparsed (``core.event_log``), and the
model still gets exactly what it got before the restart; every event reads back whole."""

from __future__ import annotations

import asyncio
import copy
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.sessions.test_salvage import PAGE, damage, filled
from tests.sessions.test_sqlite_store import msg
from threadline.app.conversations import read_history_ahead
from threadline.core import (
    ErrorInfo,
    Event,
    EventLog,
    ImagePart,
    Message,
    Session,
    StorageError,
    StoredMessage,
    ToolCall,
)
from threadline.core.errors import CorruptDatabaseError
from threadline.core.event_log import entries
from threadline.runner import (
    ChainAgent,
    LLMAgent,
    ParallelAgent,
    Runner,
    ScriptedModel,
    ScriptedReply,
    function_tool,
)
from threadline.sessions import SQLiteSessionService
from threadline.sessions.queries import HISTORY_COLUMNS


@asynccontextmanager
async def filled_store(
    path: Path, sessions: int, events: int
) -> AsyncIterator[SQLiteSessionService]:
    """A store over ``path`` holding ``sessions`` conversations of ``events`` messages each
    (``s0``, ``s1``, ...), closed afterwards."""
    await filled(path, sessions, events)
    store = SQLiteSessionService(path)
    try:
        yield store
    finally:
        await store.aclose()


@function_tool
def double(n: int) -> int:
    """Doubles n."""
    return 2 * n


def team() -> tuple[Runner, list[ScriptedModel]]:
    """A chain whose first step fans out to two agents (one with a tool) and whose last step
    sees only its own branch: replies of other agents, branches, tool rounds and filters."""
    replies = [f"reply {i}" for i in range(6)]
    tooled = ScriptedModel([ScriptedReply(tool_calls=[("double", '{"n": 2}')]), *replies])
    left = ScriptedModel(list(replies))
    editor = ScriptedModel(list(replies))
    fan = ParallelAgent(
        "fan",
        sub_agents=[
            LLMAgent("left", model=left),
            LLMAgent("tooled", model=tooled, tools=[double]),
        ],
    )
    chain = ChainAgent("root", sub_agents=[fan, LLMAgent("editor", model=editor)])
    return Runner("app", chain), [left, tooled, editor]


@pytest.mark.asyncio
async def test_the_first_request_after_a_restart_is_the_one_sent_without_one(
    tmp_path: Path,
) -> None:
    sent: list[list[list[dict[str, object]]]] = []
    for restart in (False, True):
        store = SQLiteSessionService(tmp_path / f"restart-{restart}.db")
        runner, models = team()
        runner.session_service = store
        await store.create_session("app", "u", "s")
        await runner.run_to_end("u", "s", "first question")
        await runner.run_to_end("u", "s", "second question")
        if restart:
            before = await store.get_session("app", "u", "s")
            await store.aclose()
            store = SQLiteSessionService(tmp_path / f"restart-{restart}.db")
            runner.session_service = store
            after = await store.get_session("app", "u", "s")
            assert before is not None and after is not None
            kinds = [type(e).__name__ for e in entries(after.events)]
            assert kinds.count("StoredMessage") >= 8  # the user's and the agents' plain replies
            assert "Event" in kinds  # the tool call and its result are parsed as they load
            # Every event reads back whole, the unparsed ones when first read.
            assert [e.model_dump() for e in after.events] == [e.model_dump() for e in before.events]
        for model in models:
            model.requests.clear()
        await runner.run_to_end("u", "s", "third question")
        sent.append([[dict(m) for m in model.requests[0].messages] for model in models])
        await store.aclose()
    without, with_restart = sent
    assert with_restart == without
    editor_messages = without[2]
    assert any("[left] said:" in str(m["content"]) for m in editor_messages)


@pytest.mark.asyncio
async def test_only_plain_messages_are_left_unparsed(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SQLiteSessionService(path)
    session = await store.create_session("app", "u", "s")
    plain_user = Event(author="user", message=Message(role="user", content="hi"))
    plain_reply = Event(
        author="a",
        branch="a",
        message=Message(role="assistant", content="hello"),
        tag="model.reply",
    )
    calling = Event(
        author="a",
        message=Message(role="assistant", tool_calls=[ToolCall(id="c1", name="double")]),
    )
    with_image = Event(
        author="user",
        message=Message(role="user", content="look", parts=[ImagePart(data=b"\x89PNG")]),
    )
    failed = Event(
        author="a",
        message=Message(role="assistant", content="x"),
        error=ErrorInfo(code="model_error", message="The model failed."),
    )
    marker = Event(author="runner", tag="run.done", done=True)
    written = [plain_user, plain_reply, calling, with_image, failed, marker]
    for event in written:
        await store.append_event(session, event)
    await store.aclose()

    reopened = SQLiteSessionService(path)
    loaded = await reopened.get_session("app", "u", "s")
    assert loaded is not None
    found = entries(loaded.events)
    assert [isinstance(e, StoredMessage) for e in found] == [True, True, False, False, False, False]
    assert found[1] == StoredMessage(
        plain_reply.id, "", "a", "a", "assistant", "hello", found[1].seq
    )
    assert loaded.events[3].message is not None
    assert loaded.events[3].message.parts[0].data == b"\x89PNG"  # bytes filled from blobs
    assert list(loaded.events) == written
    await reopened.aclose()


async def _written(path: Path, event: Event) -> None:
    """A store holding session ``s`` with ``event`` in it, closed."""
    store = SQLiteSessionService(path)
    session = await store.create_session("app", "u", "s")
    await store.append_event(session, event)
    await store.aclose()


async def _read_back(path: Path) -> Session:
    """Session ``s`` as a restarted store reads it; the store is closed again."""
    reopened = SQLiteSessionService(path)
    loaded = await reopened.get_session("app", "u", "s")
    await reopened.aclose()
    assert loaded is not None
    return loaded


@pytest.mark.asyncio
async def test_rows_written_before_the_plain_column_are_parsed(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    event = Event(author="user", message=Message(role="user", content="from an older version"))
    await _written(path, event)
    db = sqlite3.connect(path)
    db.execute("UPDATE events SET plain = 0, branch = ''")  # as the v4 migration leaves rows
    db.commit()
    db.close()
    loaded = await _read_back(path)
    assert [type(e) for e in entries(loaded.events)] == [Event]
    assert list(loaded.events) == [event]


def test_an_event_log_behaves_as_a_list_of_events() -> None:
    events = [Event(author="user", message=Message(role="user", content=f"m{i}")) for i in range(4)]
    stored = [
        StoredMessage(e.id, e.invocation_id, e.author, "", "user", e.text, seq)
        for seq, e in enumerate(events)
    ]
    reads: list[list[int]] = []

    def read(seqs: Sequence[int]) -> dict[int, str]:
        reads.append(list(seqs))
        return {seq: events[seq].model_dump_json() for seq in seqs}

    log = EventLog(stored, read)
    assert len(log) == 4
    assert log[-1] == events[-1]
    assert reads == [[3]]  # the one event read
    assert isinstance(entries(log)[-1], Event) and isinstance(entries(log)[0], StoredMessage)
    part = log[1:3]
    assert isinstance(part, EventLog) and list(part) == events[1:3]
    copy = log.copy()
    copy.append(Event(author="runner"))
    assert len(log) == 4 and len(copy) == 5
    assert log == events and list(reversed(log)) == events[::-1]
    assert reads[-1] == [0, 1, 2]  # iterating read the rest at once (the slice was a copy)
    assert log + EventLog([events[0]]) == [*events, events[0]]
    del log[0]
    log.insert(0, events[0])
    assert log == events


def test_a_session_dumps_and_loads_its_event_log_as_a_list() -> None:
    event = Event(author="user", message=Message(role="user", content="hi"))
    stored = StoredMessage(event.id, "", "user", "", "user", "hi", 7)
    log = EventLog([stored], lambda seqs: {7: event.model_dump_json()})
    session = Session(id="s", app_name="app", user_id="u", events=log)
    dumped = session.model_dump()
    assert dumped["events"] == [event.model_dump()]
    again = Session.model_validate_json(session.model_dump_json())
    assert isinstance(again.events, EventLog) and again.events == [event]
    assert Session(id="t", app_name="app", user_id="u", events=[event]).events == [event]


@pytest.mark.asyncio
async def test_a_history_read_before_the_store_closed_still_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    written = Event(author="user", message=Message(role="user", content="kept"))
    await _written(path, written)
    loaded = await _read_back(path)
    assert isinstance(entries(loaded.events)[0], StoredMessage)
    assert loaded.events[0] == written  # read through a connection of its own
    gone_path = tmp_path / "gone.db"
    await _written(gone_path, Event(author="user", message=Message(role="user")))
    gone = await _read_back(gone_path)
    for part in gone_path.parent.glob(gone_path.name + "*"):
        part.unlink()
    with pytest.raises(StorageError, match="Could not read the conversation back"):
        _ = gone.events[0]


@pytest.mark.asyncio
async def test_a_history_read_after_a_recovery_comes_from_the_new_file(tmp_path: Path) -> None:
    path = tmp_path / "threadline.db"
    async with filled_store(path, 2, 150) as store:
        before = await store.get_session("threadline", "local", "s0")
        assert before is not None and before.events[0].message is not None  # the reader is open
        damage(path, (path.stat().st_size // PAGE // 2) * PAGE, 2 * PAGE)
        with pytest.raises(CorruptDatabaseError):
            await store._call(lambda db: db.execute("SELECT max(body) FROM events").fetchall())
        session = await store.get_session("threadline", "local", "s1")
        assert session is not None
        written = msg("after the recovery")
        await store.append_event(session, written)
        store._cache.clear()  # read back from the file, as after a restart
        again = await store.get_session("threadline", "local", "s1")
        assert again is not None and isinstance(entries(again.events)[-1], StoredMessage)
        assert again.events[-1] == written  # from the new file, not the one moved aside


@pytest.mark.asyncio
async def test_reading_ahead_reports_a_damaged_file_and_nothing_else(tmp_path: Path) -> None:
    async with filled_store(tmp_path / "threadline.db", 1, 3) as store:
        await read_history_ahead(store, "gone")  # no such conversation: nothing to say
        store._found_damage("found by the background check")
        with pytest.raises(CorruptDatabaseError):  # the window says the file was recovered
            await read_history_ahead(store, "s0")


def test_a_stored_entry_read_back_as_another_event_is_refused() -> None:
    mine = Event(author="user", message=Message(role="user", content="mine"))
    other = Event(author="user", message=Message(role="user", content="other"))
    log = EventLog(
        [StoredMessage(mine.id, "", "user", "", "user", "mine", 3)],
        lambda seqs: {3: other.model_dump_json()},  # a seq reused by another file
    )
    with pytest.raises(StorageError, match="no longer stored"):
        _ = log[0]
    assert copy.deepcopy(EventLog([mine])) == [mine]
    assert [other, *EventLog([mine])] == [other] + EventLog([mine])  # noqa: RUF005 - __radd__


@pytest.mark.asyncio
async def test_asking_for_a_history_being_read_waits_for_that_read(tmp_path: Path) -> None:
    async with filled_store(tmp_path / "threadline.db", 1, 20) as store:
        reads: list[str] = []
        await store._call(lambda db: db.set_trace_callback(reads.append))
        ahead = asyncio.ensure_future(store.get_session("threadline", "local", "s0"))
        await asyncio.sleep(0)  # its read is under way
        sending = asyncio.ensure_future(store.get_session("threadline", "local", "s0"))
        await asyncio.sleep(0)
        ahead.cancel()  # the one reading ahead gives up: the other still gets the history
        session = await sending
        assert session is not None and len(session.events) == 20
        assert sum(s.startswith(f"SELECT {HISTORY_COLUMNS} ") for s in reads) == 1
        await store._call(lambda db: db.set_trace_callback(None))
