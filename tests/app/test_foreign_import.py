"""Importing ChatGPT and Claude exports through ``app.conversations.import_session`` on a real
SQLite file: ChatGPT's edits and regenerations become Threadline branches at the shared message,
what a chat does not show is left out, timestamps stay, and a file lands whole or not at all.

The fixtures in ``tests/fixtures/`` are shaped as the apps export them (see its README)."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.scripted_server import ScriptedServer, text
from threadline.app import conversations as ops
from threadline.app.conversations import APP_NAME, USER_ID
from threadline.core.errors import StorageError
from threadline.core.events import Event
from threadline.core.memory import InMemorySessionService
from threadline.runner import LLMAgent, OpenAIChatModel, Runner
from threadline.sessions import SQLiteSessionService, TreeRow
from threadline.sessions.bulk import import_plans
from threadline.sessions.export import ExportFormatError
from threadline.sessions.foreign import read_foreign

FIXTURES = Path(__file__).parent.parent / "fixtures"
CHATGPT = FIXTURES / "chatgpt_conversations.json"
CLAUDE = FIXTURES / "claude_conversations.json"
T = 1717236000.0  # the ChatGPT fixture's first conversation began then


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteSessionService]:
    service = SQLiteSessionService(tmp_path / "threadline.db")
    yield service
    await service.aclose()


def as_conversations_json(tmp_path: Path, fixture: Path) -> Path:
    """The fixture under the name the apps give it."""
    folder = tmp_path / fixture.stem
    folder.mkdir()
    return Path(shutil.copy(fixture, folder / "conversations.json"))


async def texts(store: SQLiteSessionService, session_id: str) -> list[str]:
    return [row.text for row in await store.load_rows(session_id)]


def by_title(rows: list[TreeRow], title: str) -> list[TreeRow]:
    return [row for row in rows if row.title == title]


@pytest.mark.asyncio
async def test_a_chatgpt_export_imports_its_edits_and_regenerations_as_branches(
    store: SQLiteSessionService, tmp_path: Path
) -> None:
    path = as_conversations_json(tmp_path, CHATGPT)
    result = await ops.import_session(store, path)

    assert (result.kind, result.conversations, result.branches, result.skipped) == (
        "ChatGPT",
        2,
        2,
        1,
    )
    assert result.notice("conversations.json") == (
        "Imported 2 conversations and 2 branches from conversations.json (a ChatGPT export)."
        " 1 empty conversation left out."
    )
    rows = await store.list_tree(APP_NAME, USER_ID)
    lisbon = by_title(rows, "Weekend in Lisbon")
    (main,) = [row for row in lisbon if row.parent_id is None]
    assert result.session_id == main.id  # the newest conversation is the one opened
    assert not by_title(rows, "New chat")  # only a system message: nothing to show

    # The path ChatGPT showed last (root to current_node): the edited question, the
    # regenerated reply. The system message and the custom instructions are left out, the
    # image (a reference in the export) is a note, and o3's thoughts are the reply's reasoning.
    assert await texts(store, main.id) == [
        "Plan a weekend in Lisbon",
        "Day 1: Alfama and the castle. Day 2: Belém.",
        "What about food on a budget?",
        "Eat at a tasca: the prato do dia is cheap.",
        "[image]\n\nIs this tram line 28?",
        "Yes, that is the 28E: it goes up to Graça.",
    ]
    session = await store.get_session(APP_NAME, USER_ID, main.id)
    assert session is not None
    assert [e.timestamp - T for e in session.events] == [10, 20, 100, 120, 200, 210]
    assert (session.created_at, session.updated_at) == (T, T + 900)
    last = session.events[-1]
    assert last.message is not None and last.author == "assistant"
    assert last.message.reasoning == "Yellow Remodelado tram, the sign says 28E."
    assert last.metadata["model"] == "o3" and last.metadata["source_id"] == "a-3"
    first_reply, edited_question = (e.message.content for e in session.events[1:3] if e.message)

    # Two branches under the conversation, each forked at the message it shares with it.
    branches = {row.fork_text: row for row in lisbon if row.parent_id == main.id}
    assert set(branches) == {first_reply, edited_question}
    edit = branches[first_reply]
    assert await texts(store, edit.id) == [
        "Plan a weekend in Lisbon",
        "Day 1: Alfama and the castle. Day 2: Belém.",
        "What about food?",  # the question before the user edited it
        "Try pastéis de nata in Belém.",
    ]
    regen = branches[edited_question]
    assert await texts(store, regen.id) == [
        "Plan a weekend in Lisbon",
        "Day 1: Alfama and the castle. Day 2: Belém.",
        "What about food on a budget?",
        "Bifanas cost about 3 euros.",  # the reply before it was regenerated
    ]
    meta = await store.get_meta(APP_NAME, USER_ID, edit.id)
    assert meta is not None and meta.fork_event_id == session.events[1].id
    # The inherited part is the parent's own rows (an O(1) fork), not copies.
    assert [r.id for r in (await store.load_rows(edit.id))[:2]] == [
        e.id for e in session.events[:2]
    ]

    # A tool call (code) and its output are not part of the chat; the answer is.
    (sorting,) = by_title(rows, "Sorting dicts in Python")
    assert await texts(store, sorting.id) == [
        "How do I sort a list of dicts by a key?",
        "Use `sorted(rows, key=lambda r: r['n'])`.",
    ]
    opened = await ops.open_session(store, main.id)
    assert [i.kind for i in opened.items] == ["user", "assistant"] * 3
    hits = await store.search_sessions(APP_NAME, USER_ID, "pastéis")
    assert [hit.session.id for hit in hits] == [edit.id]  # the imported text is searchable


@pytest.mark.asyncio
async def test_a_claude_export_imports_each_conversation(
    store: SQLiteSessionService, tmp_path: Path
) -> None:
    result = await ops.import_session(store, as_conversations_json(tmp_path, CLAUDE))
    assert (result.kind, result.conversations, result.branches) == ("Claude", 2, 0)
    assert result.notice("conversations.json") == (
        "Imported 2 conversations from conversations.json (a Claude export)."
    )
    rows = await store.list_tree(APP_NAME, USER_ID)
    assert [row.title for row in rows] == ["Summarise the attached notes", "Haiku about autumn"]
    assert all(row.parent_id is None for row in rows)
    notes, haiku = rows
    assert result.session_id == notes.id
    session = await store.get_session(APP_NAME, USER_ID, haiku.id)
    assert session is not None
    reply = session.events[1].message
    assert reply is not None and reply.role == "assistant"
    assert reply.content.startswith("Red leaves let go now\n")
    assert reply.reasoning == "Five, seven, five syllables."
    assert session.events[0].timestamp == 1716192005.0  # 2024-05-20T08:00:05Z
    notes_session = await store.get_session(APP_NAME, USER_ID, notes.id)
    assert notes_session is not None
    asked = notes_session.events[0].message
    assert asked is not None
    assert asked.content == "Summarise the attached notes\n\n[file: whiteboard.png]"
    (attached,) = asked.parts  # the text the export holds is kept whole, as an attachment
    assert (
        attached.name == "notes.txt"
        and attached.data == b"Meeting moved to Friday. Bring the budget."
    )


@pytest.mark.asyncio
async def test_continuing_an_imported_branch_sends_its_history_as_the_assistants_own(
    store: SQLiteSessionService, server: ScriptedServer, tmp_path: Path
) -> None:
    await ops.import_session(store, as_conversations_json(tmp_path, CHATGPT))
    rows = await store.list_tree(APP_NAME, USER_ID)
    (edit,) = [r for r in rows if r.parent_id and r.fork_text.startswith("Day 1")]
    model = OpenAIChatModel("m", base_url=server.base_url, api_key="k")
    runner = Runner(APP_NAME, LLMAgent("assistant", model=model), session_service=store)
    server.script(text("Also try the ginjinha."))
    await runner.run_to_end(USER_ID, edit.id, "And to drink?")
    await model.aclose()
    sent = [(m["role"], m["content"]) for m in server.requests[-1]["messages"][-5:]]
    assert sent == [
        ("user", "Plan a weekend in Lisbon"),
        ("assistant", "Day 1: Alfama and the castle. Day 2: Belém."),
        ("user", "What about food?"),
        ("assistant", "Try pastéis de nata in Belém."),
        ("user", "And to drink?"),
    ]


@pytest.mark.asyncio
async def test_a_failing_write_leaves_nothing_of_the_file(
    store: SQLiteSessionService, tmp_path: Path
) -> None:
    # The last branch's only event fails to insert: every conversation before it goes too.
    await store._call(
        lambda db: db.execute(
            "CREATE TEMP TRIGGER refuse BEFORE INSERT ON events WHEN new.text LIKE 'Bifanas%'"
            " BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
    )
    path = as_conversations_json(tmp_path, CHATGPT)
    with pytest.raises(StorageError):
        await ops.import_session(store, path)
    count = await store._call(
        lambda db: db.execute(
            "SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM events)"
        ).fetchone()[0]
    )
    assert count == 0
    await store._call(lambda db: db.execute("DROP TRIGGER refuse"))
    assert (await ops.import_session(store, path)).branches == 2  # the same file, once it can


@pytest.mark.asyncio
async def test_a_store_without_bulk_import_removes_what_it_made_when_a_write_fails() -> None:
    found = read_foreign(json.loads(CHATGPT.read_text(encoding="utf-8")))
    assert found is not None

    class Failing(InMemorySessionService):
        appended = 0

        async def append_event(self, session: Any, event: Event) -> Event:
            self.appended += 1
            if self.appended == 10:  # the second conversation's first message
                raise OSError("disk full")
            return await super().append_event(session, event)

    failing = Failing()
    with pytest.raises(OSError, match="disk full"):
        await import_plans(failing, APP_NAME, USER_ID, found.plans)
    assert await failing.list_sessions(APP_NAME, USER_ID) == []

    working = InMemorySessionService()
    ids = await import_plans(working, APP_NAME, USER_ID, found.plans)
    branch = await working.get_session(APP_NAME, USER_ID, ids[1])
    assert branch is not None and branch.parent_id == ids[0]
    assert [e.message.content for e in branch.events if e.message][2] == "What about food?"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            [{"id": 1, "name": "not a conversation"}],
            "is not a conversation export Threadline knows",
        ),
        ([], "empty list"),
        ([{"uuid": "u", "name": "Hi", "chat_messages": []}], "This Claude export has no messages"),
        (
            [{"title": "a", "create_time": 1.0, "mapping": {}}, "oops"],
            "Conversation 2 of this ChatGPT export is not a conversation",
        ),
    ],
)
def test_other_files_are_named_plainly(data: Any, reason: str) -> None:
    with pytest.raises(ExportFormatError, match=reason):
        read_foreign(data)


def test_a_looping_or_broken_tree_still_imports_what_it_can() -> None:
    def node(parent: Any, children: Any, role: str = "user", words: str = "hi") -> Any:
        content = {"content_type": "text", "parts": [words]}
        return {
            "parent": parent,
            "children": children,
            "message": {"author": {"role": role}, "content": content},
        }

    conversation = {
        "title": None,
        "create_time": None,
        "current_node": "nowhere",  # not in the mapping: the newest children are followed
        "mapping": {
            "a": node(None, ["b", "missing", 7]),
            "b": node("a", ["a"], "assistant", "looping back"),  # a cycle, not followed
            "c": "not a node",
        },
    }
    found = read_foreign([conversation])
    assert found is not None and (found.conversations, found.branches) == (1, 0)
    (plan,) = found.plans
    assert plan.title == "hi"  # no title: the first message's words
    assert [e.message.content for e in plan.events if e.message] == ["hi", "looping back"]


@pytest.mark.asyncio
async def test_an_edited_first_message_is_a_branch_that_inherits_nothing(
    store: SQLiteSessionService, tmp_path: Path
) -> None:
    def node(parent: Any, children: list[str], role: str, words: str, at: float) -> Any:
        content = {"content_type": "text", "parts": [words]}
        message = {"author": {"role": role}, "content": content, "create_time": at}
        return {"parent": parent, "children": children, "message": message}

    conversation = {
        "title": "Names",
        "create_time": 100.0,
        "update_time": 200.0,
        "current_node": "a2",
        "mapping": {
            "root": {"parent": None, "children": ["u1", "u2"], "message": None},
            "u1": node("root", ["a1"], "user", "Name a cat", 110.0),
            "a1": node("u1", [], "assistant", "Tom", 120.0),
            "u2": node("root", ["a2"], "user", "Name a dog", 130.0),  # the edit
            "a2": node("u2", [], "assistant", "Rex", 140.0),
        },
    }
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps([conversation]), encoding="utf-8")
    result = await ops.import_session(store, path)
    rows = {row.parent_id is None: row for row in await store.list_tree(APP_NAME, USER_ID)}
    assert result.session_id == rows[True].id
    assert await texts(store, rows[True].id) == ["Name a dog", "Rex"]
    assert rows[False].parent_id == rows[True].id and rows[False].fork_text == ""
    assert await texts(store, rows[False].id) == ["Name a cat", "Tom"]
