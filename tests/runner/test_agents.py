"""Agent teams: transfer, chain, parallel, cycle; filter modes; tool approvals."""

from __future__ import annotations

import pytest

from threadline.runner import (
    ApprovalRequest,
    ChainAgent,
    CycleAgent,
    LLMAgent,
    ParallelAgent,
    RunConfig,
    Runner,
    ScriptedModel,
    ScriptedReply,
    ToolContext,
    function_tool,
)
from threadline.runner.history import select_events
from threadline.sessions import InMemorySessionService

pytestmark = pytest.mark.asyncio


def transfer(name: str) -> ScriptedReply:
    return ScriptedReply(tool_calls=[("transfer_to_agent", f'{{"agent_name": "{name}"}}')])


async def test_transfer_continues_invocation_and_is_remembered() -> None:
    math_model = ScriptedModel(["4", "5"])
    math = LLMAgent("math", model=math_model, description="does sums")
    coordinator = LLMAgent(
        "coordinator", model=ScriptedModel([transfer("math")]), sub_agents=[math]
    )
    service = InMemorySessionService()
    runner = Runner("app", coordinator, session_service=service)
    result = await runner.run_to_end("u", "s", "2+2?")
    tags = [e.tag for e in result.events]
    assert "agent.transfer" in tags
    assert result.final_output == "4" and result.last_agent == "math"
    reply = next(e for e in result.events if e.is_final_response())
    assert reply.branch == "coordinator.math"
    # The next message goes straight to the active agent.
    second = await runner.run_to_end("u", "s", "3+2?")
    assert second.final_output == "5" and second.last_agent == "math"
    # A new runner over the same store (an app restart) keeps the active agent.
    again = Runner("app", coordinator, session_service=service)
    assert (await again.run_to_end("u", "s", "more")).last_agent == "math"


async def test_transfer_to_unknown_agent_is_a_tool_error() -> None:
    model = ScriptedModel([transfer("ghost"), "stayed"])
    coordinator = LLMAgent(
        "coordinator", model=model, sub_agents=[LLMAgent("math", model=ScriptedModel(["x"]))]
    )
    result = await Runner("app", coordinator).run_to_end("u", "s", "x")
    assert result.final_output == "stayed"
    assert "no agent named 'ghost'" in model.requests[1].messages[-1]["content"]


async def test_chain_runs_in_order_and_later_agents_see_earlier_output() -> None:
    writer_model = ScriptedModel(["draft text"])
    editor_model = ScriptedModel(["edited text"])
    chain = ChainAgent(
        "pipeline",
        sub_agents=[
            LLMAgent("writer", model=writer_model),
            LLMAgent("editor", model=editor_model, branch_filter="all"),
        ],
    )
    result = await Runner("app", chain).run_to_end("u", "s", "write")
    authors = [e.author for e in result.events if e.is_final_response()]
    assert authors == ["writer", "editor"]
    assert {"role": "user", "content": "[writer] said: draft text"} in editor_model.requests[
        0
    ].messages


async def test_parallel_agents_each_on_own_branch() -> None:
    a = LLMAgent("a", model=ScriptedModel([ScriptedReply(text=["a1", "a2"])]))
    b = LLMAgent("b", model=ScriptedModel([ScriptedReply(text=["b1", "b2"])]))
    result = await Runner("app", ParallelAgent("fan", sub_agents=[a, b])).run_to_end("u", "s", "go")
    branches = {e.branch for e in result.events if e.is_final_response()}
    assert branches == {"fan.a", "fan.b"}


async def test_cycle_stops_on_escalation_or_max_iterations() -> None:
    @function_tool
    def finish(tool_context: ToolContext) -> str:
        """Ends the loop."""
        tool_context.actions.escalate = True
        return "finished"

    checker_model = ScriptedModel(["not yet", ScriptedReply(tool_calls=[("finish", "{}")])])
    worker_model = ScriptedModel(["work"])
    cycle = CycleAgent(
        "loop",
        max_iterations=10,
        sub_agents=[
            LLMAgent("worker", model=worker_model),
            LLMAgent("checker", model=checker_model, tools=[finish]),
        ],
    )
    await Runner("app", cycle).run_to_end("u", "s", "go")
    assert len(worker_model.requests) == 2 and len(checker_model.requests) == 2

    capped_model = ScriptedModel(["again"])
    capped = CycleAgent("loop", max_iterations=3, sub_agents=[LLMAgent("w", model=capped_model)])
    await Runner("app", capped).run_to_end("u", "s", "go")
    assert len(capped_model.requests) == 3


