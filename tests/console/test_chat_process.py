"""``threadline chat`` as a person runs it: a real process on real pipes, talking through the
real ``openai`` client to the scripted server (SPEC §5; seed 003 ``Launcher``, seed 000's
interactive example)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.console.terminal import Terminal
from tests.scripted_server import Reply, ScriptedServer, calls, text
from threadline.sessions import SQLiteSessionService

pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parents[2]
PROMPT = "\n👤 You: "  # at the start of a line: history lines are indented


@pytest_asyncio.fixture
async def chat(
    server: ScriptedServer, tmp_path: Path
) -> AsyncIterator[tuple[Terminal, asyncio.subprocess.Process]]:
    """``python -m threadline chat`` on a SQLite file, its pipes wrapped in a ``Terminal``."""
    env = {
        **os.environ,
        "THREADLINE_TEST_BASE_URL": server.base_url,
        "PYTHONPATH": str(ROOT),
        "PYTHONIOENCODING": "utf-8",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "threadline",
        "chat",
        "--agent",
        "tests.console.agents:helper",
        "--sessions",
        f"sqlite:///{tmp_path / 'chat.db'}",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    assert process.stdin is not None and process.stdout is not None
    yield Terminal(process.stdout, process.stdin.write), process
    if process.returncode is None:
        process.kill()
    await process.communicate()


async def test_a_conversation_streams_shows_tools_asks_approval_and_knows_its_commands(
    chat: tuple[Terminal, asyncio.subprocess.Process], server: ScriptedServer, tmp_path: Path
) -> None:
    terminal, process = chat
    rest_of_reply = threading.Event()
    server.script(
        calls(("multiply", '{"a": 6, "b": 7}')),
        # Three chunks go out (role, "The answer ", "is "), then the server waits for the test.
        Reply(text=["The answer ", "is ", "42."], pause_after=3, pause=rest_of_reply),
        text("Hello again!"),
    )
    banner = await terminal.expect(PROMPT)
    assert "💬 helper (session " in banner
    terminal.type_line("What is 6 times 7?")

    # The tool call, shown as seed 000 shows it, then an approval asked inline.
    block = await terminal.expect("[y/n] ")
    assert "🔧 Tool Call:\n   • multiply (ID: call_0_" in block
    assert '     Params: {"a": 6, "b": 7}\n' in block
    assert block.rstrip().endswith('⚠️  Approve multiply({"a": 6, "b": 7})? [y/n]')
    assert len(server.requests) == 1  # nothing runs before the answer
    terminal.type_line("y")
    ran = await terminal.expect(": 42.0\n")
    assert ran.startswith("y\n🔄 Executing...\n✅ Tool Response (ID: call_0_")

    # The reply streams: its first words show while the server still holds the rest.
    await terminal.expect("🤖 helper: The answer is ")
    assert "42." not in terminal.pending
    rest_of_reply.set()
    await terminal.expect("42.")
    await terminal.expect(PROMPT)
    tool_messages = [m for m in server.requests[1]["messages"] if m["role"] == "tool"]
    assert [m["content"] for m in tool_messages] == ["42.0"]

    terminal.type_line("/history")
    history = await terminal.expect(PROMPT)
    assert "📜 History of session" in history
    assert "  👤 You: What is 6 times 7?\n" in history
    assert '  🔧 multiply({"a": 6, "b": 7})' in history
    assert "  ✅ Tool Response (ID: call_0_" in history
    assert "  🤖 helper: The answer is 42.\n" in history

    terminal.type_line("/new")
    assert "🆕 New session" in await terminal.expect(PROMPT)
    terminal.type_line("/history")
    assert "(no messages yet)" in await terminal.expect(PROMPT)
    terminal.type_line("Hi there")
    await terminal.expect("🤖 helper: Hello again!")
    await terminal.expect(PROMPT)
    # The new conversation starts afresh: its request holds only its own message.
    assert server.requests[-1]["messages"][1:] == [{"role": "user", "content": "Hi there"}]

    terminal.type_line("/exit")
    await terminal.expect("👋 Bye!\n")
    assert await asyncio.wait_for(process.wait(), 20) == 0
    assert process.stderr is not None
    assert await process.stderr.read() == b""  # no traceback, no unclosed-resource warning
    store = SQLiteSessionService(tmp_path / "chat.db")
    try:
        titles = sorted(s.title for s in await store.list_sessions("threadline", "local"))
    finally:
        await store.aclose()
    assert titles == ["Hi there", "What is 6 times 7?"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is a POSIX signal")
async def test_ctrl_c_stops_the_reply_and_with_none_under_way_leaves(
    chat: tuple[Terminal, asyncio.subprocess.Process], server: ScriptedServer
) -> None:
    terminal, process = chat
    rest = threading.Event()
    server.script(Reply(text=["Once upon ", "a time"], pause_after=2, pause=rest))
    try:
        await terminal.expect(PROMPT)
        terminal.type_line("A story, please")
        await terminal.expect("🤖 helper: Once upon ")
        process.send_signal(signal.SIGINT)
        await terminal.expect("⏹ Stopped.")
        await terminal.expect(PROMPT)
        process.send_signal(signal.SIGINT)  # nothing to stop: the console ends
        assert await asyncio.wait_for(process.wait(), 20) == 130
    finally:
        rest.set()
    assert "a time" not in terminal.transcript


async def test_a_bad_agent_spec_is_one_plain_line_and_exit_2(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "threadline",
        "chat",
        "--agent",
        "no_such_module:agent",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=tmp_path,
    )
    out, err = await process.communicate()
    assert process.returncode == 2 and out == b""
    lines = err.decode().strip().splitlines()
    assert lines == [
        "threadline chat: cannot import 'no_such_module': "
        "ModuleNotFoundError: No module named 'no_such_module'"
    ]
