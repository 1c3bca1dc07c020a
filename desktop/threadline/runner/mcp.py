"""Tools from Model Context Protocol servers (stdio or streamable HTTP), via the official SDK.

A server that fails, crashes or times out turns into a tool error the model reads; it never
takes the run down. The SDK (``mcp``) is a regular dependency of Threadline.

A stdio server gets the SDK's safe default environment plus the variables its config names,
never the rest of ours (provider keys live there). A call waits as long as the run's
``RunConfig.tool_timeout``, not counting the time the user takes to answer an elicitation or
sampling request (the run's timeout stops meanwhile). A server that died is noticed
(``is_connected`` turns false, ``status`` says why) and started again on its next use.

Results: text stays text; images become ``ImagePart``s the model sees as images (stored once
by content hash, see ``runner.content``); audio and binary resources become ``FilePart``s
and a short reference in the text, never base64 text. Progress notifications become partial
``tool.progress`` events of the run (``ToolContext.report_progress``).

Client capabilities, declared only when there is something behind them:
- roots: the folders ``MCPServerConfig.roots`` allows (``set_roots`` changes them live);
- elicitation: ``MCPToolset(elicitation_handler=...)``, an async callable the application
  supplies (a form in the chat) taking an ``ElicitationRequest`` and returning an
  ``ElicitationResponse`` (accept with content, decline, cancel); a dict means accept;
- sampling: ``MCPToolset(sampling_handler=...)``, an async callable taking a
  ``SamplingRequest`` (shown to the user for approval) and returning the ``Model`` to run it on,
  or None to decline (the server gets the MCP "user rejected" error).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import unquote, urlparse

from threadline.core.errors import ThreadlineError
from threadline.core.events import FilePart, ImagePart, Part
from threadline.runner import login_path
from threadline.runner.content import ToolOutput, tool_text
from threadline.runner.models import Model, ModelError, ModelRequest, TextChunk
from threadline.runner.tools import ToolContext

CONNECT_TIMEOUT_S = 30.0
CALL_TIMEOUT_S = 60.0  # a call made outside a run (no RunConfig.tool_timeout to follow)
CLOSE_TIMEOUT_S = 5.0
ROOTS_WAIT_S = 1.0  # how long connect waits for a server that asks for the roots at start
WATCH_INTERVAL_S = 0.25  # how often a held connection checks that its server is still there
QUALIFIER = "__"  # server__tool: the name the model sees when two tools share a name
# What a PyInstaller bundle sets for itself; a child process must not load the bundle's libraries.
BUNDLE_VARIABLES = ("LD_LIBRARY_PATH", "QT_PLUGIN_PATH")
BUNDLE_PREFIXES = ("_PYI_", "_MEIPASS")
# What the MCP specification has a client answer when the user rejects a sampling request.
USER_REJECTED = -1
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
    ``roots`` are the folders the user allows the server to work in (the MCP roots it lists).
    """

    name: str
    command: str | None = None
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    url: str | None = None
    roots: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        if bool(self.command) == bool(self.url):
            raise ValueError(f"MCP server {self.name!r}: give either a command or a url")


def child_environment(env: dict[str, str], *, frozen: bool | None = None) -> dict[str, str]:
    """The environment of a stdio server: the SDK's safe default, minus a bundle's, plus ``env``.

    In a packaged (PyInstaller) app the inherited part also loses ``LD_LIBRARY_PATH``,
    ``QT_PLUGIN_PATH`` and the bootloader's ``_PYI_*`` variables, which point into the bundle.
    ``PATH`` is completed by the login shell's when needed (see ``runner.login_path``).
    Variables the config names are always passed as given.
    """
    from mcp.client.stdio import get_default_environment

    inherited = get_default_environment()
    is_frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    if is_frozen:
        inherited = {
            key: value
            for key, value in inherited.items()
            if key not in BUNDLE_VARIABLES and not key.startswith(BUNDLE_PREFIXES)
        }
    # Opened from the Finder or a desktop menu: the login shell's PATH finds uvx, npx...
    path = login_path.child_path(inherited.get("PATH", ""), frozen=is_frozen)
    if path:
        inherited["PATH"] = path
    return {**inherited, **env}


@dataclass
class ElicitationRequest:
    """A server asks the user for information (MCP elicitation), during a tool call.

    ``mode`` ``form``: ``schema`` is the JSON schema of the fields wanted (flat, primitive
    properties). ``mode`` ``url``: the user is asked to open ``url`` (nothing is sent back
    but the action). ``tool_context`` is the call the server was running, when one was.
    """

    server: str
    message: str
    mode: Literal["form", "url"] = "form"
    schema: dict[str, Any] = field(default_factory=dict)
    url: str | None = None
    tool_context: ToolContext | None = None


