"""A small streamable-HTTP MCP server for tests: ``python mcp_http_server.py PORT``."""

import socket
import sys

import uvicorn
from mcp.server import MCPServer

server = MCPServer("test-tools")


@server.tool()
def shout(text: str) -> str:
    """Returns the text in capitals."""
    return text.upper()


@server.tool()
def explode() -> str:
    """Always fails."""
    raise RuntimeError("kaboom")


if __name__ == "__main__":
    # Listen before announcing, so the test can connect the moment it reads "serving".
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", int(sys.argv[1])))
    listener.listen(16)
    print("serving", flush=True)
    uvicorn.run(server.streamable_http_app(), fd=listener.fileno(), log_level="warning")
