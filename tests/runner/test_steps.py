"""``RunResult.steps`` (SPEC §1.6; seed 002 ``Result.Steps``): one per model call, with the
agent, its start and duration, the tool calls and how each ended, and the usage.

Through the real ``openai`` client against the scripted server.
"""

from __future__ import annotations

import time

import pytest

from tests.scripted_server import Reply, ScriptedServer, calls, text
from threadline.runner import (
    ApprovalRequest,
    EventTag,
    LLMAgent,
    OpenAIChatModel,
    RunConfig,
    Runner,
    Step,
    function_tool,
)
from threadline.runner.runner import collect

pytestmark = pytest.mark.asyncio


@function_tool
def multiply(a: float, b: float) -> float:
    """Multiplies two numbers."""
    return a * b


@function_tool
def explode() -> str:
    """Always fails."""
    raise RuntimeError("boom")


@function_tool(needs_approval=True)
def delete_everything() -> str:
    """Needs a person's yes."""
    return "deleted"


def summary(steps: list[Step]) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(s.agent, [(c.name, c.status) for c in s.tool_calls]) for s in steps]


async def test_one_step_per_model_call_with_tools_timing_and_usage(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    server.script(
        calls(("multiply", '{"a": 6, "b": 7}')),
        Reply(text=["42"], usage={"prompt_tokens": 20, "completion_tokens": 2, "total_tokens": 22}),
    )
    before = time.time()
    result = await Runner("app", LLMAgent("helper", model=model, tools=[multiply])).run_to_end(
        "u", "s", "6*7?"
    )
    after = time.time()
    assert summary(result.steps) == [("helper", [("multiply", "ok")]), ("helper", [])]
    first, second = result.steps
    assert first.tool_calls[0].result == "42.0"
    assert first.tool_calls[0].arguments == '{"a": 6, "b": 7}'
    assert [s.usage.total_tokens if s.usage else None for s in result.steps] == [12, 22]
    assert sum(s.usage.total_tokens for s in result.steps if s.usage) == result.usage.total_tokens
    replies = [e.id for e in result.events if e.tag == EventTag.MODEL_REPLY]
    assert [s.event_id for s in result.steps] == replies
    assert before <= first.started_at <= second.started_at <= after
    # A step lasts from its model call to its last tool result; the second begins after it.
    assert 0 < first.model_ms <= first.duration_ms
    assert first.tool_calls[0].duration_ms <= first.duration_ms
    assert first.started_at + first.duration_ms / 1000 <= second.started_at + 0.001
    assert second.duration_ms == second.model_ms


async def test_tool_outcomes_failed_and_denied(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    server.script(calls(("explode", "{}"), ("delete_everything", "{}"), ("multiply", "{")))

    async def refuse(request: ApprovalRequest) -> bool:
        return False

    agent = LLMAgent("helper", model=model, tools=[explode, delete_everything, multiply])
    result = await Runner("app", agent).run_to_end(
        "u", "s", "go", run_config=RunConfig(approval_handler=refuse)
    )
    outcomes = result.steps[0].tool_calls
    assert [(c.name, c.status) for c in outcomes] == [
        ("explode", "error"),
        ("delete_everything", "denied"),
        ("multiply", "error"),
    ]
    assert "RuntimeError: boom" in outcomes[0].result
    assert "denied by the user" in outcomes[1].result
    assert "not valid JSON" in outcomes[2].result
    assert len(result.steps) == 2  # the model's answer to those results


async def test_a_call_waiting_for_approval_is_pending_and_resume_collects_the_rest(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    server.script(calls(("delete_everything", "{}")), text("done"))
    runner = Runner("app", LLMAgent("helper", model=model, tools=[delete_everything]))
    paused = await runner.run_to_end("u", "s", "clean up")
    assert summary(paused.steps) == [("helper", [("delete_everything", "pending")])]
    call_id = paused.steps[0].tool_calls[0].id
    resumed = await collect(runner.resume("u", "s", {call_id: True}))
    # The resumed stream's own model call is its one step (the paused call was the last run's).
    assert summary(resumed.steps) == [("helper", [])]
    assert resumed.final_output == "done"


async def test_steps_name_each_agent_of_a_team(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    server.script(calls(("transfer_to_agent", '{"agent_name": "math"}')), text("4"))
    math = LLMAgent("math", model=model, description="does sums")
    coordinator = LLMAgent("coordinator", model=model, sub_agents=[math])
    result = await Runner("app", coordinator).run_to_end("u", "s", "2+2?")
    assert summary(result.steps) == [
        ("coordinator", [("transfer_to_agent", "ok")]),
        ("math", []),
    ]
    assert [s.branch for s in result.steps] == ["coordinator", "coordinator.math"]
