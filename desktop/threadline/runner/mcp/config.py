"""How to reach one MCP server, and the error raised when it cannot be reached."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from threadline.core.errors import ThreadlineError


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
