"""``threadline serve --agent MODULE:ATTR [--sessions URL] [--host H] [--port P] [--token T]``:
the arguments, the services, and uvicorn around ``create_app``."""

from __future__ import annotations

import argparse
import asyncio
import functools
import ipaddress
import logging
import os
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO
from urllib.parse import urlsplit, urlunsplit

import uvicorn

from threadline.console.loader import AgentLoadError, close_models, load_agent
from threadline.core.errors import StorageError
from threadline.paths import data_dir
from threadline.runner import BaseAgent, RunConfig
from threadline.serve.app import create_app
from threadline.serve.context import ServeOptions
from threadline.serve.guard import DEFAULT_MAX_REQUEST_BYTES
from threadline.serve.runs import DEFAULT_GRACE_S
from threadline.sessions.urls import SCHEMES, SessionURLError, open_session_service
from threadline.settings.secrets import KeyringLockedError

PROGRAM = "threadline serve"
TOKEN_ENV = "THREADLINE_SERVER_TOKEN"
DEFAULT_PORT = 8765
SHUTDOWN_S = 5  # open streams get this long to end before uvicorn cuts them
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description="Serve agent teams over HTTP: Threadline's SSE runs API and an "
        "OpenAI-compatible /v1/chat/completions.",
    )
    parser.add_argument(
        "--agent",
        action="append",
        metavar="MODULE:ATTR",
        help="an agent (or a function making it); repeat for several teams. Without it: "
        "the teams the desktop app defines in its data folder",
    )
    parser.add_argument(
        "--sessions",
        default="memory:",
        metavar="URL",
        help=f"where sessions live (default memory:, forgotten at exit): {SCHEMES}",
    )
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="the port (0: any free one)")
    parser.add_argument(
        "--token",
        default=None,
        help=f"the bearer token every request needs (default ${TOKEN_ENV}); required "
        "unless the host is a loopback address",
    )
    parser.add_argument("--app", default="threadline", help="the app name sessions are kept under")
    parser.add_argument(
        "--max-request-bytes",
        type=int,
        default=DEFAULT_MAX_REQUEST_BYTES,
        help="larger request bodies are refused with 413",
    )
    parser.add_argument(
        "--reconnect-grace",
        type=float,
        default=DEFAULT_GRACE_S,
        metavar="SECONDS",
        help="how long a run whose SSE client left waits for it to reconnect (Last-Event-ID) "
        "before it is stopped and its partial reply saved",
    )
    parser.add_argument("--log-level", default="info", help="uvicorn's log level")
    return parser


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def main(argv: list[str], *, out: TextIO | None = None) -> int:
    """Runs the server until SIGINT or SIGTERM; returns the exit code (2 for bad arguments or
    a store or agent that cannot be used, said on one line)."""
    args = build_parser().parse_args(argv)
    token = args.token or os.environ.get(TOKEN_ENV) or None
    if token is None and not is_loopback(args.host):
        _fail(
            f"listening on {args.host} needs a token (--token or ${TOKEN_ENV}): anyone who "
            "can reach the port could run your agents"
        )
        return 2
    try:
        agents = _load(args.agent or [])
    except AgentLoadError as exc:
        _fail(str(exc))
        return 2
    options = ServeOptions(
        token=token,
        max_request_bytes=args.max_request_bytes,
        reconnect_grace=args.reconnect_grace,
    )
    try:
        return asyncio.run(_serve(args, agents, options, out or sys.stdout))
    except KeyboardInterrupt:  # uvicorn hands SIGINT on once it has shut down
        return EXIT_INTERRUPTED
    except (SessionURLError, StorageError, KeyringLockedError) as exc:
        _fail(str(exc))
        return 2


def _fail(message: str) -> None:
    print(f"{PROGRAM}: {message}", file=sys.stderr)


def _load(specs: list[str]) -> dict[str, BaseAgent]:
    agents: dict[str, BaseAgent] = {}
    for spec in specs:
        agent = load_agent(spec)
        if agent.name in agents:
            raise AgentLoadError(f"two agents are called {agent.name!r}; each needs its own name")
        agents[agent.name] = agent
    return agents


async def _serve(
    args: argparse.Namespace, agents: dict[str, BaseAgent], options: ServeOptions, out: TextIO
) -> int:
    # Opened on the running loop: a network store's client belongs to it.
    service = open_session_service(args.sessions)
    closers: list[Callable[[], Awaitable[None]]] = [lambda: _close(service)]
    base_config: RunConfig | None = None
    try:
        if agents:
            closers += [functools.partial(close_models, agent) for agent in agents.values()]
        else:
            from threadline.serve.desktop import load_desktop_teams

            teams = await load_desktop_teams(data_dir())
            closers.append(teams.aclose)
            agents, base_config = teams.agents, teams.base_config
        app = create_app(
            agents,
            session_service=service,
            app_name=args.app,
            options=options,
            base_config=base_config,
        )
    except BaseException:
        await close_all(closers)
        raise
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        lifespan="on",
        timeout_graceful_shutdown=SHUTDOWN_S,
    )
    names = ", ".join(agents)

    def announce(url: str) -> None:
        print(f"{PROGRAM}: {names} on {url} (sessions: {_redacted(args.sessions)})", file=out)
        out.flush()

    server = ReadyServer(config, on_ready=announce, closers=closers)
    try:
        await server.serve()
    finally:
        await close_all(closers)
    return 0 if server.started else 1


class ReadyServer(uvicorn.Server):
    """uvicorn's server, saying where it listens once it accepts connections (with port 0,
    the port it was given), and closing what the app used once it has shut down.

    The closing happens here rather than after ``serve()``: on SIGTERM uvicorn raises the
    signal again as ``serve()`` ends, and the process is gone before any code after it runs.
    """

    def __init__(
        self,
        config: uvicorn.Config,
        *,
        on_ready: Callable[[str], None] | None = None,
        closers: list[Callable[[], Awaitable[None]]] | None = None,
    ) -> None:
        super().__init__(config)
        self.url = ""
        self.ready = asyncio.Event()
        self._on_ready = on_ready
        self._closers = closers if closers is not None else []

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.started:
            return
        host, port = self.servers[0].sockets[0].getsockname()[:2]
        self.url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        self.ready.set()
        if self._on_ready is not None:
            self._on_ready(self.url)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().shutdown(sockets)  # the app's runs end (and save) in here
        finally:
            await close_all(self._closers)


async def close_all(closers: list[Callable[[], Awaitable[None]]]) -> None:
    """Awaits each closer once (the list is emptied), logging failures."""
    while closers:
        close = closers.pop(0)
        try:
            await close()
        except Exception as exc:  # closing the rest matters more
            logging.getLogger(__name__).warning("closing failed: %s", exc)


async def _close(service: object) -> None:
    closer = getattr(service, "aclose", None)
    if closer is not None:
        await closer()


def _redacted(url: str) -> str:
    """``url`` without its password (a DSN may carry one)."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))
