"""A stdio MCP server for tests that reports its own environment: ``python mcp_env_server.py``."""

import os

from mcp.server import MCPServer

server = MCPServer("env-tools")


@server.tool()
def env_value(name: str) -> str:
    """The value of one environment variable of this server (empty when unset)."""
    return os.environ.get(name, "")


@server.tool()
def shout(text: str) -> str:
    """Returns the text in capitals."""
    return text.upper()


if __name__ == "__main__":
    server.run("stdio")
