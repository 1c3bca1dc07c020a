"""Approvals inside workflows (SPEC 1.5): every paused branch is kept and resumed, chains and
cycles go on with their next steps after ``resume`` (also after a restart), and a resumed
request carries the history the paused one had, whatever the timeline filter.

Every agent talks to the scripted OpenAI-compatible server through the real ``openai`` client;
the server answers by agent (each instruction starts with ``agent:<name>``).
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.scripted_server import Reply, ScriptedServer, calls, text
from threadline.runner import (
    BaseAgent,
    ChainAgent,
    CycleAgent,
    Event,
    EventTag,
    LLMAgent,
    OpenAIChatModel,
    ParallelAgent,
    Runner,
    function_tool,
)
from threadline.runner.runner import RunResult, collect
from threadline.sessions import InMemorySessionService, SQLiteSessionService

pytestmark = pytest.mark.asyncio


@function_tool(needs_approval=True)
def write_note(text: str) -> str:
    """Writes a note (needs approval)."""
    return f"wrote {text}"


@function_tool(needs_approval=True)
def read_doc(name: str) -> str:
    """Reads a document (needs approval)."""
    return f"contents of {name}"


Route = Callable[[dict[str, Any], int], Reply]


class Router:
    """Answers each request by the agent that sent it; counts requests per agent."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.counts: Counter[str] = Counter()
        self.bodies: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> Reply:
        name = agent_of(body)
        with self._lock:
            self.counts[name] += 1
            number = self.counts[name]
            self.bodies.setdefault(name, []).append(body)
        return self.routes[name](body, number)


def agent_of(body: dict[str, Any]) -> str:
    system = body["messages"][0]
    assert system["role"] == "system"
    return str(system["content"]).split()[0].removeprefix("agent:")


def after_tool(first: Reply, then: Reply) -> Route:
    """``first`` until the agent's last message is a tool result, then ``then``."""
    return lambda body, n: then if body["messages"][-1]["role"] == "tool" else first


@pytest_asyncio.fixture
async def make_model(server: ScriptedServer) -> AsyncIterator[Callable[[], OpenAIChatModel]]:
    made: list[OpenAIChatModel] = []

    def build() -> OpenAIChatModel:
        model = OpenAIChatModel("scripted-large", base_url=server.base_url, api_key="sk-test")
        made.append(model)
        return model

    yield build
    for model in made:
        await model.aclose()


def llm(name: str, model: OpenAIChatModel, **kwargs: Any) -> LLMAgent:
    return LLMAgent(name, model=model, instruction=f"agent:{name}", **kwargs)


def finals(result: RunResult) -> list[tuple[str, str]]:
    return [
        (e.author, e.message.content)
        for e in result.events
        if e.is_final_response() and e.message is not None
    ]


def tool_results(result: RunResult) -> list[str]:
    return [e.message.content for e in result.events if e.tag == EventTag.TOOL_RESULT and e.message]


async def test_every_paused_parallel_branch_is_kept_and_resumed(
    server: ScriptedServer, make_model: Callable[[], OpenAIChatModel]
) -> None:
    router = Router(
        {
            "a": after_tool(calls(("write_note", '{"text": "from a"}')), text("a done")),
            "b": after_tool(calls(("write_note", '{"text": "from b"}')), text("b done")),
            "summariser": lambda body, n: text("summary"),
        }
    )
    server.default(router)

    def tree() -> BaseAgent:
        model = make_model()
        fan = ParallelAgent(
            "fan",
            sub_agents=[llm("a", model, tools=[write_note]), llm("b", model, tools=[write_note])],
        )
        return ChainAgent("flow", sub_agents=[fan, llm("summariser", model)])

    runner = Runner("app", tree())
    first = await runner.run_to_end("u", "s", "go")
    assert first.error is None and first.events[-1].done
    paused = [e for e in first.events if e.tag == EventTag.TOOL_APPROVAL]
    assert sorted(e.branch for e in paused) == ["flow.fan.a", "flow.fan.b"]
    pending = await runner.pending_approvals("u", "s")
    assert sorted(p["arguments"] for p in pending) == [
        '{"text": "from a"}',
        '{"text": "from b"}',
    ]
    assert router.counts["summariser"] == 0  # the chain waits for the paused step

    resumed = await collect(runner.resume("u", "s", {p["id"]: True for p in pending}))
    assert resumed.error is None
    assert sorted(tool_results(resumed)) == ["wrote from a", "wrote from b"]
    assert sorted(finals(resumed)) == [("a", "a done"), ("b", "b done"), ("summariser", "summary")]
    assert finals(resumed)[-1] == ("summariser", "summary")
    assert await runner.pending_approvals("u", "s") == []
    # Each branch asked twice (the call, then the answer), never again.
    assert router.counts["a"] == router.counts["b"] == 2


