"""A transfer's announcement (an assistant message on an ``agent.transfer`` event) reopens as the
transfer line the live chat showed, not as a reply bubble: on a real SQLite file, through the
real runner and ``openai`` client against the scripted server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scripted_server import ScriptedServer, calls, text
from threadline.app import conversations as ops
from threadline.app.conversations import APP_NAME, USER_ID
from threadline.runner import LLMAgent, OpenAIChatModel, Runner
from threadline.sessions import SQLiteSessionService


@pytest.mark.asyncio
async def test_a_stored_transfer_reopens_as_one_transfer_line(
    server: ScriptedServer, tmp_path: Path
) -> None:
    store = SQLiteSessionService(tmp_path / "threadline.db")
    model = OpenAIChatModel("m", base_url=server.base_url, api_key="k")
    try:
        math = LLMAgent("math", model=model, description="does sums")
        coordinator = LLMAgent("coordinator", model=model, sub_agents=[math])
        runner = Runner(APP_NAME, coordinator, session_service=store)
        session_id = await ops.create_session(store, team="assistant")
        server.script(calls(("transfer_to_agent", '{"agent_name": "math"}')), text("4"))
        await runner.run_to_end(USER_ID, session_id, "2+2?")
        opened = await ops.open_session(store, session_id)
    finally:
        await model.aclose()
        await store.aclose()
    shown = [(i.kind, i.author, i.text) for i in opened.items if i.kind != "tool"]
    assert shown == [
        ("user", "user", "2+2?"),
        ("transfer", "coordinator", "coordinator → math"),
        ("assistant", "math", "4"),
    ]
