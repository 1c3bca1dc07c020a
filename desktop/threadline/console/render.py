"""How runner events look in a terminal: streamed replies, and tool calls shown the way seed
000's interactive example shows them (``🔧 Tool Call:``, ``🔄 Executing...``, ``✅ Tool
Response``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from threadline.runner import Event, EventTag, Message

YOU = "👤 You: "
TOOL_OK = "ok"


def assistant_prefix(author: str) -> str:
    """What opens a reply: the answering agent's name, which changes after a transfer."""
    return f"🤖 {author}: "


def tool_call_lines(message: Message) -> list[str]:
    """The block a reply asking for tools prints, one call per bullet."""
    lines = ["🔧 Tool Call:"]
    for call in message.tool_calls:
        lines.append(f"   • {call.name} (ID: {call.id})")
        lines.append(f"     Params: {call.arguments}")
    return lines


def tool_result_line(event: Event) -> str:
    """One line per tool result: ✅ when it ran, ❌ when it failed, 🚫 when a person said no."""
    content = event.message.content if event.message is not None else ""
    call_id = event.metadata.get("call_id") or (event.message and event.message.tool_call_id)
    status = event.metadata.get("status", TOOL_OK)
    if status == TOOL_OK:
        return f"✅ Tool Response (ID: {call_id}): {content}"
    if status == "denied":
        return f"🚫 Tool Denied (ID: {call_id}): {content}"
    return f"❌ Tool Error (ID: {call_id}): {content}"


def transfer_line(event: Event) -> str:
    """``↪ coordinator → math: <announcement>``."""
    origin = event.metadata.get("from", event.author)
    target = event.metadata.get("to", event.actions.transfer_to_agent or "?")
    said = event.message.content if event.message is not None else ""
    return f"↪ {origin} → {target}" + (f": {said}" if said else "")


def error_line(event: Event) -> str:
    assert event.error is not None
    return f"❌ Error [{event.error.code}]: {event.error.message}"


def history_lines(events: Sequence[Event]) -> list[str]:
    """A stored conversation as the lines ``/history`` prints (two spaces in)."""
    lines: list[str] = []
    for event in events:
        message = event.message
        if event.error is not None:
            lines.append(error_line(event))
        elif event.tag == EventTag.AGENT_TRANSFER:
            lines.append(transfer_line(event))
        elif message is None:
            continue
        elif message.role == "user":
            lines.append(YOU + message.content)
        elif message.role == "tool":
            lines.append(tool_result_line(event))
        elif message.role == "assistant":
            if message.content:
                cut = " [interrupted]" if message.interrupted else ""
                lines.append(assistant_prefix(event.author) + message.content + cut)
            for call in message.tool_calls:
                lines.append(f"🔧 {call.name}({call.arguments}) (ID: {call.id})")
    return ["  " + line for line in lines]


class EventPrinter:
    """Writes a run's events to a terminal as they come: reply text as it streams, a reply
    that was not streamed (``GenerationConfig(stream=False)``) in one piece, tool calls and
    their results, transfers and errors. Flushes after every write (a pipe buffers)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.start_run()

    def start_run(self) -> None:
        """Forgets what the last run left half done (a stopped or failed reply)."""
        self._open: str | None = None  # "text" or "reasoning" while a line is being streamed
        self._streamed = False  # the reply under way already showed its text
        self._is_executing = False  # "🔄 Executing..." shown for this tool round
        self._after_tools = False  # a tool round just ended: a blank line before the reply

    def write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def line(self, text: str = "") -> None:
        """Ends a streamed line if one is open, then writes ``text`` on its own line."""
        self.end_line()
        self.write(text + "\n")

    def end_line(self) -> None:
        if self._open is not None:
            self.write("\n")
            self._open = None

    def show(self, event: Event) -> None:
        """Prints one event of a run."""
        if event.partial:
            self._show_partial(event)
        elif event.error is not None:
            self.line(error_line(event))
        elif event.tag == EventTag.MODEL_REPLY and event.message is not None:
            self._show_reply(event, event.message)
        elif event.tag == EventTag.TOOL_RESULT:
            self.line(tool_result_line(event))
            self._after_tools = True
        elif event.tag == EventTag.AGENT_TRANSFER:
            self.line(transfer_line(event))
        elif event.tag == EventTag.TOOL_APPROVAL:
            names = ", ".join(c.get("name", "?") for c in event.metadata.get("pending", []))
            self.line(f"⏸ Waiting for approval: {names}")
        elif event.done:
            self.end_line()
        elif event.author not in ("user", "runner") and event.is_final_response():
            # A reply made by a callback, not a model call: it was never streamed.
            assert event.message is not None
            self.line(assistant_prefix(event.author) + event.message.content)

    def _show_partial(self, event: Event) -> None:
        if event.tag == EventTag.TOOL_START:
            if not self._is_executing:
                self.line("🔄 Executing...")
                self._is_executing = True
        elif event.reasoning_delta:
            if self._open != "reasoning":
                self.end_line()
                self._gap()
                self.write("💭 ")
                self._open = "reasoning"
            self.write(event.reasoning_delta)
        elif event.delta:
            if self._open != "text":
                self.end_line()
                self._gap()
                self.write(assistant_prefix(event.author))
                self._open = "text"
            self._streamed = True
            self.write(event.delta)

    def _gap(self) -> None:
        if self._after_tools:
            self.write("\n")
            self._after_tools = False

    def _show_reply(self, event: Event, message: Message) -> None:
        if message.content and not self._streamed:
            self.end_line()
            self._gap()
            self.line(assistant_prefix(event.author) + message.content)
        self._streamed = False
        self._is_executing = False
        if message.tool_calls:
            self.line()
            for text in tool_call_lines(message):
                self.line(text)
            self.line()
        else:
            self.end_line()