async def test_a_branch_that_does_not_pause_runs_to_its_end(
    server: ScriptedServer, make_model: Callable[[], OpenAIChatModel]
) -> None:
    a_paused = asyncio.Event()

    @function_tool
    async def lookup(topic: str) -> str:
        """Looks a topic up (no approval needed)."""
        # Answers only once branch a has paused, so b's next step comes after the pause.
        await asyncio.wait_for(a_paused.wait(), 10)
        return f"facts about {topic}"

    router = Router(
        {
            "a": after_tool(calls(("write_note", '{"text": "a"}')), text("a done")),
            "b": after_tool(calls(("lookup", '{"topic": "tides"}')), text("b done")),
        }
    )
    server.default(router)
    model = make_model()
    fan = ParallelAgent(
        "fan", sub_agents=[llm("a", model, tools=[write_note]), llm("b", model, tools=[lookup])]
    )
    runner = Runner("app", fan)

    events: list[Event] = []
    async for event in runner.run("u", "s", "go"):
        if event.tag == EventTag.TOOL_APPROVAL:
            a_paused.set()
        if not event.partial:
            events.append(event)
    first = RunResult(events=events)
    assert [e.branch for e in events if e.tag == EventTag.TOOL_APPROVAL] == ["fan.a"]
    assert ("b", "b done") in [(e.author, e.text) for e in events if e.is_final_response()]
    assert events[-1].done and not any(e.error for e in events)
    assert tool_results(first) == ["facts about tides"]

    pending = await runner.pending_approvals("u", "s")
    assert [p["branch"] for p in pending] == ["fan.a"]
    resumed = await collect(runner.resume("u", "s", {pending[0]["id"]: False}))
    assert finals(resumed) == [("a", "a done")]
    assert "denied by the user" in tool_results(resumed)[0]
    assert router.counts["b"] == 2  # b finished in the first run and is not run again


def reader_chain(model: OpenAIChatModel) -> ChainAgent:
    return ChainAgent(
        "pipeline",
        sub_agents=[llm("reader", model, tools=[read_doc]), llm("summariser", model)],
    )


async def test_a_chain_goes_on_after_resume_in_a_new_process(
    server: ScriptedServer, make_model: Callable[[], OpenAIChatModel], tmp_path: Path
) -> None:
    router = Router(
        {
            "reader": after_tool(calls(("read_doc", '{"name": "spec"}')), text("reader done")),
            "summariser": lambda body, n: text("summary"),
        }
    )
    server.default(router)
    path = tmp_path / "s.db"
    store = SQLiteSessionService(path)
    first = await Runner("app", reader_chain(make_model()), session_service=store).run_to_end(
        "u", "s", "summarise the spec"
    )
    assert [e.tag for e in first.events if e.tag == EventTag.TOOL_APPROVAL] == ["tool.approval"]
    await store.aclose()

    # A restart: a new store on the same file, a new runner and a new agent tree.
    reopened = SQLiteSessionService(path)
    runner = Runner("app", reader_chain(make_model()), session_service=reopened)
    pending = await runner.pending_approvals("u", "s")
    assert [p["agent"] for p in pending] == ["reader"]
    resumed = await collect(runner.resume("u", "s", {pending[0]["id"]: True}))
    assert resumed.error is None
    assert finals(resumed) == [("reader", "reader done"), ("summariser", "summary")]
    assert resumed.final_output == "summary"
    # The next step sees the earlier one under the default branch filter.
    sent = router.bodies["summariser"][0]["messages"]
    assert {"role": "user", "content": "[reader] said: reader done"} in sent
    session = await reopened.get_session("app", "u", "s")
    assert session is not None
    assert [
        e.message.content for e in session.events if e.tag == EventTag.TOOL_RESULT and e.message
    ] == ["contents of spec"]
    await reopened.aclose()


