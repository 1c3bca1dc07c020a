"""Runner overhead per model turn and per streamed event, beside openai-agents-python's Runner.

Both runners drive an in-process fake model (no network, no tokens), so what is measured is the
runner itself: building requests, running a tool, making and forwarding events. Budgets
(SPEC §4): ≤ 0.25× per model call, ≤ 0.4× per streamed event; the peer's fake builds its
events before the clock starts and gives every tool call its own id.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from common import best_of, cpu, report

from threadline.runner import LLMAgent, Runner, ScriptedModel, ScriptedReply, function_tool

TURNS = 10
CHUNKS = 1000


@function_tool
def lookup(key: str) -> str:
    """Looks a key up."""
    return f"value of {key}"


async def ours_turn() -> float:
    replies = [ScriptedReply(tool_calls=[("lookup", '{"key": "k"}')])] * (TURNS - 1) + [
        ScriptedReply(text="done")
    ]
    runner = Runner("bench", LLMAgent("a", model=ScriptedModel(replies), tools=[lookup]))
    start = cpu()
    result = await runner.run_to_end("u", "s", "go")
    elapsed = cpu() - start
    assert result.final_output == "done", result
    return elapsed / TURNS * 1e6


async def ours_stream() -> float:
    pieces = [f"w{i} " for i in range(CHUNKS)]
    runner = Runner("bench", LLMAgent("a", model=ScriptedModel([ScriptedReply(text=pieces)])))
    count = 0
    start = cpu()
    async for event in runner.run("u", "s", "go"):
        count += event.partial
    elapsed = cpu() - start
    assert count == CHUNKS
    return elapsed / CHUNKS * 1e6


async def team_costs() -> tuple[float, float, float]:
    """µs of CPU for one run with a plain tool call, with a transfer, and with an approval."""
    from threadline.runner import ApprovalRequest, RunConfig

    @function_tool(needs_approval=True)
    def guarded(key: str) -> str:
        """Looks a key up after approval."""
        return key

    async def approve(request: ApprovalRequest) -> bool:
        return True

    async def one(agent: LLMAgent, config: RunConfig | None = None) -> float:
        runner = Runner("bench", agent)
        start = cpu()
        result = await runner.run_to_end("u", "s", "go", run_config=config)
        assert result.error is None, result.error
        return (cpu() - start) * 1e6

    plain = LLMAgent(
        "a",
        model=ScriptedModel([ScriptedReply(tool_calls=[("lookup", '{"key": "k"}')]), "done"]),
        tools=[lookup],
    )
    helper = LLMAgent("helper", model=ScriptedModel(["done"]))
    coordinator = LLMAgent(
        "boss",
        model=ScriptedModel(
            [ScriptedReply(tool_calls=[("transfer_to_agent", '{"agent_name": "helper"}')])]
        ),
        sub_agents=[helper],
    )
    approval = LLMAgent(
        "a",
        model=ScriptedModel([ScriptedReply(tool_calls=[("guarded", '{"key": "k"}')]), "done"]),
        tools=[guarded],
    )
    return (
        await one(plain),
        await one(coordinator),
        await one(approval, RunConfig(approval_handler=approve)),
    )


def peer() -> tuple[Any, Any]:
    from agents import Agent, ModelSettings, RunConfig
    from agents import Runner as PeerRunner
    from agents import function_tool as peer_tool
    from agents.items import ModelResponse
    from agents.models.interface import Model
    from agents.usage import Usage as PeerUsage
    from openai.types.responses import (
        Response,
        ResponseCompletedEvent,
        ResponseFunctionToolCall,
        ResponseOutputMessage,
        ResponseOutputText,
        ResponseTextDeltaEvent,
    )

    def message(text: str) -> ResponseOutputMessage:
        return ResponseOutputMessage(
            id="m",
            type="message",
            role="assistant",
            status="completed",
            content=[ResponseOutputText(type="output_text", text=text, annotations=[])],
        )

    class LoopModel(Model):
        """Asks for the tool TURNS-1 times, then answers."""

        def __init__(self) -> None:
            self.turn = 0

        async def get_response(self, *args: Any, **kwargs: Any) -> ModelResponse:
            self.turn += 1
            if self.turn < TURNS:
                call = ResponseFunctionToolCall(
                    type="function_call",
                    call_id=f"c{self.turn}",
                    name="lookup",
                    arguments='{"key": "k"}',
                )
                return ModelResponse(output=[call], usage=PeerUsage(), response_id=None)
            return ModelResponse(output=[message("done")], usage=PeerUsage(), response_id=None)

        async def stream_response(self, *args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError
            yield

    class StreamModel(Model):
        """Streams CHUNKS text deltas, built before the clock starts: making a pydantic event
        per chunk is the fake's work, not the peer runner's, and must not be charged to it."""

        def __init__(self) -> None:
            self.events: list[Any] = [
                ResponseTextDeltaEvent(
                    type="response.output_text.delta",
                    item_id="m",
                    output_index=0,
                    content_index=0,
                    delta=f"w{i} ",
                    logprobs=[],
                    sequence_number=i,
                )
                for i in range(CHUNKS)
            ]
            text = "".join(f"w{i} " for i in range(CHUNKS))
            response = Response(
                id="r",
                created_at=0,
                model="fake",
                object="response",
                output=[message(text)],
                tool_choice="none",
                tools=[],
                top_p=None,
                parallel_tool_calls=False,
            )
            self.events.append(
                ResponseCompletedEvent(
                    type="response.completed", response=response, sequence_number=CHUNKS
                )
            )

        async def get_response(self, *args: Any, **kwargs: Any) -> ModelResponse:
            raise NotImplementedError

        async def stream_response(self, *args: Any, **kwargs: Any) -> Any:
            for event in self.events:
                yield event

    @peer_tool
    def lookup_peer(key: str) -> str:
        """Looks a key up."""
        return f"value of {key}"

    lookup_peer.name = "lookup"
    config = RunConfig(tracing_disabled=True)

    async def turn() -> float:
        agent = Agent(
            name="a", model=LoopModel(), tools=[lookup_peer], model_settings=ModelSettings()
        )
        start = cpu()
        result = await PeerRunner.run(agent, "go", run_config=config, max_turns=TURNS + 2)
        elapsed = cpu() - start
        assert result.final_output == "done"
        return elapsed / TURNS * 1e6

    async def stream() -> float:
        agent = Agent(name="a", model=StreamModel())
        start = cpu()
        result = PeerRunner.run_streamed(agent, "go", run_config=config)
        count = 0
        async for event in result.stream_events():
            count += getattr(event, "type", "") == "raw_response_event"
        elapsed = cpu() - start
        assert count >= CHUNKS
        return elapsed / CHUNKS * 1e6

    return turn, stream


def main() -> int:
    try:
        peer_turn, peer_stream = peer()
    except ImportError:
        print("SKIP runner_overhead: install the bench extra (pip install -e '.[bench]')")
        return 0
    run = asyncio.run
    for _ in range(3):  # warm up imports and caches on both sides
        run(ours_turn()), run(peer_turn()), run(ours_stream()), run(peer_stream())
    ok = report(
        "runner µs per model turn (10-turn tool loop; median of 15)",
        best_of(15, lambda: run(ours_turn())),
        best_of(15, lambda: run(peer_turn())),
        "µs",
        0.25,
    )
    ok &= report(
        "runner µs per streamed event (1,000 chunks; median of 15)",
        best_of(15, lambda: run(ours_stream())),
        best_of(15, lambda: run(peer_stream())),
        "µs",
        0.4,
    )
    run(team_costs())  # warm-up
    plain, transfer, approval = (
        best_of(15, lambda i=i: run(team_costs())[i])
        for i in range(3)  # type: ignore[misc]
    )
    print(
        f"INFO run with a plain tool call: {plain:.0f} µs; with a transfer: {transfer:.0f} µs "
        f"(+{transfer - plain:.0f}); with an approved call: {approval:.0f} µs (+{approval - plain:.0f})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
