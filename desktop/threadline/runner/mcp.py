"""Tools from Model Context Protocol servers (stdio or streamable HTTP), via the official SDK.

A server that fails, crashes or times out turns into a tool error the model reads; it never
takes the run down. The SDK is an optional extra (``pip install threadline[mcp]``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from dataclasses import dataclass, field
from typing import Any

from threadline.runner.tools import ToolContext

CONNECT_TIMEOUT_S = 30.0
CALL_TIMEOUT_S = 60.0
CLOSE_TIMEOUT_S = 5.0
log = logging.getLogger(__name__)


class MCPError(Exception):
    """A server could not be started, reached or understood."""


@dataclass
class MCPServerConfig:
    """How to reach one server: a command (stdio) or a URL (streamable HTTP).

    ``env`` is passed to a stdio server on top of the current environment; keep secrets out of
    settings files and fill them in from the keyring when building this.
    """

    name: str
    command: str | None = None
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    url: str | None = None

    def __post_init__(self) -> None:
        if bool(self.command) == bool(self.url):
            raise ValueError(f"MCP server {self.name!r}: give either a command or a url")


class MCPTool:
    """One tool a server offers, callable like any other tool."""

    def __init__(self, toolset: MCPToolset, name: str, description: str, schema: dict[str, Any]):
        self.toolset = toolset
        self.remote_name = name
        self.name = name
        self.description = description or f"{name} (from MCP server {toolset.config.name})"
        self._schema = schema or {"type": "object", "properties": {}}

    @property
    def parameters(self) -> dict[str, Any]:
        return self._schema

    def needs_approval(self, arguments: dict[str, Any]) -> bool:
        return self.toolset.needs_approval

    async def call(self, arguments: dict[str, Any], tool_context: ToolContext) -> Any:
        return await self.toolset.call(self.remote_name, arguments)


class MCPToolset:
    """A connection to one server; ``connect`` lists its tools, ``aclose`` ends it."""

    def __init__(self, config: MCPServerConfig, *, needs_approval: bool = False) -> None:
        self.config = config
        self.needs_approval = needs_approval
        self.tools: list[MCPTool] = []
        self._session: Any = None
        self._owner: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()

    @property
    def is_connected(self) -> bool:
        """True while the session is open."""
        return self._session is not None

    async def connect(self) -> list[MCPTool]:
        """Starts or reaches the server and discovers its tools. Raises ``MCPError``.

        The connection lives in a task of its own: the SDK's transports use anyio task groups,
        which must be left from the task that entered them, whoever calls ``aclose``.
        """
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[list[Any]] = loop.create_future()
        self._closing = asyncio.Event()
        self._owner = asyncio.create_task(self._hold(ready), name=f"mcp:{self.config.name}")
        try:
            listed = await ready
        except MCPError:
            await asyncio.gather(self._owner, return_exceptions=True)
            raise
        self.tools = [MCPTool(self, t.name, t.description or "", _schema_of(t)) for t in listed]
        return self.tools

    async def _hold(self, ready: asyncio.Future[list[Any]]) -> None:
        try:
            from mcp import ClientSession, StdioServerParameters
            from mcp.client.stdio import stdio_client
            from mcp.client.streamable_http import streamable_http_client
        except ImportError:  # pragma: no cover - depends on the install
            hint = "MCP support needs the 'mcp' package: pip install threadline[mcp]"
            ready.set_exception(MCPError(hint))
            return
        try:
            async with contextlib.AsyncExitStack() as stack:
                async with asyncio.timeout(CONNECT_TIMEOUT_S):
                    if self.config.command:
                        params = StdioServerParameters(
                            command=self.config.command,
                            args=list(self.config.args),
                            env={**os.environ, **self.config.env},
                        )
                        # The server's stderr would interleave with ours; it is not the user's.
                        quiet = stack.enter_context(open(os.devnull, "w"))  # noqa: ASYNC230, SIM115
                        transport = stdio_client(params, errlog=quiet)
                    else:
                        assert self.config.url is not None
                        transport = streamable_http_client(self.config.url)
                    streams = await stack.enter_async_context(transport)
                    session = await stack.enter_async_context(
                        ClientSession(streams[0], streams[1], read_timeout_seconds=CALL_TIMEOUT_S)
                    )
                    await session.initialize()
                    listed = await session.list_tools()
                self._session = session
                ready.set_result(list(listed.tools))
                await self._closing.wait()
        except BaseException as exc:
            if not ready.done():
                reason = f"MCP server {self.config.name!r} is unavailable: {_reason(exc)}"
                ready.set_exception(MCPError(reason))
            elif not isinstance(exc, asyncio.CancelledError):
                log.warning("MCP server %s ended: %s", self.config.name, _reason(exc))
        finally:
            self._session = None

    async def call(self, name: str, arguments: dict[str, Any]) -> str:
        """Calls a tool; a failure raises so the runner reports it to the model."""
        if self._session is None:
            raise MCPError(f"MCP server {self.config.name!r} is not connected")
        try:
            result = await self._session.call_tool(name, arguments)
        except Exception as exc:
            raise MCPError(f"MCP server {self.config.name!r} failed: {_reason(exc)}") from exc
        text = _content_text(result)
        if getattr(result, "is_error", False):
            raise MCPError(text or f"the tool {name!r} reported an error")
        return text

    async def aclose(self) -> None:
        """Ends the session (and a stdio server's process)."""
        owner = self._owner
        if owner is None or owner.done():
            return
        self._closing.set()
        try:
            await asyncio.wait_for(asyncio.shield(owner), CLOSE_TIMEOUT_S)
        except TimeoutError:
            owner.cancel()
            await asyncio.gather(owner, return_exceptions=True)


def _content_text(result: Any) -> str:
    parts = []
    for block in getattr(result, "content", []) or []:
        text = getattr(block, "text", None)
        parts.append(text if isinstance(text, str) else json.dumps(_dump(block)))
    structured = getattr(result, "structured_content", None)
    if not parts and structured is not None:
        parts.append(json.dumps(structured, ensure_ascii=False))
    return "\n".join(parts)


def _schema_of(tool: Any) -> dict[str, Any]:
    schema = getattr(tool, "input_schema", None) or getattr(tool, "inputSchema", None)
    return schema if isinstance(schema, dict) else {"type": "object", "properties": {}}


def _dump(block: Any) -> Any:
    dump = getattr(block, "model_dump", None)
    return dump(mode="json") if callable(dump) else str(block)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_reason(e) for e in exc.exceptions)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
