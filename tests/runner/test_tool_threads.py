"""Sync tools run in their own pool: a hung one is abandoned honestly after the tool timeout,
never delays a fast one, and never starves asyncio's default pool (keyring, export, import)."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.scripted_server import ScriptedServer, calls, text
from threadline.runner import EventTag, LLMAgent, OpenAIChatModel, RunConfig, Runner, function_tool
from threadline.runner.tool_threads import ToolThreads, ToolThreadsExhausted, tool_threads

pytestmark = pytest.mark.asyncio

HUNG = 10


async def test_hung_sync_tools_are_abandoned_and_never_delay_a_fast_one(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    release = threading.Event()
    started = threading.Semaphore(0)

    @function_tool
    def hang(n: int) -> str:
        """Blocks until the test ends."""
        started.release()
        release.wait(30)
        return "late"

    @function_tool
    def quick() -> str:
        """Answers at once."""
        return "quick"

    # A small default pool, like the one the keyring, export and import share.
    loop = asyncio.get_running_loop()
    shared = ThreadPoolExecutor(max_workers=2)
    loop.set_default_executor(shared)
    round_of_calls = [("hang", f'{{"n": {i}}}') for i in range(HUNG)] + [("quick", "{}")]
    # Two rounds: the second runs while the first round's tools still hang in the background.
    server.script(calls(*round_of_calls), calls(*round_of_calls), text("done"))
    agent = LLMAgent("helper", model=model, tools=[hang, quick])
    before = tool_threads().abandoned
    try:
        result = await Runner("app", agent).run_to_end(
            "u", "s", "go", run_config=RunConfig(tool_timeout=0.5)
        )
        assert result.final_output == "done"
        outcomes = [e for e in result.events if e.tag == EventTag.TOOL_RESULT]
        assert len(outcomes) == 2 * (HUNG + 1)
        fast = [e for e in outcomes if e.metadata["tool"] == "quick"]
        assert [e.metadata["status"] for e in fast] == ["ok", "ok"]
        assert all(e.text == "quick" for e in fast)
        assert all(e.metadata["duration_ms"] < 400 for e in fast)  # never queued
        for event in outcomes:
            if event.metadata["tool"] == "hang":
                assert event.metadata["status"] == "timeout"
                assert event.metadata["abandoned"] is True
                assert "abandoned" in event.text
                assert "still be running in the background" in event.text
        # Both rounds' hung tools did start (none waited for a free thread) and still run.
        for _ in range(2 * HUNG):
            assert started.acquire(timeout=5)
        assert tool_threads().abandoned >= before + 2 * HUNG
        # asyncio's default pool is free for everyone else.
        assert await asyncio.wait_for(asyncio.to_thread(lambda: 42), 5) == 42
    finally:
        release.set()
        shared.shutdown(wait=False)


async def test_the_pool_frees_places_of_abandoned_calls_and_caps_them() -> None:
    pool = ToolThreads(size=1, max_abandoned=2, idle_seconds=1)
    release = threading.Event()
    started = threading.Semaphore(0)

    def block() -> bool:
        started.release()
        return release.wait(30)

    first = pool.submit(block)
    waiting = pool.submit(lambda: "queued")  # no free place yet: it waits its turn
    assert started.acquire(timeout=5)
    assert not waiting.done()
    assert pool.abandon(waiting) is False  # it had not started: simply dropped
    assert waiting.cancelled()
    # The running call is given up on: its place goes to the next call at once.
    assert pool.abandon(first) is True
    assert await asyncio.wait_for(asyncio.wrap_future(pool.submit(lambda: "next")), 5) == "next"
    second = pool.submit(block)
    assert started.acquire(timeout=5)
    assert pool.abandon(second) is True and pool.abandoned == 2
    with pytest.raises(ToolThreadsExhausted):
        pool.submit(lambda: "refused")
    release.set()
    assert first.result(timeout=5) is True and second.result(timeout=5) is True
    assert pool.abandoned == 0
    assert pool.submit(lambda: "again").result(timeout=5) == "again"
