"""Runner behaviour on the in-process scripted model: lifecycle, limits, tools, state."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncGenerator

import pytest
from pydantic import BaseModel

from threadline.runner import (
    Callbacks,
    Event,
    EventTag,
    LLMAgent,
    Message,
    ModelChunk,
    ModelRequest,
    RunConfig,
    Runner,
    ScriptedModel,
    ScriptedReply,
    TextChunk,
    ToolCallChunk,
    ToolContext,
    Usage,
    UsageChunk,
    function_tool,
)
from threadline.sessions import InMemorySessionService

pytestmark = pytest.mark.asyncio


def agent_with(
    replies: list[ScriptedReply | str], **kwargs: object
) -> tuple[LLMAgent, ScriptedModel]:
    model = ScriptedModel(replies)
    return LLMAgent("helper", model=model, **kwargs), model  # type: ignore[arg-type]


async def test_bad_arguments_raise_at_call_time() -> None:
    runner = Runner("app", agent_with(["x"])[0])
    with pytest.raises(ValueError):
        runner.run("", "s", "hi")
    with pytest.raises(ValueError):
        runner.run("u", " ", "hi")
    with pytest.raises(ValueError):
        Runner("", agent_with(["x"])[0])


async def test_every_non_partial_event_is_saved_before_it_is_yielded() -> None:
    service = InMemorySessionService()
    agent, _ = agent_with([ScriptedReply(text=["a", "b"])])
    runner = Runner("app", agent, session_service=service)
    async for event in runner.run("u", "s", "hi"):
        session = await service.get_session("app", "u", "s")
        assert session is not None
        ids = [e.id for e in session.events]
        if event.partial or event.done:
            assert event.id not in ids
        else:
            assert ids[-1] == event.id


async def test_event_json_round_trip() -> None:
    event = Event(invocation_id="i", author="user", message=Message(role="user", content="hi 🌍"))
    assert Event.model_validate_json(event.model_dump_json()) == event
    result = await Runner("app", agent_with(["hello"])[0]).run_to_end("u", "s", "x")
    for e in result.events:
        assert Event.model_validate_json(e.model_dump_json()) == e


async def test_tools_run_in_parallel_and_one_failure_does_not_stop_others() -> None:
    running = 0
    peak = 0
    both_running = asyncio.Event()

    @function_tool
    async def slow(n: int) -> int:
        """Returns n once the other call is running too (run one by one, it never would)."""
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        if running == 2:
            both_running.set()
        await both_running.wait()
        running -= 1
        return n

    @function_tool
    def boom() -> str:
        """Always fails."""
        raise RuntimeError("kaput")

    replies = [
        ScriptedReply(tool_calls=[("slow", '{"n": 1}'), ("slow", '{"n": 2}'), ("boom", "{}")]),
        ScriptedReply(text="done"),
    ]
    agent, model = agent_with(replies, tools=[slow, boom])
    # tool_timeout only turns a regression (calls run in turn) into a failure, not a hang.
    config = RunConfig(tool_timeout=10)
    result = await Runner("app", agent).run_to_end("u", "s", "go", run_config=config)
    assert peak == 2  # both slow calls were in flight at once
    tools = [m for m in model.requests[1].messages if m["role"] == "tool"]
    assert [t["content"] for t in tools[:2]] == ["1", "2"]
    assert "RuntimeError: kaput" in tools[2]["content"]
    assert result.final_output == "done"


async def test_a_hanging_tool_times_out() -> None:
    @function_tool
    async def hang() -> str:
        """Never finishes."""
        await asyncio.Event().wait()
        return "never"

    agent, model = agent_with([ScriptedReply(tool_calls=[("hang", "{}")]), "ok"], tools=[hang])
    result = await Runner("app", agent).run_to_end(
        "u", "s", "x", run_config=RunConfig(tool_timeout=0.05)
    )
    status = [e.metadata.get("status") for e in result.events if e.tag == EventTag.TOOL_RESULT]
    assert status == ["timeout"]
    assert "did not finish within 0.05 s" in model.requests[1].messages[-1]["content"]


async def test_schema_mismatch_is_a_tool_error() -> None:
    @function_tool
    def square(x: int) -> int:
        """Squares x."""
        return x * x

    agent, model = agent_with(
        [ScriptedReply(tool_calls=[("square", '{"x": "many"}')]), "ok"], tools=[square]
    )
    await Runner("app", agent).run_to_end("u", "s", "x")
    assert "do not match the schema" in model.requests[1].messages[-1]["content"]


async def test_max_turns_and_timeout_become_error_events() -> None:
    @function_tool
    def again() -> str:
        """Loops forever."""
        return "again"

    agent, _ = agent_with([ScriptedReply(tool_calls=[("again", "{}")])], tools=[again])
    result = await Runner("app", agent).run_to_end("u", "s", "x", run_config=RunConfig(max_turns=3))
    assert result.error is not None and result.error.code == "max_turns"
    assert result.events[-1].done

    @function_tool
    async def nap() -> str:
        """Sleeps."""
        await asyncio.sleep(5)
        return "z"

    agent2, _ = agent_with([ScriptedReply(tool_calls=[("nap", "{}")])], tools=[nap])
    result2 = await Runner("app", agent2).run_to_end(
        "u", "s", "x", run_config=RunConfig(timeout=0.1)
    )
    assert result2.error is not None and result2.error.code == "timeout"


async def test_placeholders_from_every_scope() -> None:
    service = InMemorySessionService()
    await service.create_session(
        "app", "u", "s", state={"topic": "tides", "app:tone": "dry", "user:name": "Ada"}
    )
    agent, model = agent_with(
        ["ok"],
        instruction='{topic} {app:tone} {user:name} [{missing?}] {absent} {temp:x?} {"json": 1}',
    )
    await Runner("app", agent, session_service=service).run_to_end("u", "s", "x")
    assert model.requests[0].messages[0]["content"] == 'tides dry Ada [] {absent}  {"json": 1}'


async def test_tool_context_state_delta_and_run_context() -> None:
    service = InMemorySessionService()

    @function_tool
    def remember(value: str, tool_context: ToolContext) -> str:
        """Remembers a value."""
        tool_context.set_state("fact", value)
        tool_context.set_state("user:seen", True)
        tool_context.set_state("temp:scratch", 1)
        return f"{tool_context.context['who']} stored it"

    agent, model = agent_with(
        [ScriptedReply(tool_calls=[("remember", '{"value": "v"}')]), "ok"], tools=[remember]
    )
    assert "tool_context" not in str(remember.parameters)
    runner = Runner("app", agent, session_service=service)
    await runner.run_to_end("u", "s", "x", run_config=RunConfig(context={"who": "tester"}))
    session = await service.get_session("app", "u", "s")
    assert session is not None
    assert session.state["fact"] == "v" and session.state["user:seen"] is True
    assert "temp:scratch" not in session.state
    assert model.requests[1].messages[-1]["content"] == "tester stored it"
    other = await service.create_session("app", "u", "other")
    assert other.state["user:seen"] is True and "fact" not in other.state


async def test_callbacks_short_circuit_and_replace() -> None:
    calls: list[str] = []

    def before_model(ctx: object, agent: object, request: object) -> str | None:
        calls.append("before_model")
        return "canned" if len(calls) == 1 else None

    async def after_tool(tool_context: object, tool: object, args: object, result: object) -> str:
        return f"wrapped({result})"

    @function_tool
    def echo(text: str) -> str:
        """Echoes."""
        return text

    agent, model = agent_with(
        [ScriptedReply(tool_calls=[("echo", '{"text": "hi"}')]), "final"],
        tools=[echo],
        callbacks=Callbacks(before_model=before_model, after_tool=after_tool),
    )
    runner = Runner("app", agent)
    first = await runner.run_to_end("u", "s", "one")
    assert first.final_output == "canned" and model.requests == []
    second = await runner.run_to_end("u", "s", "two")
    assert second.final_output == "final"
    assert model.requests[1].messages[-1]["content"] == "wrapped(hi)"

    agent2, model2 = agent_with(
        ["never"], callbacks=Callbacks(before_agent=lambda ctx, a: "skipped")
    )
    assert (await Runner("app", agent2).run_to_end("u", "s", "x")).final_output == "skipped"
    assert model2.requests == []


async def test_runs_on_one_session_are_serialised() -> None:
    order: list[str] = []

    @function_tool
    async def mark(tag: str) -> str:
        """Marks."""
        order.append(f"start {tag}")
        await asyncio.sleep(0.05)
        order.append(f"end {tag}")
        return tag

    def script(request: object) -> ScriptedReply:
        messages = request.messages  # type: ignore[attr-defined]
        if messages[-1]["role"] == "user":
            return ScriptedReply(tool_calls=[("mark", f'{{"tag": "{messages[-1]["content"]}"}}')])
        return ScriptedReply(text="ok")

    agent = LLMAgent("helper", model=ScriptedModel(script), tools=[mark])
    runner = Runner("app", agent)
    await asyncio.gather(runner.run_to_end("u", "s", "a"), runner.run_to_end("u", "s", "b"))
    assert order in (
        ["start a", "end a", "start b", "end b"],
        ["start b", "end b", "start a", "end a"],
    )
    order.clear()
    await asyncio.gather(runner.run_to_end("u", "s1", "a"), runner.run_to_end("u", "s2", "b"))
    assert order[:2] == ["start a", "start b"]  # different sessions overlap


async def test_max_concurrent_runs_caps_sessions() -> None:
    active = 0
    peak = 0

    @function_tool
    async def work() -> str:
        """Works."""
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.02)
        active -= 1
        return "ok"

    model = ScriptedModel(
        lambda r: (
            ScriptedReply(tool_calls=[("work", "{}")])
            if r.messages[-1]["role"] == "user"
            else ScriptedReply(text="done")
        )
    )
    runner = Runner("app", LLMAgent("a", model=model, tools=[work]), max_concurrent_runs=2)
    await asyncio.gather(*(runner.run_to_end("u", f"s{i}", "go") for i in range(6)))
    assert peak == 2


async def test_structured_output() -> None:
    class Answer(BaseModel):
        value: int

    agent, model = agent_with(['{"value": 42}'], output_schema=Answer)
    result = await Runner("app", agent).run_to_end("u", "s", "x")
    assert result.events[-2].metadata["structured_output"] == {"value": 42}
    assert model.requests[0].response_format is not None
    bad, _ = agent_with(["not json"], output_schema=Answer)
    result2 = await Runner("app", bad).run_to_end("u", "s", "x")
    assert result2.error is not None and result2.error.code == "invalid_output"


async def test_invocation_state_is_thread_safe() -> None:
    workers, rounds = 4, 2000
    # Every worker waits here until all are in their threads: the loops below really overlap.
    barrier = threading.Barrier(workers, timeout=10)
    threads: set[int] = set()

    @function_tool
    def churn(worker: int, tool_context: ToolContext) -> str:
        """Writes, reads and deletes invocation state while the other workers do the same."""
        inv = tool_context.invocation
        threads.add(threading.get_ident())
        barrier.wait()
        for i in range(rounds):
            inv.set_state(f"w{worker}:{i}", i)
            inv.set_state("shared", worker)
            assert inv.get_state(f"w{worker}:{i}") == i
            if i % 2:
                inv.delete_state(f"w{worker}:{i}")
            inv.delete_state("missing")
        return "ok"

    @function_tool
    def tally(tool_context: ToolContext) -> str:
        """Counts what the workers left behind."""
        inv = tool_context.invocation
        kept = [
            inv.get_state(f"w{w}:{i}")
            for w in range(workers)
            for i in range(rounds)
            if inv.get_state(f"w{w}:{i}") is not None
        ]
        return json.dumps({"kept": len(kept), "shared": inv.get_state("shared")})

    calls = [("churn", json.dumps({"worker": w})) for w in range(workers)]
    agent, model = agent_with(
        [ScriptedReply(tool_calls=calls), ScriptedReply(tool_calls=[("tally", "{}")]), "done"],
        tools=[churn, tally],
    )
    await Runner("app", agent).run_to_end("u", "s", "x", run_config=RunConfig(tool_timeout=30))
    results = [m["content"] for m in model.requests[1].messages if m["role"] == "tool"]
    assert results == ["ok"] * workers
    assert len(threads) == workers
    tally_result = json.loads(model.requests[2].messages[-1]["content"])
    assert tally_result["kept"] == workers * rounds // 2
    assert tally_result["shared"] in range(workers)


async def test_set_instruction_from_another_thread_mid_stream() -> None:
    loop = asyncio.get_running_loop()
    streaming = asyncio.Event()
    release = asyncio.Event()

    class HeldModel:
        """Streams a first chunk, then holds the reply open until the test lets it finish."""

        name = "held"

        def __init__(self) -> None:
            self.requests: list[ModelRequest] = []

        async def stream(self, request: ModelRequest) -> AsyncGenerator[ModelChunk, None]:
            self.requests.append(request)
            if len(self.requests) == 1:
                yield TextChunk("looking it up")
                streaming.set()
                await release.wait()
                yield ToolCallChunk(index=0, id="call_1", name="lookup", arguments="{}")
            else:
                yield TextChunk("done")
            yield UsageChunk(Usage(total_tokens=1, requests=1))

    @function_tool
    def lookup() -> str:
        """Looks something up."""
        return "found"

    model = HeldModel()
    agent = LLMAgent("helper", model=model, instruction="v1", tools=[lookup])
    run = asyncio.create_task(Runner("app", agent).run_to_end("u", "s", "x"))
    await streaming.wait()

    def swap() -> None:
        agent.set_instruction("v2")
        agent.set_global_instruction("global rules")
        loop.call_soon_threadsafe(release.set)  # only now may the first reply end

    thread = threading.Thread(target=swap)
    thread.start()
    result = await run
    thread.join()
    # One run, two model requests: the one streaming during the swap and the next one.
    assert [r.messages[0]["content"] for r in model.requests] == ["v1", "global rules\n\nv2"]
    replies = [e for e in result.events if e.tag == EventTag.MODEL_REPLY]
    assert [e.metadata["instruction_version"] for e in replies] == [1, 2]
    assert result.final_output == "done"
    assert agent.instruction.version == 2
