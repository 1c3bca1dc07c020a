"""Small runner gaps (issue 10): ``temp:`` state set by a tool, ``after_model`` and
``after_agent`` replacing replies, chain steps seeing earlier steps, an unknown
``RunConfig.agent``. Through the scripted server and the real ``openai`` client."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scripted_server import ScriptedServer, calls, text
from threadline.runner import (
    Callbacks,
    ChainAgent,
    EventTag,
    InvocationContext,
    LLMAgent,
    Message,
    OpenAIChatModel,
    RunConfig,
    Runner,
    ToolContext,
    function_tool,
)
from threadline.sessions import InMemorySessionService

pytestmark = pytest.mark.asyncio


async def test_temp_state_set_by_a_tool_fills_placeholders_in_the_same_invocation(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    @function_tool
    def pick_mood(tool_context: ToolContext) -> str:
        """Picks a mood for the rest of the run."""
        tool_context.set_state("temp:mood", "cheerful")
        return "picked"

    server.script(calls(("pick_mood", "{}")), text("ok"))
    service = InMemorySessionService()
    agent = LLMAgent("helper", model=model, instruction="Be {temp:mood?}.", tools=[pick_mood])
    result = await Runner("app", agent, session_service=service).run_to_end("u", "s", "hi")
    assert result.final_output == "ok"
    systems = [body["messages"][0]["content"] for body in server.requests]
    assert systems == ["Be .", "Be cheerful."]
    session = await service.get_session("app", "u", "s")
    assert session is not None and "temp:mood" not in session.state  # never stored


async def test_after_model_returning_text_replaces_the_reply_text(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    def shout(ctx: object, agent: object, request: object, message: Message) -> str:
        return message.content.upper()

    server.script(text("quiet ", "words"))
    agent = LLMAgent("helper", model=model, callbacks=Callbacks(after_model=shout))
    result = await Runner("app", agent).run_to_end("u", "s", "hi")
    assert result.final_output == "QUIET WORDS"


async def test_after_agent_replaces_the_final_reply_instead_of_adding_one(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    def sign(ctx: InvocationContext, agent: object) -> str:
        return "signed reply"

    server.script(text("draft reply"))
    service = InMemorySessionService()
    agent = LLMAgent("helper", model=model, callbacks=Callbacks(after_agent=sign))
    result = await Runner("app", agent, session_service=service).run_to_end("u", "s", "hi")
    replies = [e for e in result.events if e.is_final_response()]
    assert [e.text for e in replies] == ["signed reply"]
    assert replies[0].tag == EventTag.MODEL_REPLY and replies[0].usage is not None
    assert replies[0].metadata["replaced_by"]["text"] == "draft reply"
    session = await service.get_session("app", "u", "s")
    assert session is not None
    stored = [e.text for e in session.events if e.is_final_response()]
    assert stored == ["signed reply"]
    # In a chain, the next step sees the replacement only.
    server.script(text("draft reply"), text("edited"))
    chain = ChainAgent(
        "pipeline",
        sub_agents=[
            LLMAgent(
                "writer", model=model, instruction="W.", callbacks=Callbacks(after_agent=sign)
            ),
            LLMAgent("editor", model=model, instruction="E."),
        ],
    )
    chained = await Runner("app", chain).run_to_end("u", "s", "go")
    assert [e.text for e in chained.events if e.is_final_response()] == ["signed reply", "edited"]
    editor_messages = server.requests[-1]["messages"]
    assert {"role": "user", "content": "[writer] said: signed reply"} in editor_messages
    assert "draft reply" not in str(editor_messages)


async def test_chain_steps_see_earlier_steps_under_the_default_filter(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    server.script(text("draft text"), text("edited text"))
    chain = ChainAgent(
        "pipeline",
        sub_agents=[
            LLMAgent("writer", model=model, instruction="Write."),
            LLMAgent("editor", model=model, instruction="Edit."),  # default branch filter
        ],
    )
    result = await Runner("app", chain).run_to_end("u", "s", "write")
    assert result.final_output == "edited text"
    editor_messages = server.requests[1]["messages"]
    assert {"role": "user", "content": "[writer] said: draft text"} in editor_messages
    # ``exact`` still keeps a step to its own events.
    server.script(text("a"), text("b"))
    exact = ChainAgent(
        "pipeline",
        sub_agents=[
            LLMAgent("writer", model=model, instruction="Write."),
            LLMAgent("editor", model=model, instruction="Edit.", branch_filter="exact"),
        ],
    )
    await Runner("app", exact).run_to_end("u", "s2", "write")
    assert [m["role"] for m in server.requests[3]["messages"]] == ["system", "user"]


@pytest.mark.parametrize("name", ["ghost", "editor"])
async def test_an_unknown_run_config_agent_is_refused_at_call_time(
    server: ScriptedServer, model: OpenAIChatModel, name: str
) -> None:
    server.default(lambda body: text("from the editor"))
    chain = ChainAgent(
        "pipeline",
        sub_agents=[
            LLMAgent("writer", model=model, instruction="Write."),
            LLMAgent("editor", model=model, instruction="Edit."),
        ],
    )
    runner = Runner("app", chain)
    if name == "ghost":  # SPEC §1.1: bad arguments raise ValueError at call time
        with pytest.raises(ValueError, match="'ghost'") as refused:
            runner.run("u", "s", "hi", run_config=RunConfig(agent=name))
        assert getattr(refused.value, "code", "") == "unknown_agent"
        return
    events = [e async for e in runner.run("u", "s", "hi", run_config=RunConfig(agent=name))]
    assert events[-1].done
    errors = [e.error for e in events if e.error is not None]
    assert errors == []  # a name of the runner's tree picks that agent
    assert [e.text for e in events if e.is_final_response()] == ["from the editor"]


async def test_callbacks_reach_artifacts_through_their_context(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    from threadline.sessions.artifacts import InMemoryArtifactService

    async def keep_reply(ctx: InvocationContext, agent: object) -> None:
        await ctx.save_artifact("reply.txt", "kept")

    server.script(text("answer"))
    artifacts = InMemoryArtifactService()
    agent = LLMAgent("helper", model=model, callbacks=Callbacks(after_agent=keep_reply))
    result = await Runner("app", agent, artifact_service=artifacts).run_to_end("u", "s", "hi")
    deltas: list[dict[str, Any]] = [e.actions.artifact_delta for e in result.events]
    assert {"reply.txt": 0} in deltas
    assert await artifacts.load_artifact("app", "u", "s", "reply.txt") == b"kept"
