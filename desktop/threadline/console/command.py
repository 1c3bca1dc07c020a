"""``threadline chat --agent MODULE:ATTR [--sessions URL]``: the arguments, the services, and
the event loop around a ``ChatConsole``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import signal
import sys
from typing import TextIO

from threadline.console.chat import ChatConsole
from threadline.console.lines import LineReader
from threadline.console.loader import AgentLoadError, close_models, load_agent
from threadline.core.errors import StorageError
from threadline.core.session import SessionService
from threadline.runner import BaseAgent, Runner
from threadline.sessions.urls import SCHEMES, SessionURLError, open_session_service

PROGRAM = "threadline chat"
# Stopped by Ctrl+C with no reply to stop: the shell's code for SIGINT.
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description="Talk to an agent tree in the terminal: replies stream, tool calls show "
        "as they run, approvals are asked inline.",
    )
    parser.add_argument(
        "--agent", required=True, metavar="MODULE:ATTR", help="the agent (or a function making it)"
    )
    parser.add_argument(
        "--sessions", default="memory:", metavar="URL", help=f"where sessions live: {SCHEMES}"
    )
    parser.add_argument("--app", default="threadline", help="the app name sessions are kept under")
    parser.add_argument("--user", default="local", help="the user id sessions are kept under")
    parser.add_argument("--session", default=None, help="continue this session id")
    return parser


def main(argv: list[str], *, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Runs the console; returns the exit code (2 for bad arguments, said on one line)."""
    args = build_parser().parse_args(argv)
    try:
        agent = load_agent(args.agent)
    except AgentLoadError as exc:
        print(f"{PROGRAM}: {exc}", file=sys.stderr)
        return 2
    out = stdout or sys.stdout
    if isinstance(out, io.TextIOWrapper):
        # A console that cannot show an emoji gets "?" instead of a UnicodeEncodeError.
        out.reconfigure(errors="replace")
    try:
        return asyncio.run(_chat(agent, args, stdin or sys.stdin, out))
    except KeyboardInterrupt:  # where the loop cannot take signals (Windows)
        return EXIT_INTERRUPTED
    except (SessionURLError, StorageError) as exc:
        print(f"{PROGRAM}: {exc}", file=sys.stderr)
        return 2


async def _chat(agent: BaseAgent, args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    # Opened on the running loop: a network store's client belongs to it.
    service = open_session_service(args.sessions)
    try:
        runner = Runner(args.app, agent, session_service=service)
        console = ChatConsole(
            runner, lines=LineReader(stdin), out=out, user_id=args.user, session_id=args.session
        )
        main_task = asyncio.current_task()
        assert main_task is not None

        def on_interrupt() -> None:  # Ctrl+C stops the reply; with none under way, the console
            if not console.interrupt():
                main_task.cancel()

        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows: no handlers
            loop.add_signal_handler(signal.SIGINT, on_interrupt)
        try:
            return await console.run()
        except asyncio.CancelledError:
            out.write("\n")
            return EXIT_INTERRUPTED
    finally:
        await _close(service)
        await close_models(agent)


async def _close(service: SessionService) -> None:
    closer = getattr(service, "aclose", None)
    if closer is not None:
        await closer()
