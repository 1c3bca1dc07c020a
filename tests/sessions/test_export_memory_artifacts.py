"""Export and import, memory across sessions, versioned artifacts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from threadline.core.events import Event, Message
from threadline.runner import LLMAgent, Runner, ScriptedModel
from threadline.sessions import SQLiteSessionService
from threadline.sessions.artifacts import FileArtifactService, InMemoryArtifactService
from threadline.sessions.export import export_json, import_json, to_markdown
from threadline.sessions.memory_service import InMemoryMemoryService, SQLiteMemoryService

pytestmark = pytest.mark.asyncio


async def test_export_is_lossless_and_imports_back(tmp_path: Path) -> None:
    store = SQLiteSessionService(tmp_path / "s.db")
    runner = Runner(
        "app",
        LLMAgent("bot", model=ScriptedModel(["Tides follow the moon 🌙."])),
        session_service=store,
    )
    await runner.run_to_end("u", "s", "Why are there tides?")
    session = await store.get_session("app", "u", "s")
    assert session is not None
    branch = await store.fork_session("app", "u", "s", session.events[0].id)
    data = await export_json(store, "app", "u", branch.id)
    assert json.loads(json.dumps(data)) == data  # plain JSON
    assert data["lineage"][0]["id"] == "s"
    imported = await import_json(store, "app", "u", data)
    again = await store.get_session("app", "u", imported.id)
    assert again is not None and again.title == "Why are there tides?"
    assert [e.model_dump() for e in again.events] == [e.model_dump() for e in branch.events]
    full = await export_json(store, "app", "u", "s")
    markdown = to_markdown(full)
    assert (
        "**You:**" in markdown
        and "Tides follow the moon 🌙." in markdown
        and "**bot:**" in markdown
    )
    with pytest.raises(ValueError):
        await import_json(store, "app", "u", {"format": "something else"})
    await store.aclose()


async def test_memory_brings_past_sessions_into_the_instruction(tmp_path: Path) -> None:
    store = SQLiteSessionService(tmp_path / "s.db")
    old = await store.create_session("app", "u", "old")
    await store.append_event(
        old,
        Event(
            author="user",
            message=Message(role="user", content="My sourdough starter is named Clint"),
        ),
    )
    model = ScriptedModel(["noted"])
    agent = LLMAgent("bot", model=model, instruction="Known from before:\n{temp:memories?}")
    runner = Runner("app", agent, session_service=store, memory_service=SQLiteMemoryService(store))
    await runner.run_to_end("u", "new", "what is my sourdough starter called?")
    system = model.requests[0].messages[0]["content"]
    assert "Clint" in system
    hits = await InMemoryMemoryService().search_memory("app", "u", "anything")
    assert hits == []
    memory = InMemoryMemoryService()
    loaded = await store.get_session("app", "u", "old")
    assert loaded is not None
    await memory.add_session(loaded)
    assert (await memory.search_memory("app", "u", "sourdough name"))[0].session_id == "old"
    await store.aclose()


@pytest.mark.parametrize("kind", ["memory", "file"])
async def test_artifacts_are_versioned_per_session(kind: str, tmp_path: Path) -> None:
    service = (
        InMemoryArtifactService()
        if kind == "memory"
        else FileArtifactService(tmp_path / "artifacts")
    )
    assert await service.save_artifact("app", "u", "s", "notes.md", b"v0") == 0
    assert await service.save_artifact("app", "u", "s", "notes.md", b"v1") == 1
    assert await service.load_artifact("app", "u", "s", "notes.md") == b"v1"
    assert await service.load_artifact("app", "u", "s", "notes.md", 0) == b"v0"
    assert await service.load_artifact("app", "u", "s", "notes.md", 7) is None
    assert await service.load_artifact("app", "u", "other", "notes.md") is None
    assert await service.list_artifacts("app", "u", "s") == ["notes.md"]
    assert await service.list_versions("app", "u", "s", "notes.md") == [0, 1]
