"""MCP tools from real servers: mcp-server-time over stdio, an SDK server over streamable HTTP."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from threadline.runner import LLMAgent, Runner, ScriptedModel, ScriptedReply
from threadline.runner.mcp import MCPError, MCPServerConfig, MCPToolset

pytestmark = pytest.mark.asyncio
HERE = Path(__file__).parent


@pytest_asyncio.fixture
async def time_server() -> AsyncIterator[MCPToolset]:
    config = MCPServerConfig(
        "time", command=sys.executable, args=["-m", "mcp_server_time", "--local-timezone", "UTC"]
    )
    toolset = MCPToolset(config)
    await toolset.connect()
    yield toolset
    await toolset.aclose()


@pytest.fixture
def http_server() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "mcp_http_server.py"), str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "serving"  # printed once it listens
    yield f"http://127.0.0.1:{port}/mcp"
    proc.terminate()
    proc.wait(10)
    proc.stdout.close()


async def test_stdio_server_tools_reach_the_model(time_server: MCPToolset) -> None:
    names = [t.name for t in time_server.tools]
    assert names == ["get_current_time", "convert_time"]
    assert "timezone" in time_server.tools[0].parameters["properties"]
    model = ScriptedModel(
        [
            ScriptedReply(
                tool_calls=[
                    ("get_current_time", '{"timezone": "Asia/Tokyo"}'),
                    ("get_current_time", '{"timezone": "Mars/Olympus"}'),
                ]
            ),
            "done",
        ]
    )
    agent = LLMAgent("a", model=model, tools=time_server.tools)
    result = await Runner("app", agent).run_to_end("u", "s", "time in Tokyo?")
    assert result.final_output == "done"
    results = [m["content"] for m in model.requests[1].messages if m["role"] == "tool"]
    assert '"timezone": "Asia/Tokyo"' in results[0]
    assert "Invalid timezone" in results[1] and results[1].startswith("Error")
    assert [e.metadata["status"] for e in result.events if e.tag == "tool.result"] == [
        "ok",
        "error",
    ]


async def test_streamable_http_server(http_server: str) -> None:
    toolset = MCPToolset(MCPServerConfig("web", url=http_server))
    tools = await toolset.connect()
    try:
        assert {t.name for t in tools} == {"shout", "explode"}
        assert await toolset.call("shout", {"text": "hey"}) == "HEY"
        with pytest.raises(MCPError, match="Error executing tool explode"):
            await toolset.call("explode", {})
    finally:
        await toolset.aclose()


async def test_a_crashed_server_is_a_tool_error(time_server: MCPToolset) -> None:
    await time_server.aclose()  # the process is gone
    model = ScriptedModel(
        [ScriptedReply(tool_calls=[("get_current_time", '{"timezone": "UTC"}')]), "ok"]
    )
    agent = LLMAgent("a", model=model, tools=time_server.tools)
    result = await Runner("app", agent).run_to_end("u", "s", "time?")
    assert result.error is None
    assert "not connected" in model.requests[1].messages[-1]["content"]


async def test_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(MCPError, match="unavailable"):
        await MCPToolset(MCPServerConfig("gone", url="http://127.0.0.1:9/mcp")).connect()
    with pytest.raises(MCPError, match="unavailable"):
        await MCPToolset(MCPServerConfig("bad", command="/nonexistent/binary")).connect()
    with pytest.raises(ValueError):
        MCPServerConfig("neither")
    await asyncio.sleep(0)