def review_cycle(model: OpenAIChatModel) -> CycleAgent:
    return CycleAgent(
        "loop",
        max_iterations=2,
        sub_agents=[llm("worker", model, tools=[read_doc]), llm("checker", model)],
    )


async def test_a_cycle_goes_on_in_the_same_iteration_after_a_restart(
    server: ScriptedServer, make_model: Callable[[], OpenAIChatModel], tmp_path: Path
) -> None:
    def worker(body: dict[str, Any], n: int) -> Reply:
        if n == 1:
            return calls(("read_doc", '{"name": "draft"}'))
        return text(f"worked {n}")

    router = Router({"worker": worker, "checker": lambda body, n: text(f"checked {n}")})
    server.default(router)
    path = tmp_path / "s.db"
    store = SQLiteSessionService(path)
    first = await Runner("app", review_cycle(make_model()), session_service=store).run_to_end(
        "u", "s", "review"
    )
    assert any(e.tag == EventTag.TOOL_APPROVAL for e in first.events)
    assert router.counts["checker"] == 0
    await store.aclose()

    reopened = SQLiteSessionService(path)
    runner = Runner("app", review_cycle(make_model()), session_service=reopened)
    pending = await runner.pending_approvals("u", "s")
    resumed = await collect(runner.resume("u", "s", {pending[0]["id"]: True}))
    assert resumed.error is None
    # Iteration 1 goes on (worker answers, then checker), then iteration 2 runs; no third.
    assert finals(resumed) == [
        ("worker", "worked 2"),
        ("checker", "checked 1"),
        ("worker", "worked 3"),
        ("checker", "checked 2"),
    ]
    await reopened.aclose()


@pytest.mark.parametrize("timeline", ["current_request", "current_invocation"])
async def test_a_resumed_request_carries_the_paused_history(
    server: ScriptedServer, make_model: Callable[[], OpenAIChatModel], timeline: str
) -> None:
    router = Router({"ops": after_tool(calls(("write_note", '{"text": "x"}')), text("noted"))})
    server.default(router)
    service = InMemorySessionService()
    agent = llm("ops", make_model(), tools=[write_note], timeline_filter=timeline)
    runner = Runner("app", agent, session_service=service)
    await runner.run_to_end("u", "s", "earlier message")  # pauses; left undecided
    await runner.run_to_end("u", "s", "write a note")  # pauses again
    pending = await runner.pending_approvals("u", "s")
    assert len(pending) == 1
    before = router.bodies["ops"][-1]["messages"]
    resumed = await collect(runner.resume("u", "s", {pending[0]["id"]: True}))
    assert resumed.final_output == "noted"
    sent = router.bodies["ops"][-1]["messages"]
    # What the paused request had, plus the call's result; nothing of the earlier exchange.
    assert sent[: len(before)] == before
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool"]
    assert sent[1]["content"] == "write a note" and sent[3]["content"] == "wrote x"
    # The resumed part belongs to the paused invocation.
    session = await service.get_session("app", "u", "s")
    assert session is not None
    user_event = [e for e in session.events if e.author == "user"][-1]
    assert {e.invocation_id for e in resumed.events if not e.done} == {user_event.invocation_id}
