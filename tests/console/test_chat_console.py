"""``ChatConsole`` driven on real pipes inside the test's event loop, against the scripted
server through the real ``openai`` client: ``/resume``, calls left waiting, replies that were
not streamed, errors, Ctrl+C and the end of input."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import AsyncIterator
from typing import BinaryIO, TextIO

import pytest

from tests.console.terminal import Terminal
from tests.scripted_server import Reply, ScriptedServer, calls, text
from threadline.console import ChatConsole, LineReader
from threadline.runner import GenerationConfig, LLMAgent, OpenAIChatModel, Runner, function_tool
from threadline.sessions import InMemorySessionService

pytestmark = pytest.mark.asyncio

PROMPT = "\n👤 You: "


@function_tool(needs_approval=True)
def multiply(a: float, b: float) -> float:
    """Multiplies two numbers."""
    return a * b


def make_runner(model: OpenAIChatModel, **agent: object) -> Runner:
    helper = LLMAgent("helper", model=model, tools=[multiply], **agent)  # type: ignore[arg-type]
    return Runner("threadline", helper, session_service=InMemorySessionService())


@contextlib.asynccontextmanager
async def on_pipes(
    runner: Runner, session_id: str | None = None
) -> AsyncIterator[tuple[Terminal, ChatConsole, asyncio.Task[int]]]:
    """A console reading one pipe and writing another; closing its input ends it."""
    in_write, stdin, stdout, out_file = _pipes()
    output = asyncio.StreamReader()
    transport, _ = await asyncio.get_running_loop().connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(output), out_file
    )
    console = ChatConsole(
        runner, lines=LineReader(stdin), out=stdout, user_id="local", session_id=session_id
    )
    task = asyncio.create_task(console.run())
    terminal = Terminal(output, lambda data: _write_all(in_write, data))
    is_open = True
    try:
        yield terminal, console, task
        os.close(in_write)  # the end of input: the console says goodbye and returns
        is_open = False
        await terminal.expect("👋 Bye!\n")
        assert await asyncio.wait_for(task, 20) == 0
    finally:
        if is_open:
            os.close(in_write)
        if not task.done():
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        stdout.close()
        transport.close()
        stdin.close()


def _pipes() -> tuple[int, TextIO, TextIO, BinaryIO]:
    """The console's input (our end: a file descriptor) and output (our end: a binary file,
    which the read transport takes over and closes)."""
    in_read, in_write = os.pipe()
    out_read, out_write = os.pipe()
    stdin = os.fdopen(in_read, encoding="utf-8")
    stdout = os.fdopen(out_write, "w", encoding="utf-8")
    return in_write, stdin, stdout, os.fdopen(out_read, "rb", buffering=0)


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data) :]


async def test_resume_lists_the_sessions_and_continues_the_one_chosen(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    runner = make_runner(model)
    server.script(text("Cats purr."), text("Dogs bark."))
    await runner.run_to_end("local", "cats-1", "Tell me about cats")
    await runner.run_to_end("local", "dogs-1", "Tell me about dogs")
    async with on_pipes(runner, session_id="fresh") as (terminal, _, _):
        await terminal.expect(PROMPT)
        terminal.type_line("/resume")
        listing = await terminal.expect(PROMPT)
        assert "  1. dogs-1  Tell me about dogs  (" in listing
        assert "  2. cats-1  Tell me about cats  (" in listing
        terminal.type_line("/resume nothing-like-it")
        assert "No single session matches 'nothing-like-it'" in await terminal.expect(PROMPT)
        terminal.type_line("/resume 2")
        assert "▶ Resumed session cats-1: Tell me about cats" in await terminal.expect(PROMPT)
        server.script(text("They also nap."))
        terminal.type_line("And more?")
        await terminal.expect("🤖 helper: They also nap.")
        await terminal.expect(PROMPT)
        terminal.type_line("/resume")
        assert "cats-1  Tell me about cats  (" in await terminal.expect("← current")
    users = [m["content"] for m in server.requests[-1]["messages"] if m["role"] == "user"]
    assert users == ["Tell me about cats", "And more?"]


async def test_a_resumed_session_asks_for_the_calls_it_left_waiting(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    runner = make_runner(model)
    server.script(calls(("multiply", '{"a": 6, "b": 7}')), text("It is 42."))
    paused = await runner.run_to_end("local", "paused-1", "6*7?")  # no handler: it pauses
    assert await runner.pending_approvals("local", "paused-1") != []
    assert paused.final_output == ""
    async with on_pipes(runner) as (terminal, _, _):
        await terminal.expect(PROMPT)
        terminal.type_line("/resume paused")
        asked = await terminal.expect("[y/n] ")
        assert "⏸ This conversation waits for 1 tool call(s)." in asked
        assert 'Approve multiply({"a": 6, "b": 7})?' in asked
        terminal.type_line("y")
        ran = await terminal.expect("🤖 helper: It is 42.")
        assert "✅ Tool Response (ID: " in ran and "): 42.0" in ran
        await terminal.expect(PROMPT)
    assert await runner.pending_approvals("local", "paused-1") == []


async def test_a_reply_that_was_not_streamed_shows_whole_and_errors_show_their_code(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    runner = make_runner(model, generation=GenerationConfig(stream=False))
    server.script(text("All ", "at ", "once."), Reply(status=401))
    async with on_pipes(runner) as (terminal, _, _):
        await terminal.expect(PROMPT)
        terminal.type_line("hi")
        assert "hi\n🤖 helper: All at once.\n" in await terminal.expect(PROMPT)
        terminal.type_line("again")
        failed = await terminal.expect(PROMPT)
        assert "❌ Error [auth]: The server refused the API key (401)." in failed
    assert server.requests[0]["stream"] is False


async def test_ctrl_c_stops_the_reply_keeps_its_text_and_the_console_goes_on(
    server: ScriptedServer, model: OpenAIChatModel
) -> None:
    runner = make_runner(model)
    rest = threading.Event()
    server.script(Reply(text=["Once upon ", "a time"], pause_after=2, pause=rest))
    try:
        async with on_pipes(runner, session_id="story") as (terminal, console, _):
            await terminal.expect(PROMPT)
            assert not console.interrupt()  # no reply under way: nothing to stop
            terminal.type_line("A story, please")
            await terminal.expect("🤖 helper: Once upon ")
            assert console.interrupt()
            await terminal.expect("⏹ Stopped.")
            await terminal.expect(PROMPT)
            terminal.type_line("/history")
            assert "  🤖 helper: Once upon  [interrupted]\n" in await terminal.expect(PROMPT)
    finally:
        rest.set()  # lets the server's thread finish the abandoned reply
    session = await runner.session_service.get_session("threadline", "local", "story")
    assert session is not None
    saved = session.events[-1].message
    assert saved is not None and saved.content == "Once upon " and saved.interrupted
