"""A stored model request can be redone exactly from the history, without storing it again."""

from __future__ import annotations

from pathlib import Path

import pytest

from threadline.runner import LLMAgent, Runner, ScriptedModel, ScriptedReply, function_tool
from threadline.runner.history import rebuild_messages
from threadline.sessions import SQLiteSessionService

pytestmark = pytest.mark.asyncio


@function_tool
def double(n: int) -> int:
    """Doubles n."""
    return 2 * n


async def test_every_request_is_rebuilt_exactly_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SQLiteSessionService(path)
    math_model = ScriptedModel([ScriptedReply(tool_calls=[("double", '{"n": 21}')]), "42", "84"])
    math = LLMAgent("math", model=math_model, instruction="Math for {user:name?}.", tools=[double])
    boss_model = ScriptedModel(
        [ScriptedReply(tool_calls=[("transfer_to_agent", '{"agent_name": "math"}')])]
    )
    boss = LLMAgent("boss", model=boss_model, instruction="Route.", sub_agents=[math])
    runner = Runner("app", boss, session_service=store)
    await runner.run_to_end("u", "s", "double 21")
    await runner.run_to_end("u", "s", "and again")
    await store.aclose()

    reopened = SQLiteSessionService(path)
    session = await reopened.get_session("app", "u", "s")
    assert session is not None
    replies = [e for e in session.events if e.tag == "model.reply"]
    sent = boss_model.requests + math_model.requests
    assert len(replies) == len(sent) == 4
    by_agent = {"boss": iter(boss_model.requests), "math": iter(math_model.requests)}
    for reply in replies:
        assert "messages" not in reply.metadata["request"]  # not stored again
        rebuilt = rebuild_messages(
            session.events, reply.metadata["history"], reply.metadata["system"]
        )
        assert rebuilt == next(by_agent[reply.author]).messages
    size = sum(len(e.model_dump_json()) for e in replies)
    assert size < 20_000
    await reopened.aclose()