async def test_filter_modes() -> None:
    service = InMemorySessionService()
    a = LLMAgent("a", model=ScriptedModel(["from a"]))
    b = LLMAgent("b", model=ScriptedModel(["from b"]))
    runner = Runner("app", ChainAgent("root", sub_agents=[a, b]), session_service=service)
    await runner.run_to_end("u", "s", "first")
    await runner.run_to_end("u", "s", "second")
    session = await service.get_session("app", "u", "s")
    assert session is not None
    events = session.events
    last_inv = events[-1].invocation_id

    def texts(**kw: object) -> list[str]:
        chosen = select_events(events, invocation_id=last_inv, **kw)  # type: ignore[arg-type]
        return [e.message.content for e in chosen if e.message]

    assert texts(branch="root.b", branch_mode="all") == [
        "first",
        "from a",
        "from b",
        "second",
        "from a",
        "from b",
    ]
    assert texts(branch="root.b", branch_mode="exact") == ["first", "from b", "second", "from b"]
    assert texts(branch="root.b", timeline="current_request", branch_mode="all") == [
        "second",
        "from a",
        "from b",
    ]
    start = len(events) - 1
    assert texts(
        branch="root.b", timeline="current_invocation", branch_mode="all", invocation_start=start
    ) == [
        "second",
        "from b",
    ]


@function_tool(needs_approval=lambda args: args.get("path", "").startswith("/etc"))
def delete_file(path: str) -> str:
    """Deletes a file."""
    return f"deleted {path}"


async def test_approval_handler_approves_and_denies() -> None:
    asked: list[ApprovalRequest] = []

    async def handler(request: ApprovalRequest) -> bool:
        asked.append(request)
        return request.arguments["path"] == "/etc/ok"

    model = ScriptedModel(
        [
            ScriptedReply(
                tool_calls=[
                    ("delete_file", '{"path": "/etc/ok"}'),
                    ("delete_file", '{"path": "/etc/no"}'),
                    ("delete_file", '{"path": "/tmp/free"}'),
                ]
            ),
            "done",
        ]
    )
    runner = Runner("app", LLMAgent("ops", model=model, tools=[delete_file]))
    await runner.run_to_end("u", "s", "x", run_config=RunConfig(approval_handler=handler))
    assert [r.arguments["path"] for r in asked] == ["/etc/ok", "/etc/no"]
    results = [m["content"] for m in model.requests[1].messages if m["role"] == "tool"]
    assert results[0] == "deleted /etc/ok"
    assert "denied by the user" in results[1]
    assert results[2] == "deleted /tmp/free"


async def test_pause_and_resume_after_restart() -> None:
    service = InMemorySessionService()
    model = ScriptedModel(
        [
            ScriptedReply(
                tool_calls=[
                    ("delete_file", '{"path": "/etc/a"}'),
                    ("delete_file", '{"path": "/etc/b"}'),
                ]
            ),
            "all done",
        ]
    )
    runner = Runner(
        "app", LLMAgent("ops", model=model, tools=[delete_file]), session_service=service
    )
    first = await runner.run_to_end("u", "s", "clean up")
    assert any(e.tag == "tool.approval" for e in first.events)
    assert first.events[-1].done and first.error is None
    assert len(model.requests) == 1
    # The app restarts: a new runner and agent over the same store.
    model2 = ScriptedModel(["all done"])
    runner2 = Runner(
        "app", LLMAgent("ops", model=model2, tools=[delete_file]), session_service=service
    )
    pending = await runner2.pending_approvals("u", "s")
    assert [p["arguments"] for p in pending] == ['{"path": "/etc/a"}', '{"path": "/etc/b"}']
    ids = [p["id"] for p in pending]
    result = await _drain(runner2.resume("u", "s", {ids[0]: True, ids[1]: False}))
    assert result.final_output == "all done"
    tool_msgs = [m["content"] for m in model2.requests[0].messages if m["role"] == "tool"]
    assert tool_msgs[0] == "deleted /etc/a" and "denied" in tool_msgs[1]
    assert await runner2.pending_approvals("u", "s") == []


async def test_resume_without_pending_calls_is_an_error_event() -> None:
    runner = Runner("app", LLMAgent("ops", model=ScriptedModel(["x"])))
    result = await _drain(runner.resume("u", "s", {"nope": True}))
    assert result.error is not None and result.error.code == "nothing_to_resume"


async def _drain(stream):  # type: ignore[no-untyped-def]
    from threadline.runner.runner import collect

    return await collect(stream)
