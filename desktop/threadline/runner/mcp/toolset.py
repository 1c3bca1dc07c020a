"""A connection to one MCP server: the task that holds it, its calls, its restart when it died.

The connection lives in a task of its own (the SDK's anyio task groups must be left from the
task that entered them). A server that died is noticed by a watcher (``is_connected`` turns
false, ``status`` says why) and started again on the next call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path
from typing import Any

from threadline.runner import login_path
from threadline.runner.content import ToolOutput, tool_text
from threadline.runner.mcp import prompts
from threadline.runner.mcp.config import MCPError, MCPServerConfig
from threadline.runner.mcp.environment import child_environment
from threadline.runner.mcp.prompts import ElicitationHandler, SamplingHandler
from threadline.runner.mcp.results import result_output
from threadline.runner.mcp.tool import MCPTool
from threadline.runner.tools import ToolContext

CONNECT_TIMEOUT_S = 30.0
CALL_TIMEOUT_S = 60.0  # a call made outside a run (no RunConfig.tool_timeout to follow)
CLOSE_TIMEOUT_S = 5.0
ROOTS_WAIT_S = 1.0  # how long connect waits for a server that asks for the roots at start
WATCH_INTERVAL_S = 0.25  # how often a held connection checks that its server is still there
log = logging.getLogger(__name__)


CLOSED_REASON = "the server closed the connection (its process ended?)"


class MCPToolset:
    """A connection to one server; ``connect`` lists its tools, ``aclose`` ends it.

    ``status`` says what the connection is doing (``idle``, ``connected``, ``died: <reason>``,
    ``closed``); a server that died is started again by the next ``call``.

    ``elicitation_handler`` and ``sampling_handler`` (see the module doc) are what the client
    declares elicitation and sampling with; set them before ``connect``.
    """

    def __init__(
        self,
        config: MCPServerConfig,
        *,
        needs_approval: bool = False,
        elicitation_handler: ElicitationHandler | None = None,
        sampling_handler: SamplingHandler | None = None,
    ) -> None:
        self.config = config
        self.needs_approval = needs_approval
        self.elicitation_handler = elicitation_handler
        self.sampling_handler = sampling_handler
        self._calls: list[ToolContext] = []  # calls in flight, the latest last
        self._roots_asked = asyncio.Event()
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
        if session is None or self._owner is None or self._owner.done():
            return False
        if self._lost or _is_closed(session):  # noticed here first: say so at once
            self._died(CLOSED_REASON)
            return False
        return True

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
                        child_env = child_environment(self.config.env)
                        missing = login_path.missing_command(
                            self.config.command, child_env.get("PATH")
                        )
                        if missing is not None:
                            raise MCPError(missing)
                        params = StdioServerParameters(
                            command=self.config.command,
                            args=list(self.config.args),
                            env=child_env,
                        )
                        # The server's stderr would interleave with ours; it is not the user's.
                        quiet = stack.enter_context(open(os.devnull, "w"))  # noqa: ASYNC230, SIM115
                        transport = stdio_client(params, errlog=quiet)
                    else:
                        assert self.config.url is not None
                        transport = streamable_http_client(self.config.url)
                    streams = await stack.enter_async_context(transport)
                    # No session-wide read timeout: each call passes the run's tool_timeout.
                    session = await stack.enter_async_context(
                        ClientSession(streams[0], streams[1], **self._callbacks())
                    )
                    await session.initialize()
                    listed = await session.list_tools()
                if self.config.roots:
                    # A server that works in the roots asks for them right after start; let it
                    # have them before the first call (one that never asks costs ROOTS_WAIT_S).
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._roots_asked.wait(), ROOTS_WAIT_S)
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
                self._died(CLOSED_REASON)
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
        """Calls a tool and returns its text (images and files as short references).

        A failure raises so the runner reports it to the model. ``read_timeout`` is the seconds
        the server may take (the run's ``tool_timeout``; default ``CALL_TIMEOUT_S``).
        """
        output = await self.call_output(name, arguments, read_timeout=read_timeout)
        return tool_text(output.text, output.parts) if output.parts else output.text

    async def call_output(
        self,
        name: str,
        arguments: dict[str, Any],
        *,
        read_timeout: float | None = None,
        tool_context: ToolContext | None = None,
    ) -> ToolOutput:
        """Calls a tool; its text plus images and files as parts (no base64 in the text).

        Progress the server reports goes to ``tool_context.report_progress``; elicitation and
        sampling requests made during the call name ``tool_context``.
        """
        await self._ensure_connected()
        session = self._session
        wait = read_timeout if read_timeout is not None else CALL_TIMEOUT_S
        progress = None
        if tool_context is not None:
            reporter = tool_context

            async def progress(done: float, total: float | None, message: str | None) -> None:
                reporter.report_progress(done, total, message)

            self._calls.append(tool_context)
        try:
            # The margin lets the runner's own tool timeout, with its clearer message, win.
            # Inside a run that timeout alone governs: it stops while the server waits for
            # the user (elicitation, sampling), which the SDK's read timeout could not do.
            governed = tool_context is not None and bool(tool_context.deadlines)
            result = await session.call_tool(
                name,
                arguments,
                read_timeout_seconds=None if governed else wait + 1.0,
                progress_callback=progress,
            )
        except Exception as exc:
            if _is_connection_closed(exc) or not self.is_connected:
                self._lost = True
                self._died(_reason(exc))
                raise MCPError(
                    f"MCP server {self.config.name!r} stopped during the call "
                    f"({_reason(exc)}); it is started again on its next use"
                ) from exc
            raise MCPError(f"MCP server {self.config.name!r} failed: {_reason(exc)}") from exc
        finally:
            if tool_context is not None:
                self._calls.remove(tool_context)
        output = result_output(result)
        if getattr(result, "is_error", False):
            text = tool_text(output.text, output.parts) if output.parts else output.text
            raise MCPError(text or f"the tool {name!r} reported an error")
        return output

    async def set_roots(self, roots: list[Path]) -> None:
        """Changes the folders the server may use and tells a connected server they changed."""
        self.config.roots = list(roots)
        session = self._session
        if session is not None and self.is_connected:
            with contextlib.suppress(Exception):  # a server that ignores roots ignores this
                await session.send_roots_list_changed()

    # -- client capabilities ------------------------------------------------------------------

    def _callbacks(self) -> dict[str, Any]:
        """The ``ClientSession`` callbacks: each one declares its capability to the server."""
        callbacks: dict[str, Any] = {}
        if self.config.roots:
            callbacks["list_roots_callback"] = self._list_roots
        if self.elicitation_handler is not None:
            callbacks["elicitation_callback"] = self._elicit
        if self.sampling_handler is not None:
            callbacks["sampling_callback"] = self._sample
        return callbacks

    @property
    def _current_call(self) -> ToolContext | None:
        return self._calls[-1] if self._calls else None

    async def _list_roots(self, context: Any) -> Any:
        result = prompts.roots_result(self.config.roots)
        self._roots_asked.set()
        return result

    async def _elicit(self, context: Any, params: Any) -> Any:
        return await prompts.elicit(
            self.elicitation_handler, self.config.name, params, self._current_call
        )

    async def _sample(self, context: Any, params: Any) -> Any:
        return await prompts.sample(
            self.sampling_handler, self.config.name, params, self._current_call
        )

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


def _schema_of(tool: Any) -> dict[str, Any]:
    schema = getattr(tool, "input_schema", None) or getattr(tool, "inputSchema", None)
    return schema if isinstance(schema, dict) else {"type": "object", "properties": {}}


def _reason(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_reason(e) for e in exc.exceptions)
    if isinstance(exc, MCPError):  # already a sentence for the user
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