@dataclass
class ElicitationResponse:
    """The user's answer: ``accept`` (with ``content`` for a form), ``decline`` or ``cancel``."""

    action: Literal["accept", "decline", "cancel"]
    content: dict[str, Any] | None = None

    @classmethod
    def accept(cls, content: dict[str, Any] | None = None) -> ElicitationResponse:
        return cls("accept", dict(content or {}))

    @classmethod
    def decline(cls) -> ElicitationResponse:
        return cls("decline")

    @classmethod
    def cancel(cls) -> ElicitationResponse:
        return cls("cancel")


@dataclass
class SamplingRequest:
    """A server asks for a model reply (MCP sampling); the user approves it first.

    ``messages`` are Chat Completions messages (images as content arrays), ``system_prompt``
    the server's system text; ``model_hints`` the model names the server would like.
    """

    server: str
    messages: list[dict[str, Any]]
    max_tokens: int
    system_prompt: str | None = None
    temperature: float | None = None
    stop: list[str] | None = None
    model_hints: list[str] = field(default_factory=list)
    include_context: str | None = None
    tool_context: ToolContext | None = None

    def model_request(self, model: Model) -> ModelRequest:
        """What is sent to ``model`` for this request."""
        messages = list(self.messages)
        if self.system_prompt:
            messages.insert(0, {"role": "system", "content": self.system_prompt})
        params: dict[str, Any] = {"max_tokens": self.max_tokens}
        if self.temperature is not None:
            params["temperature"] = self.temperature
        if self.stop:
            params["stop"] = list(self.stop)
        return ModelRequest(model=model.name, messages=messages, params=params)


