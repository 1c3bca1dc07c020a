"""Seed features the rest of the suite used without proving: ``end_invocation`` (seeds 001
and 003) and tools run one by one (seed 002 ``ParallelToolCalls: false``).

Through the real ``openai`` client against the scripted server.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.scripted_server import ScriptedServer, calls, text
from threadline.runner import (
    EventTag,
    LLMAgent,
    OpenAIChatModel,
    RunConfig,
    Runner,
    ToolContext,
    function_tool,
)

pytestmark = pytest.mark.asyncio


async def test_end_invocation_from_a_tool_stops_after_its_round(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    @function_tool
    def hang_up(tool_context: ToolContext) -> str:
        """Ends the conversation's turn."""
        tool_context.invocation.end_invocation()
        return "bye"

    server.script(calls(("hang_up", "{}")), text("never asked for"))
    result = await Runner("app", LLMAgent("helper", model=model, tools=[hang_up])).run_to_end(
        "u", "s", "stop"
    )
    assert len(server.requests) == 1  # no model request after the round that ended it
    assert [e.tag for e in result.events if e.tag == EventTag.TOOL_RESULT] == ["tool.result"]
    assert result.error is None and result.events[-1].done


async def test_parallel_tool_calls_off_runs_the_calls_one_by_one(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    running = 0
    peak = 0

    @function_tool
    async def step(n: int) -> int:
        """Counts how many calls are in flight at once."""
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0)  # a turn for any other call that could start now
        running -= 1
        return n

    server.script(calls(("step", '{"n": 1}'), ("step", '{"n": 2}')), text("done"))
    agent = LLMAgent("helper", model=model, tools=[step])
    config = RunConfig(parallel_tool_calls=False)
    result = await Runner("app", agent).run_to_end("u", "s", "go", run_config=config)
    assert peak == 1 and result.final_output == "done"
    assert server.requests[0]["parallel_tool_calls"] is False
    tools = [m["content"] for m in server.requests[1]["messages"] if m["role"] == "tool"]
    assert tools == ["1", "2"]
