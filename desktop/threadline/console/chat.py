"""``ChatConsole``: a conversation with an agent tree in a terminal (seed 003's ``Launcher``,
seed 000's interactive example): streamed replies, tool calls shown as they run, approvals
asked inline, and a few slash commands."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import TextIO

from threadline.console.lines import LineReader
from threadline.console.render import YOU, EventPrinter, history_lines
from threadline.core.events import new_id
from threadline.runner import ApprovalRequest, Event, RunConfig, Runner
from threadline.sessions import Session

HELP = """Commands:
  /history      the conversation so far
  /new          start a new conversation
  /resume       list the conversations; /resume N (or an id) continues one
  /help         this list
  /exit         leave (so does Ctrl+D); Ctrl+C stops a reply"""
YES = ("y", "yes")
NO = ("n", "no")


def fresh_session_id() -> str:
    """A new session id, short enough to type after ``/resume``."""
    return new_id()[:12]


class ChatConsole:
    """Reads the person's lines from ``lines``, runs them through ``runner``, prints to ``out``.

    ``/history`` prints the stored conversation (seed 000's asks the model to recite it; the
    store already knows it exactly, at no cost). ``/resume`` lists the sessions of this app and
    user; ``/resume N`` continues one, first asking for any tool calls it left waiting.
    """

    def __init__(
        self,
        runner: Runner,
        *,
        lines: LineReader,
        out: TextIO,
        user_id: str,
        session_id: str | None = None,
    ) -> None:
        self.runner = runner
        self.lines = lines
        self.printer = EventPrinter(out)
        self.user_id = user_id
        self.session_id = session_id or fresh_session_id()
        self._turn: asyncio.Task[None] | None = None

    async def run(self) -> int:
        """The conversation until ``/exit`` or the end of input; returns the exit code."""
        name = self.runner.agent.name
        self.printer.line(f"💬 {name} (session {self.session_id}). /help lists the commands.")
        await self._answer_waiting_calls()
        while True:
            self.printer.write(YOU)
            line = await self._read()
            if line is None:  # Ctrl+D or the end of a pipe
                break
            text = line.strip()
            if not text:
                continue
            if text.startswith("/"):
                if not await self._command(text):
                    break
                continue
            config = self._run_config()
            await self._show(
                self.runner.run(self.user_id, self.session_id, text, run_config=config)
            )
        self.printer.line("👋 Bye!")
        return 0

    def interrupt(self) -> bool:
        """Stops the reply under way (Ctrl+C); False when there is none to stop."""
        if self._turn is None or self._turn.done():
            return False
        self._turn.cancel()
        return True

    async def _read(self) -> str | None:
        """The next line typed after a prompt; piped input is written out after the prompt,
        so a transcript reads like a terminal session."""
        line = await self.lines.readline()
        if line is None:
            self.printer.line()
        elif not self.lines.is_echoed:
            self.printer.write(line + "\n")
        return line

    # -- a run ---------------------------------------------------------------------------

    def _run_config(self) -> RunConfig:
        return RunConfig(approval_handler=self._ask_approval)

    async def _show(self, events: AsyncIterator[Event]) -> None:
        async def consume() -> None:
            async for event in events:
                self.printer.show(event)

        self.printer.start_run()
        self._turn = asyncio.create_task(consume())
        try:
            await self._turn
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the console itself is being stopped, not just this reply
            # The runner saved what was streamed so far, marked interrupted.
            self.printer.line("⏹ Stopped.")
        finally:
            self._turn = None

    async def _ask_approval(self, request: ApprovalRequest) -> bool:
        arguments = json.dumps(request.arguments, ensure_ascii=False)
        return await self._ask_yes_no(f"⚠️  Approve {request.tool_name}({arguments})?")

    async def _ask_yes_no(self, question: str) -> bool:
        while True:
            self.printer.end_line()
            self.printer.write(f"{question} [y/n] ")
            answer = await self._read()
            if answer is None:  # no one left to ask: the safe answer
                return False
            if answer.strip().lower() in YES:
                return True
            if answer.strip().lower() in NO:
                return False

    async def _answer_waiting_calls(self) -> None:
        """A session left waiting for approvals (by the desktop app, or a stopped console)
        asks for them now and goes on."""
        waiting = await self.runner.pending_approvals(self.user_id, self.session_id)
        if not waiting:
            return
        self.printer.line(f"⏸ This conversation waits for {len(waiting)} tool call(s).")
        decisions: dict[str, bool] = {}
        for call in waiting:
            question = f"⚠️  Approve {call['name']}({call['arguments']})?"
            decisions[call["id"]] = await self._ask_yes_no(question)
        config = self._run_config()
        await self._show(
            self.runner.resume(self.user_id, self.session_id, decisions, run_config=config)
        )

    # -- commands ------------------------------------------------------------------------

    async def _command(self, text: str) -> bool:
        """Runs a slash command; False means leave."""
        name, _, argument = text.partition(" ")
        name = name.lower()
        if name in ("/exit", "/quit"):
            return False
        if name == "/help":
            self.printer.line(HELP)
        elif name == "/new":
            self.session_id = fresh_session_id()
            self.printer.line(f"🆕 New session {self.session_id}.")
        elif name == "/history":
            await self._print_history()
        elif name == "/resume":
            await self._resume(argument.strip())
        else:
            self.printer.line(f"Unknown command {name}. /help lists the commands.")
        return True

    async def _print_history(self) -> None:
        service = self.runner.session_service
        session = await service.get_session(self.runner.app_name, self.user_id, self.session_id)
        lines = history_lines(session.events) if session is not None else []
        self.printer.line(f"📜 History of session {self.session_id}:")
        self.printer.line("\n".join(lines) if lines else "  (no messages yet)")

    async def _sessions(self) -> list[Session]:
        service = self.runner.session_service
        return await service.list_sessions(self.runner.app_name, self.user_id)

    async def _resume(self, wanted: str) -> None:
        sessions = await self._sessions()
        if not wanted:
            self._print_sessions(sessions)
            return
        chosen = _pick(sessions, wanted)
        if chosen is None:
            self.printer.line(f"No single session matches {wanted!r}. /resume lists them.")
            return
        self.session_id = chosen.id
        self.printer.line(f"▶ Resumed session {chosen.id}: {chosen.title or '(untitled)'}")
        await self._answer_waiting_calls()

    def _print_sessions(self, sessions: list[Session]) -> None:
        if not sessions:
            self.printer.line("No conversations yet.")
            return
        self.printer.line("📚 Sessions (newest first):")
        for number, session in enumerate(sessions, 1):
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(session.updated_at))
            mark = "  ← current" if session.id == self.session_id else ""
            title = session.title or "(untitled)"
            self.printer.line(f"  {number:>2}. {session.id}  {title}  ({when}){mark}")
        self.printer.line("/resume N (or an id, or its first letters) continues one.")


def _pick(sessions: list[Session], wanted: str) -> Session | None:
    """The session a ``/resume`` argument names: its number in the list, its id, or the
    start of exactly one id."""
    with contextlib.suppress(ValueError):
        number = int(wanted)
        if 1 <= number <= len(sessions) and not any(s.id == wanted for s in sessions):
            return sessions[number - 1]
    exact = [s for s in sessions if s.id == wanted]
    if exact:
        return exact[0]
    starts = [s for s in sessions if s.id.startswith(wanted)]
    return starts[0] if len(starts) == 1 else None
