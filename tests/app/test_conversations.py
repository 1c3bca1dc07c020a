"""The app layer without a display: what the window does to conversations, on a real SQLite file
and through the real runner and openai client against the scripted server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.scripted_server import ScriptedServer, text
from threadline.app import conversations as ops
from threadline.app.approvals import ApprovalBook
from threadline.app.conversations import APP_NAME, USER_ID
from threadline.app.instructions import InstructionHistory
from threadline.app.mcp_servers import entry_from_form, parse_env, status_line
from threadline.runner import LLMAgent, OpenAIChatModel, Runner
from threadline.sessions import SQLiteSessionService


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteSessionService]:
    service = SQLiteSessionService(tmp_path / "threadline.db")
    yield service
    await service.aclose()


async def talk(store: SQLiteSessionService, server: ScriptedServer, *messages: str) -> str:
    """A stored conversation with one scripted answer per message; returns its id."""
    model = OpenAIChatModel("m", base_url=server.base_url, api_key="k")
    runner = Runner(APP_NAME, LLMAgent("assistant", model=model), session_service=store)
    session_id = await ops.create_session(store, team="assistant")
    for number, message in enumerate(messages):
        server.script(text(f"answer {number}"))
        await runner.run_to_end(USER_ID, session_id, message)
    await model.aclose()
    return session_id


@pytest.mark.asyncio
async def test_regenerate_and_edit_branch_at_the_right_message(
    store: SQLiteSessionService, server: ScriptedServer
) -> None:
    source = await talk(store, server, "first", "second")
    rows = await store.load_rows(source)
    users = [r for r in rows if r.author == "user"]
    replies = [r for r in rows if r.role == "assistant"]

    regen = await ops.regenerate_branch(store, source, replies[-1].id)
    assert regen is not None
    regen_rows = await store.load_rows(regen)
    assert [r.id for r in regen_rows] == [r.id for r in rows[: rows.index(users[-1]) + 1]]

    edit = await ops.edit_branch(store, source, users[0].id)
    assert edit is not None
    assert await store.load_rows(edit) == []  # editing the first message keeps nothing before

    edit_second = await ops.edit_branch(store, source, users[1].id)
    assert edit_second is not None
    assert [r.id for r in await store.load_rows(edit_second)] == [users[0].id, replies[0].id]

    assert await ops.regenerate_branch(store, source, "no-such-event") is None
    opened = await ops.open_session(store, regen)
    assert [i.kind for i in opened.items] == ["user", "assistant", "user"]


@pytest.mark.asyncio
async def test_export_then_import_gives_the_same_conversation(
    store: SQLiteSessionService, server: ScriptedServer, tmp_path: Path
) -> None:
    source = await talk(store, server, "hello")
    target = tmp_path / "out.json"
    await ops.export_session(store, source, target, as_markdown=False)
    assert json.loads(target.read_text(encoding="utf-8"))["events"]
    copy = (await ops.import_session(store, target)).session_id
    assert copy != source
    texts = [r.text for r in await store.load_rows(copy)]
    assert texts == [r.text for r in await store.load_rows(source)]

    markdown = tmp_path / "out.md"
    await ops.export_session(store, source, markdown, as_markdown=True)
    assert "answer 0" in markdown.read_text(encoding="utf-8")


@pytest.mark.asyncio
async def test_team_marker_switches_the_team_a_conversation_remembers(
    store: SQLiteSessionService,
) -> None:
    session_id = await ops.create_session(store, team="assistant")
    assert await ops.session_team(store, session_id) == "assistant"
    meta = await store.get_meta(APP_NAME, USER_ID, session_id)
    assert meta is not None
    await ops.append_marker(store, meta, ops.team_marker("writer"))
    assert await ops.session_team(store, session_id) == "writer"
    assert (await ops.open_session(store, session_id)).team == "writer"


@pytest.mark.asyncio
async def test_instruction_history_numbers_versions_and_survives_a_restart(
    store: SQLiteSessionService,
) -> None:
    agent = LLMAgent("assistant", model=OpenAIChatModel("m", api_key="k"), instruction="v1 text")
    history = InstructionHistory(agent, store)
    assert [v[0] for v in await history.restore()] == [1]
    marker = history.apply("be brief")
    await history.persist()
    assert marker.metadata == {"version": 2, "text": "be brief"}
    assert agent.instruction.text == "be brief"

    fresh = LLMAgent("assistant", model=OpenAIChatModel("m", api_key="k"), instruction="v1 text")
    versions = await InstructionHistory(fresh, store).restore()
    assert [(n, t) for n, t, _ in versions] == [(1, "v1 text"), (2, "be brief")]
    assert (fresh.instruction.text, fresh.instruction.version) == ("be brief", 2)


def test_approvals_resume_only_once_every_pending_call_is_decided() -> None:
    book = ApprovalBook()
    book.expect("s", ["a", "b"])
    assert book.decide("s", "a", approved=True) is None
    done = book.decide("s", "b", approved=False, arguments={"x": 1})
    assert done is not None
    assert done.decisions == {"a": True, "b": False}
    assert done.edited_arguments == {"b": {"x": 1}}
    assert book.pending("s") == set()
    book.expect("s", ["c"], reset=True)
    assert book.pending("s") == {"c"}


def test_mcp_entries_from_the_form() -> None:
    entry = entry_from_form("", "uvx mcp-server-time --local-timezone UTC", "", ["TZ"])
    assert (entry.name, entry.command, entry.args) == (
        "uvx",
        "uvx",
        ["mcp-server-time", "--local-timezone", "UTC"],
    )
    assert entry.env_keys == ["TZ"]
    with pytest.raises(ValueError):
        entry_from_form("broken", "", "", [])  # neither a command nor a URL
    assert parse_env("A=1\nB=(in keyring)\nnot a pair") == {"A": "1", "B": None}
    assert status_line(["a", "b"], ["b"]) == "connected; tools: a (1 off)"
