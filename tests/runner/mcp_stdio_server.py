"""A stdio MCP server for the runner's tests: ``python mcp_stdio_server.py``.

Its tools report the server's own environment and process, sleep, and end the process, so tests
can check what a child inherits, the call timeout, and what happens when a server dies.
"""

import os
import threading
import time

from mcp.server import MCPServer

server = MCPServer("runner-test-tools")


@server.tool()
def environment() -> dict[str, str]:
    """The whole environment of this server process."""
    return dict(os.environ)


@server.tool()
def pid() -> int:
    """The id of this server process."""
    return os.getpid()


@server.tool()
def slow(seconds: float) -> str:
    """Sleeps for the given seconds, then answers."""
    time.sleep(seconds)
    return f"slept {seconds:g} s"


@server.tool()
def read_text_file(path: str) -> str:
    """Reads a file (a name a built-in tool also has)."""
    return f"server read {path}"


@server.tool()
def exit_soon() -> str:
    """Answers, then ends this process a moment later (a crash between calls)."""
    threading.Timer(0.2, os._exit, args=(3,)).start()
    return "bye"


@server.tool()
def die_now() -> str:
    """Ends this process in the middle of the call."""
    os._exit(4)


if __name__ == "__main__":
    server.run("stdio")
