"""``threadline chat``: the runner in a terminal (Qt-free: it imports runner, sessions, core).

``main(argv)`` runs it; ``ChatConsole`` is the conversation loop, ``EventPrinter`` how events
look, ``load_agent`` what ``--agent MODULE:ATTR`` names.
"""

from threadline.console.chat import ChatConsole
from threadline.console.command import main
from threadline.console.lines import LineReader
from threadline.console.loader import AgentLoadError, load_agent
from threadline.console.render import EventPrinter

__all__ = ["AgentLoadError", "ChatConsole", "EventPrinter", "LineReader", "load_agent", "main"]
