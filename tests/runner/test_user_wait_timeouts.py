"""A tool call waiting for the person (an MCP elicitation or sampling request) is not timed out
meanwhile: ``ToolContext.waiting_for_user`` stops the run's ``tool_timeout`` and the clock goes
on afterwards with the time that was left."""

from __future__ import annotations

import asyncio

import pytest

from tests.runner.mcp_servers import npm_server
from threadline.runner import (
    EventTag,
    LLMAgent,
    RunConfig,
    Runner,
    ScriptedModel,
    ScriptedReply,
    ToolContext,
    function_tool,
)
from threadline.runner.mcp import ElicitationRequest, ElicitationResponse, MCPToolset

pytestmark = pytest.mark.asyncio


def _results(tool: str, events: list) -> list:  # type: ignore[type-arg]
    return [e for e in events if e.tag == EventTag.TOOL_RESULT and e.metadata["tool"] == tool]


async def test_time_spent_waiting_for_the_user_does_not_count() -> None:
    @function_tool
    async def ask(tool_context: ToolContext) -> str:
        """Asks the person, then works a little."""
        with tool_context.waiting_for_user():
            await asyncio.sleep(0.4)  # the person reads the form
        await asyncio.sleep(0.05)
        return "answered"

    @function_tool
    async def slow(tool_context: ToolContext) -> str:
        """Works too long, asking nobody."""
        await asyncio.sleep(0.4)
        return "late"

    model = ScriptedModel(
        [
            ScriptedReply(tool_calls=[("ask", "{}"), ("slow", "{}")]),
            ScriptedReply(text="done"),
        ]
    )
    runner = Runner("app", LLMAgent("helper", model=model, tools=[ask, slow]))
    events = [e async for e in runner.run("u", "s", "go", run_config=RunConfig(tool_timeout=0.2))]
    (asked,) = _results("ask", events)
    (slowed,) = _results("slow", events)
    assert asked.metadata["status"] == "ok" and asked.text == "answered"
    assert slowed.metadata["status"] == "timeout"


async def test_the_clock_goes_on_after_the_wait() -> None:
    @function_tool
    async def ask_then_hang(tool_context: ToolContext) -> str:
        """Asks the person, then hangs."""
        with tool_context.waiting_for_user():
            await asyncio.sleep(0.3)
        await asyncio.sleep(5)
        return "never"

    model = ScriptedModel(
        [ScriptedReply(tool_calls=[("ask_then_hang", "{}")]), ScriptedReply(text="ok")]
    )
    runner = Runner("app", LLMAgent("helper", model=model, tools=[ask_then_hang]))
    config = RunConfig(tool_timeout=0.2)
    events = [e async for e in runner.run("u", "s", "go", run_config=config)]
    (result,) = _results("ask_then_hang", events)
    assert result.metadata["status"] == "timeout"


async def test_an_mcp_elicitation_answered_slowly_is_not_timed_out() -> None:
    async def slow_person(request: ElicitationRequest) -> ElicitationResponse:
        await asyncio.sleep(1.5)  # longer than the tool timeout and the SDK's read timeout
        return ElicitationResponse.accept({"name": "Grace Hopper"})

    toolset = MCPToolset(
        npm_server("everything", "mcp-server-everything"), elicitation_handler=slow_person
    )
    await toolset.connect()
    try:
        tool = next(t.name for t in toolset.tools if t.name == "trigger-elicitation-request")
        model = ScriptedModel([ScriptedReply(tool_calls=[(tool, "{}")]), ScriptedReply(text="ok")])
        runner = Runner("app", LLMAgent("helper", model=model, tools=toolset.tools))
        config = RunConfig(tool_timeout=1.0)
        events = [e async for e in runner.run("u", "s", "ask", run_config=config)]
    finally:
        await toolset.aclose()
    (result,) = _results(tool, events)
    assert result.metadata["status"] == "ok", result.text
    assert "Grace Hopper" in result.text
