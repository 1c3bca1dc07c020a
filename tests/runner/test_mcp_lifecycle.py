"""MCP done right (issue 10): the child's environment, the run's timeout, dead servers, namesakes.

Against a real stdio server (``mcp_stdio_server.py``, the SDK's own ``MCPServer``).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from threadline.runner import (
    LLMAgent,
    RunConfig,
    Runner,
    ScriptedModel,
    ScriptedReply,
    function_tool,
)
from threadline.runner.mcp import MCPServerConfig, MCPToolset, child_environment
from threadline.runner.mcp import toolset as mcp_module

pytestmark = pytest.mark.asyncio
SERVER = str(Path(__file__).with_name("mcp_stdio_server.py"))


def _config(name: str = "probe", **env: str) -> MCPServerConfig:
    return MCPServerConfig(name, command=sys.executable, args=[SERVER], env=dict(env))


@pytest_asyncio.fixture
async def probe() -> AsyncIterator[MCPToolset]:
    toolset = MCPToolset(_config(GREETING="hello"))
    await toolset.connect()
    yield toolset
    await toolset.aclose()


async def _server_env(toolset: MCPToolset) -> dict[str, str]:
    env = json.loads(await toolset.call("environment", {}))
    assert isinstance(env, dict)
    return env


async def test_stdio_server_gets_no_provider_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-of-the-app")
    monkeypatch.setenv("THREADLINE_SOMETHING", "private")
    toolset = MCPToolset(_config(GREETING="hello"))
    await toolset.connect()
    try:
        env = await _server_env(toolset)
    finally:
        await toolset.aclose()
    assert "OPENAI_API_KEY" not in env
    assert "sk-secret-of-the-app" not in json.dumps(env)
    assert "THREADLINE_SOMETHING" not in env
    assert env["GREETING"] == "hello"  # what the config names is passed
    assert env.get("PATH") == os.environ["PATH"]  # the SDK's safe default is kept


async def test_a_packaged_app_strips_its_bundle_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setenv("LD_LIBRARY_PATH", "/tmp/_MEI123/lib")
    monkeypatch.setenv("QT_PLUGIN_PATH", "/tmp/_MEI123/plugins")
    monkeypatch.setenv("_PYI_APPLICATION_HOME_DIR", "/tmp/_MEI123")
    toolset = MCPToolset(_config(GREETING="hello"))
    await toolset.connect()
    try:
        env = await _server_env(toolset)
    finally:
        await toolset.aclose()
    assert not {"LD_LIBRARY_PATH", "QT_PLUGIN_PATH"} & set(env)
    assert not [k for k in env if k.startswith("_PYI_")]
    assert env["GREETING"] == "hello"


async def test_child_environment_keeps_what_the_config_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("_PYI_ARCHIVE_FILE", "/bundle")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    env = child_environment({"LD_LIBRARY_PATH": "/opt/mine"}, frozen=True)
    assert env["LD_LIBRARY_PATH"] == "/opt/mine"  # named in the config: the user's choice
    assert "_PYI_ARCHIVE_FILE" not in env and "OPENAI_API_KEY" not in env


async def test_call_waits_as_long_as_the_runs_tool_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The hard-coded read timeout used to beat tool_timeout; shrink it so the test is quick.
    monkeypatch.setattr(mcp_module, "CALL_TIMEOUT_S", 0.3)
    toolset = MCPToolset(_config())
    await toolset.connect()
    try:
        slow = next(t for t in toolset.tools if t.name == "slow")
        model = ScriptedModel([ScriptedReply(tool_calls=[("slow", '{"seconds": 1.0}')]), "ok"])
        agent = LLMAgent("a", model=model, tools=[slow])
        result = await Runner("app", agent).run_to_end(
            "u", "s", "wait", run_config=RunConfig(tool_timeout=10)
        )
    finally:
        await toolset.aclose()
    assert [e.metadata["status"] for e in result.events if e.tag == "tool.result"] == ["ok"]
    assert model.requests[1].messages[-1]["content"] == "slept 1 s"


async def test_tool_timeout_applies_to_mcp_calls(probe: MCPToolset) -> None:
    slow = next(t for t in probe.tools if t.name == "slow")
    model = ScriptedModel([ScriptedReply(tool_calls=[("slow", '{"seconds": 5}')]), "ok"])
    agent = LLMAgent("a", model=model, tools=[slow])
    result = await Runner("app", agent).run_to_end(
        "u", "s", "wait", run_config=RunConfig(tool_timeout=0.5)
    )
    assert [e.metadata["status"] for e in result.events if e.tag == "tool.result"] == ["timeout"]
    assert "0.5 s" in model.requests[1].messages[-1]["content"]


async def _wait_disconnected(toolset: MCPToolset) -> None:
    for _ in range(100):
        if not toolset.is_connected:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the dead server still looks connected")


async def test_a_server_that_died_is_detected_and_restarted(probe: MCPToolset) -> None:
    first = await probe.call("pid", {})
    assert await probe.call("exit_soon", {}) == "bye"
    await _wait_disconnected(probe)  # no call needed to notice
    assert probe.status.startswith("died")
    second = await probe.call("pid", {})  # the next use starts it again
    assert second != first and probe.is_connected and probe.restarts == 1
    assert probe.status == "connected"


async def test_a_server_that_dies_mid_call_is_an_error_then_restarted(probe: MCPToolset) -> None:
    tools = {t.name: t for t in probe.tools}
    model = ScriptedModel(
        [
            ScriptedReply(tool_calls=[("die_now", "{}")]),
            ScriptedReply(tool_calls=[("pid", "{}")]),
            "done",
        ]
    )
    agent = LLMAgent("a", model=model, tools=[tools["die_now"], tools["pid"]])
    result = await Runner("app", agent).run_to_end("u", "s", "go")
    statuses = [e.metadata["status"] for e in result.events if e.tag == "tool.result"]
    assert statuses == ["error", "ok"]
    assert "stopped" in model.requests[1].messages[-1]["content"]
    assert model.requests[2].messages[-1]["content"].isdigit()
    assert probe.is_connected and probe.restarts == 1


async def test_a_closed_toolset_is_not_restarted(probe: MCPToolset) -> None:
    await probe.aclose()
    assert not probe.is_connected and probe.status == "closed"
    with pytest.raises(mcp_module.MCPError, match="not connected"):
        await probe.call("pid", {})


async def test_namesakes_are_told_apart_by_server(probe: MCPToolset) -> None:
    @function_tool
    def read_text_file(path: str) -> str:
        """The built-in reader."""
        return f"built-in read {path}"

    other = MCPToolset(_config("other"))
    await other.connect()
    try:
        mcp_reader = next(t for t in probe.tools if t.name == "read_text_file")
        other_reader = next(t for t in other.tools if t.name == "read_text_file")
        pid = next(t for t in probe.tools if t.name == "pid")
        model = ScriptedModel(
            [
                ScriptedReply(
                    tool_calls=[
                        ("read_text_file", '{"path": "a"}'),
                        ("probe__read_text_file", '{"path": "b"}'),
                        ("other__read_text_file", '{"path": "c"}'),
                    ]
                ),
                "done",
            ]
        )
        agent = LLMAgent("a", model=model, tools=[read_text_file, mcp_reader, other_reader, pid])
        result = await Runner("app", agent).run_to_end("u", "s", "read")
    finally:
        await other.aclose()
    offered = [t["function"]["name"] for t in model.requests[0].tools]
    # only the colliding name is qualified; a unique MCP tool keeps its own name
    assert offered == ["read_text_file", "probe__read_text_file", "other__read_text_file", "pid"]
    assert result.error is None
    results = [m["content"] for m in model.requests[1].messages if m["role"] == "tool"]
    assert results == ["built-in read a", "server read b", "server read c"]


async def test_the_same_name_twice_without_a_server_is_refused() -> None:
    @function_tool(name="x")
    def one() -> str:
        """One."""
        return "1"

    @function_tool(name="x")
    def two() -> str:
        """Two."""
        return "2"

    with pytest.raises(ValueError, match="'x'"):
        LLMAgent("a", model=ScriptedModel(["-"]), tools=[one, two])