ElicitationHandler = Callable[
    [ElicitationRequest], Awaitable["ElicitationResponse | dict[str, Any] | None"]
]
# Returns the model to run the request on once the user approved it; None declines.
SamplingHandler = Callable[[SamplingRequest], Awaitable["Model | None"]]


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
        """The result's text, or a ``ToolOutput`` when it holds images or files."""
        run_config = getattr(tool_context.invocation, "run_config", None)
        timeout = getattr(run_config, "tool_timeout", None)
        output = await self.toolset.call_output(
            self.remote_name, arguments, read_timeout=timeout, tool_context=tool_context
        )
        return output if output.parts else output.text


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
        from mcp import types

        roots = [
            types.Root(uri=path.resolve().as_uri(), name=path.name or str(path))  # type: ignore[arg-type]
            for path in self.config.roots
        ]
        self._roots_asked.set()
        return types.ListRootsResult(roots=roots)

    async def _elicit(self, context: Any, params: Any) -> Any:
        from mcp import types

        handler = self.elicitation_handler
        if handler is None:
            return types.ElicitResult(action="decline")
        mode = getattr(params, "mode", "form")
        request = ElicitationRequest(
            server=self.config.name,
            message=params.message,
            mode="url" if mode == "url" else "form",
            schema=dict(getattr(params, "requested_schema", None) or {}),
            url=getattr(params, "url", None),
            tool_context=self._current_call,
        )
        try:
            with _waiting_for_user(request.tool_context):
                answer = await handler(request)
        except Exception:
            log.exception("the elicitation handler failed; the request is cancelled")
            return types.ElicitResult(action="cancel")
        if isinstance(answer, dict):
            answer = ElicitationResponse.accept(answer)
        if answer is None:
            answer = ElicitationResponse.decline()
        content = answer.content if answer.action == "accept" and mode != "url" else None
        return types.ElicitResult(action=answer.action, content=content)

    async def _sample(self, context: Any, params: Any) -> Any:
        from mcp import types

        handler = self.sampling_handler
        rejected = types.ErrorData(code=USER_REJECTED, message="User rejected sampling request")
        if handler is None:
            return rejected
        preferences = getattr(params, "model_preferences", None)
        hints = [h.name for h in (getattr(preferences, "hints", None) or []) if h.name]
        request = SamplingRequest(
            server=self.config.name,
            messages=[_sampling_message(m) for m in params.messages],
            max_tokens=params.max_tokens,
            system_prompt=params.system_prompt,
            temperature=params.temperature,
            stop=list(params.stop_sequences) if params.stop_sequences else None,
            model_hints=hints,
            include_context=params.include_context,
            tool_context=self._current_call,
        )
        try:
            with _waiting_for_user(request.tool_context):
                model = await handler(request)
        except Exception:
            log.exception("the sampling handler failed; the request is rejected")
            return rejected
        if model is None:
            return rejected
        texts: list[str] = []
        try:
            async with contextlib.aclosing(model.stream(request.model_request(model))) as chunks:
                async for chunk in chunks:
                    if isinstance(chunk, TextChunk):
                        texts.append(chunk.text)
        except ModelError as exc:
            return types.ErrorData(code=types.INTERNAL_ERROR, message=str(exc))
        return types.CreateMessageResult(
            role="assistant",
            content=types.TextContent(type="text", text="".join(texts)),
            model=model.name,
            stop_reason="endTurn",
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


def _waiting_for_user(call: ToolContext | None) -> contextlib.AbstractContextManager[None]:
    """The call's timeout stops while the user answers (see ``ToolContext.waiting_for_user``)."""
    return call.waiting_for_user() if call is not None else contextlib.nullcontext()


def _is_connection_closed(exc: BaseException) -> bool:
    from mcp.types import CONNECTION_CLOSED

    error = getattr(exc, "error", None)
    return getattr(error, "code", None) == CONNECTION_CLOSED


def _is_closed(session: Any) -> bool:
    """True when the SDK's dispatcher has seen the connection end (EOF, a dead process)."""
    dispatcher = getattr(session, "_dispatcher", None)
    return bool(getattr(dispatcher, "_closed", False))


def result_output(result: Any) -> ToolOutput:
    """A ``CallToolResult`` as text and parts: images, audio and binary resources leave the text.

    Text blocks and text resources stay text; an image (a block, or a blob resource with an
    ``image/*`` type) becomes an ``ImagePart``; audio and other blobs become ``FilePart``s; a
    resource link is a line naming it. The parts' references are added to the text the model
    reads (``runner.content.tool_text``), never their base64.
    """
    texts: list[str] = []
    parts: list[Part] = []
    for block in getattr(result, "content", []) or []:
        kind = getattr(block, "type", "")
        if kind == "text":
            texts.append(str(block.text))
        elif kind in ("image", "audio"):
            data = _decode(block.data)
            mime = block.mime_type or ("image/png" if kind == "image" else "audio/wav")
            if data is None:
                texts.append(f"[{kind}: {mime}, not valid base64]")
            elif kind == "image":
                parts.append(ImagePart(data=data, mime_type=mime))
            else:
                parts.append(FilePart(name="audio", data=data, mime_type=mime))
        elif kind == "resource":
            _add_resource(block.resource, texts, parts)
        elif kind == "resource_link":
            details = ", ".join(
                str(x) for x in (block.mime_type, block.size and f"{block.size} bytes") if x
            )
            texts.append(
                f"[resource link {block.name}: {block.uri}{', ' if details else ''}{details}]"
            )
        else:
            texts.append(json.dumps(_dump(block), ensure_ascii=False))
    structured = getattr(result, "structured_content", None)
    if not texts and not parts and structured is not None:
        texts.append(json.dumps(structured, ensure_ascii=False))
    return ToolOutput(text="\n".join(texts), parts=parts)


def _add_resource(resource: Any, texts: list[str], parts: list[Part]) -> None:
    uri = str(getattr(resource, "uri", ""))
    mime = getattr(resource, "mime_type", None) or ""
    text = getattr(resource, "text", None)
    if isinstance(text, str):
        texts.append(f"[resource {uri}]\n{text}")
        return
    data = _decode(getattr(resource, "blob", ""))
    name = PurePosixPath(unquote(urlparse(uri).path)).name or uri
    if data is None:
        texts.append(f"[resource {uri}: {mime or 'binary'}, not valid base64]")
    elif mime.startswith("image/"):
        parts.append(ImagePart(data=data, mime_type=mime, name=name))
    else:
        parts.append(FilePart(name=name, data=data, mime_type=mime or "application/octet-stream"))


def _decode(data: Any) -> bytes | None:
    try:
        return base64.b64decode(str(data), validate=False)
    except (binascii.Error, ValueError):
        return None


def _sampling_message(message: Any) -> dict[str, Any]:
    """An MCP ``SamplingMessage`` as a Chat Completions message (images as content arrays)."""
    blocks = message.content if isinstance(message.content, list) else [message.content]
    items: list[dict[str, Any]] = []
    for block in blocks:
        kind = getattr(block, "type", "")
        if kind == "text":
            items.append({"type": "text", "text": block.text})
        elif kind == "image":
            url = f"data:{block.mime_type};base64,{block.data}"
            items.append({"type": "image_url", "image_url": {"url": url}})
        else:
            items.append({"type": "text", "text": f"[{kind or 'content'} not shown]"})
    role = "assistant" if message.role == "assistant" else "user"
    if all(item["type"] == "text" for item in items):
        return {"role": role, "content": "\n".join(item["text"] for item in items)}
    return {"role": role, "content": items}


def _schema_of(tool: Any) -> dict[str, Any]:
    schema = getattr(tool, "input_schema", None) or getattr(tool, "inputSchema", None)
    return schema if isinstance(schema, dict) else {"type": "object", "properties": {}}


def _dump(block: Any) -> Any:
    dump = getattr(block, "model_dump", None)
    return dump(mode="json") if callable(dump) else str(block)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_reason(e) for e in exc.exceptions)
    if isinstance(exc, MCPError):  # already a sentence for the user
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
