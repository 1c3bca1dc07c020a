"""Artifacts through the run: tools save, load and list session files, the versions land in
``actions.artifact_delta`` (stored with the event), and the file store keeps names apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scripted_server import ScriptedServer, calls, text
from threadline.runner import (
    EventTag,
    LLMAgent,
    OpenAIChatModel,
    Runner,
    ToolContext,
    function_tool,
)
from threadline.sessions import SQLiteSessionService
from threadline.sessions.artifacts import FileArtifactService, InMemoryArtifactService

pytestmark = pytest.mark.asyncio


@function_tool
async def save_report(name: str, body: str, tool_context: ToolContext) -> str:
    """Saves a report file."""
    version = await tool_context.save_artifact(name, body)
    return f"saved {name} as version {version}"


@function_tool
async def read_reports(tool_context: ToolContext) -> str:
    """Reads every report file."""
    names = await tool_context.list_artifacts()
    parts = []
    for name in names:
        data = await tool_context.load_artifact(name)
        first = await tool_context.load_artifact(name, 0)
        assert data is not None and first is not None
        parts.append(f"{name}={data.decode()} (first {first.decode()})")
    return "; ".join(parts)


@pytest.mark.parametrize("kind", ["memory", "file"])
async def test_tools_save_load_and_list_artifacts_with_versions_in_the_events(
    server: ScriptedServer, model: OpenAIChatModel, tmp_path: Path, kind: str
) -> None:
    artifacts = (
        InMemoryArtifactService() if kind == "memory" else FileArtifactService(tmp_path / "files")
    )
    server.script(
        calls(
            ("save_report", '{"name": "dir/a.txt", "body": "one"}'),
            ("save_report", '{"name": "dir_a.txt", "body": "other"}'),
        ),
        calls(("save_report", '{"name": "dir/a.txt", "body": "two"}')),
        calls(("read_reports", "{}")),
        text("done"),
    )
    store = SQLiteSessionService(tmp_path / "s.db")
    agent = LLMAgent("helper", model=model, tools=[save_report, read_reports])
    runner = Runner("app", agent, session_service=store, artifact_service=artifacts)
    result = await runner.run_to_end("u", "s", "write reports")
    assert result.final_output == "done"
    results = [e for e in result.events if e.tag == EventTag.TOOL_RESULT]
    assert [e.actions.artifact_delta for e in results] == [
        {"dir/a.txt": 0},
        {"dir_a.txt": 0},
        {"dir/a.txt": 1},
        {},
    ]
    assert results[-1].text == "dir/a.txt=two (first one); dir_a.txt=other (first other)"
    assert await artifacts.list_artifacts("app", "u", "s") == ["dir/a.txt", "dir_a.txt"]
    await store.aclose()
    # The versions are stored with the events.
    reopened = SQLiteSessionService(tmp_path / "s.db")
    session = await reopened.get_session("app", "u", "s")
    assert session is not None
    stored = [e.actions.artifact_delta for e in session.events if e.actions.artifact_delta]
    assert stored == [{"dir/a.txt": 0}, {"dir_a.txt": 0}, {"dir/a.txt": 1}]
    await reopened.aclose()


async def test_file_artifacts_keep_names_that_clean_up_alike_apart(tmp_path: Path) -> None:
    service = FileArtifactService(tmp_path)
    names = ["dir/a.txt", "dir_a.txt", "dir a.txt", "Notes.md", "notes.md", "../up.txt"]
    for index, name in enumerate(names):
        assert await service.save_artifact("app", "u", "s", name, str(index).encode()) == 0
    for index, name in enumerate(names):
        assert await service.load_artifact("app", "u", "s", name) == str(index).encode()
    assert await service.list_artifacts("app", "u", "s") == sorted(names)
    assert await service.list_artifacts("app", "u", "s/x") == []  # sessions apart too


async def test_without_an_artifact_service_the_tool_says_so(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    server.script(calls(("save_report", '{"name": "a.txt", "body": "x"}')), text("ok"))
    agent = LLMAgent("helper", model=model, tools=[save_report])
    result = await Runner("app", agent).run_to_end("u", "s", "save")
    tool = next(e for e in result.events if e.tag == EventTag.TOOL_RESULT)
    assert "NoArtifactServiceError" in tool.text and "artifact_service" in tool.text
