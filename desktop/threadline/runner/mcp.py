"""Tools from Model Context Protocol servers (stdio or streamable HTTP), via the official SDK.

A server that fails, crashes or times out turns into a tool error the model reads; it never
takes the run down. The SDK (``mcp``) is a regular dependency of Threadline.

A stdio server gets the SDK's safe default environment plus the variables its config names,
never the rest of ours (provider keys live there). A call waits as long as the run's
``RunConfig.tool_timeout``. A server that died is noticed (``is_connected`` turns false,
``status`` says why) and started again on its next use.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from threadline.core.errors import ThreadlineError
from threadline.runner.tools import ToolContext

CONNECT_TIMEOUT_S = 30.0
CALL_TIMEOUT_S = 60.0  # a call made outside a run (no RunConfig.tool_timeout to follow)
CLOSE_TIMEOUT_S = 5.0
WATCH_INTERVAL_S = 0.25  # how often a held connection checks that its server is still there
QUALIFIER = "__"  # server__tool: the name the model sees when two tools share a name
# What a PyInstaller bundle sets for itself; a child process must not load the bundle's libraries.
BUNDLE_VARIABLES = ("LD_LIBRARY_PATH", "QT_PLUGIN_PATH")
BUNDLE_PREFIXES = ("_PYI_", "_MEIPASS")
log = logging.getLogger(__name__)


class MCPError(ThreadlineError):
    """A server could not be started, reached or understood."""

    code = "mcp"


@dataclass
class MCPServerConfig:
    """How to reach one server: a command (stdio) or a URL (streamable HTTP).

    ``env`` is what a stdio server gets on top of the SDK's safe default environment (``PATH``,
    ``HOME``... see ``child_environment``); nothing else of this process reaches it. Keep
    secrets out of settings files and fill them in from the keyring when building this.
    """

    name: str
    command: str | None = None
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    url: str | None = None

    def __post_init__(self) -> None:
        if bool(self.command) == bool(self.url):
            raise ValueError(f"MCP server {self.name!r}: give either a command or a url")


def child_environment(env: dict[str, str], *, frozen: bool | None = None) -> dict[str, str]:
    """The environment of a stdio server: the SDK's safe default, minus a bundle's, plus ``env``.

    In a packaged (PyInstaller) app the inherited part also loses ``LD_LIBRARY_PATH``,
    ``QT_PLUGIN_PATH`` and the bootloader's ``_PYI_*`` variables, which point into the bundle.
    Variables the config names are always passed as given.
    """
    from mcp.client.stdio import get_default_environment

    inherited = get_default_environment()
    if getattr(sys, "frozen", False) if frozen is None else frozen:
        inherited = {
            key: value
            for key, value in inherited.items()
            if key not in BUNDLE_VARIABLES and not key.startswith(BUNDLE_PREFIXES)
        }
    return {**inherited, **env}


class MCPTool:
    """One tool a server offers, callable like any other tool.

    ``name`` is the server's own name for it; ``qualified_name`` (``server__name``) is what the
    model sees when another tool of the agent has the same name. Calls always use the server's
    name (``remote_name``).
    """

    def __init__(self, toolset: MCPToolset, name: str, description: str, schema: dict[str, Any]):
        self.toolset = toolset
        self.remote_name = name
        self.name = name
        self.description = description or f"{name} (from MCP server {toolset.config.name})"
        self._schema = schema or {"type": "object", "properties": {}}

    @property
    def server(self) -> str:
        """The name of the server this tool comes from."""
        return self.toolset.config.name

    @property
    def qualified_name(self) -> str:
        """``server__tool``, the name that tells this tool apart from a namesake."""
        return f"{self.server}{QUALIFIER}{self.remote_name}"

    @property
    def parameters(self) -> dict[str, Any]:
        return self._schema

    def needs_approval(self, arguments: dict[str, Any]) -> bool:
        return self.toolset.needs_approval

    async def call(self, arguments: dict[str, Any], tool_context: ToolContext) -> Any:
        run_config = getattr(tool_context.invocation, "run_config", None)
        timeout = getattr(run_config, "tool_timeout", None)
        return await self.toolset.call(self.remote_name, arguments, read_timeout=timeout)


class MCPToolset:
    """A connection to one server; ``connect`` lists its tools, ``aclose`` ends it.

    ``status`` says what the connection is doing (``idle``, ``connected``, ``died: <reason>``,
    ``closed``); a server that died is started again by the next ``call``.
    """

    def __init__(self, config: MCPServerConfig, *, needs_approval: bool = False) -> None:
        self.config = config
        self.needs_approval = needs_approval
        self.tools: list[MCPTool] = []
        self.status = "idle"
        self.restarts = 0
        self._session: Any = None
        self._lost = False  # a call saw the connection end before the watcher did
        self._owner: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()
        self._reconnecting: asyncio.Lock | None = None

    @property
    def is_connected(self) -> bool:
        """True while the session is open and its server still there."""
        session = self._session
        if session is None or self._lost or self._owner is None or self._owner.done():
            return False
        return not _is_closed(session)

    async def connect(self) -> list[MCPTool]:
        """Starts or reaches the server and discovers its tools. Raises ``MCPError``.

        The connection lives in a task of its own: the SDK's transports use anyio task groups,
        which must be left from the task that entered them, whoever calls ``aclose``.
        """
        listed = await self._start()
        known = {t.remote_name: t for t in self.tools}
        # A restart keeps the tool objects agents already hold; new tools are added.
        self.tools = [
            known.get(t.name) or MCPTool(self, t.name, t.description or "", _schema_of(t))
            for t in listed
        ]
        return self.tools

    async def _start(self) -> list[Any]:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[list[Any]] = loop.create_future()
        self._closing = asyncio.Event()
        self._lost = False
        self._owner = asyncio.create_task(self._hold(ready), name=f"mcp:{self.config.name}")
        try:
            listed = await ready
        except MCPError as exc:
            await asyncio.gather(self._owner, return_exceptions=True)
            self.status = f"failed: {exc}"
            raise
        self.status = "connected"
        return listed

    async def _hold(self, ready: asyncio.Future[list[Any]]) -> None:
        try:
            from mcp import ClientSession, StdioServerParameters
            from mcp.client.stdio import stdio_client
            from mcp.client.streamable_http import streamable_http_client
        except ImportError:  # pragma: no cover - depends on the install
            ready.set_exception(MCPError("MCP support needs the 'mcp' package"))
            return
        try:
            async with contextlib.AsyncExitStack() as stack:
                async with asyncio.timeout(CONNECT_TIMEOUT_S):
                    if self.config.command:
                        params = StdioServerParameters(
                            command=self.config.command,
                            args=list(self.config.args),
                            env=child_environment(self.config.env),
                        )
                        # The server's stderr would interleave with ours; it is not the user's.
                        quiet = stack.enter_context(open(os.devnull, "w"))  # noqa: ASYNC230, SIM115
                        transport = stdio_client(params, errlog=quiet)
                    else:
                        assert self.config.url is not None
                        transport = streamable_http_client(self.config.url)
                    streams = await stack.enter_async_context(transport)
                    # No session-wide read timeout: each call passes the run's tool_timeout.
                    session = await stack.enter_async_context(ClientSession(streams[0], streams[1]))
                    await session.initialize()
                    listed = await session.list_tools()
                self._session = session
                ready.set_result(list(listed.tools))
                await self._watch(session)
        except BaseException as exc:
            if not ready.done():
                reason = f"MCP server {self.config.name!r} is unavailable: {_reason(exc)}"
                ready.set_exception(MCPError(reason))
            elif not isinstance(exc, asyncio.CancelledError):
                self._died(_reason(exc))
        finally:
            self._session = None

    async def _watch(self, session: Any) -> None:
        """Holds the connection until ``aclose``, or until the server goes away."""
        while not self._closing.is_set():
            if self._lost or _is_closed(session):
                self._died("the server closed the connection (its process ended?)")
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), WATCH_INTERVAL_S)

    def _died(self, reason: str) -> None:
        if self.status.startswith("died"):
            return
        self.status = f"died: {reason}"
        log.warning("MCP server %s stopped: %s", self.config.name, reason)

    async def _ensure_connected(self) -> None:
        """Starts a server that died again (once per call); raises ``MCPError`` when it can't."""
        if self.is_connected:
            return
        if self._owner is None or self.status == "closed":
            raise MCPError(f"MCP server {self.config.name!r} is not connected")
        if self._reconnecting is None:
            self._reconnecting = asyncio.Lock()
        async with self._reconnecting:
            if self.is_connected:
                return  # another call restarted it meanwhile
            self._died("the connection was lost")
            reason = self.status.removeprefix("died: ")
            await self._stop_owner()
            log.info("restarting MCP server %s", self.config.name)
            try:
                await self.connect()
            except MCPError as exc:
                raise MCPError(
                    f"MCP server {self.config.name!r} stopped ({reason}) and could not be "
                    f"restarted: {exc}"
                ) from exc
            self.restarts += 1

    async def call(
        self, name: str, arguments: dict[str, Any], *, read_timeout: float | None = None
    ) -> str:
        """Calls a tool; a failure raises so the runner reports it to the model.

        ``read_timeout`` is the seconds the server may take (the run's ``tool_timeout``; default
        ``CALL_TIMEOUT_S``).
        """
        await self._ensure_connected()
        session = self._session
        wait = read_timeout if read_timeout is not None else CALL_TIMEOUT_S
        try:
            # The margin lets the runner's own tool timeout, with its clearer message, win.
            result = await session.call_tool(name, arguments, read_timeout_seconds=wait + 1.0)
        except Exception as exc:
            if _is_connection_closed(exc) or not self.is_connected:
                self._lost = True
                self._died(_reason(exc))
                raise MCPError(
                    f"MCP server {self.config.name!r} stopped during the call "
                    f"({_reason(exc)}); it is started again on its next use"
                ) from exc
            raise MCPError(f"MCP server {self.config.name!r} failed: {_reason(exc)}") from exc
        # TODO(progress): MCP progress notifications (call_tool's progress_callback) have no
        # runner event to become yet; wire them here once the runner has one.
        text = _content_text(result)
        if getattr(result, "is_error", False):
            raise MCPError(text or f"the tool {name!r} reported an error")
        return text

    async def aclose(self) -> None:
        """Ends the session (and a stdio server's process); it is not restarted afterwards."""
        self.status = "closed"
        await self._stop_owner()

    async def _stop_owner(self) -> None:
        owner = self._owner
        if owner is None or owner.done():
            return
        self._closing.set()
        try:
            await asyncio.wait_for(asyncio.shield(owner), CLOSE_TIMEOUT_S)
        except TimeoutError:
            owner.cancel()
            await asyncio.gather(owner, return_exceptions=True)


def _is_connection_closed(exc: BaseException) -> bool:
    from mcp.types import CONNECTION_CLOSED

    error = getattr(exc, "error", None)
    return getattr(error, "code", None) == CONNECTION_CLOSED


def _is_closed(session: Any) -> bool:
    """True when the SDK's dispatcher has seen the connection end (EOF, a dead process)."""
    dispatcher = getattr(session, "_dispatcher", None)
    return bool(getattr(dispatcher, "_closed", False))


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
