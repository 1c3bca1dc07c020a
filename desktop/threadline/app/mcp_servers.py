"""How MCP servers start in the app: the user's entries, their secrets, their connections.

An entry (``settings.config.MCPServerEntry``) is saved in settings.json with the names of its
environment variables; the values are keyring entries ``mcp:<server>:<VAR>``. ``MCPServers``
connects each through ``runner.mcp.MCPToolset`` (the official SDK, stdio or streamable HTTP)
and knows which tools each offers. No Qt: the MCP page's controller drives it.

The runner and pydantic are imported where they are used: the MCP page imports this module
while the window builds, before they are loaded.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from threadline.app.mcp_prompts import McpPrompts
    from threadline.runner.mcp import MCPTool, MCPToolset
    from threadline.settings import SecretStore
    from threadline.settings.config import MCPServerEntry

STORED = "(in keyring)"  # the MCP page shows this for a saved secret; left as is, it is kept


def mcp_secret_name(server: str, variable: str) -> str:
    """The keyring entry holding an MCP server's environment variable."""
    return f"mcp:{server}:{variable}"


def parse_env(text: str) -> dict[str, str | None]:
    """``NAME=value`` lines; a value of ``(in keyring)`` maps to None (keep the saved one)."""
    env: dict[str, str | None] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip():
            env[name.strip()] = None if value.strip() == STORED else value
    return env


def entry_from_form(name: str, command_line: str, url: str, env_names: list[str]) -> MCPServerEntry:
    """An entry from what the MCP page holds. Raises ``ValueError`` saying what is wrong."""
    from threadline.runner.mcp import MCPServerConfig
    from threadline.settings.config import MCPServerEntry

    args = shlex.split(command_line)
    entry = MCPServerEntry(
        name=name.strip() or (args[0] if args else url.strip()),
        command=args[0] if args else "",
        args=args[1:],
        url=url.strip(),
        env_keys=sorted(env_names),
    )
    MCPServerConfig(entry.name, command=entry.command or None, url=entry.url or None)
    return entry


def status_line(
    offered: list[str], disabled: list[str], *, status: str = "connected", restarts: int = 0
) -> str:
    """What the MCP page says of a server: its state, restarts and tools."""
    enabled = [t for t in offered if t not in disabled]
    off = len(offered) - len(enabled)
    state = f"{status}, restarts on next use" if status.startswith("died") else status
    if restarts:
        state += f"; restarted {restarts} time{'s' if restarts != 1 else ''}"
    return f"{state}; tools: {', '.join(enabled) or 'none'}" + (f" ({off} off)" if off else "")


class MCPServers:
    """The connected MCP servers, by entry name.

    With ``prompts`` set (the composition root does), every server may ask the person during a
    tool call: elicitation (a form in the chat) and sampling (a request to approve), each
    shown in the conversation whose call it is. Without it the client declares neither.
    """

    def __init__(self, secrets: SecretStore, prompts: McpPrompts | None = None) -> None:
        self.secrets = secrets
        self.prompts = prompts
        self._toolsets: dict[str, MCPToolset] = {}

    async def connect(self, entry: MCPServerEntry) -> list[MCPTool]:
        """(Re)connects a server with its environment from the keyring. Raises ``MCPError``."""
        from threadline.runner.mcp import MCPServerConfig, MCPToolset

        await self.disconnect(entry.name)
        env = {}
        for variable in entry.env_keys:
            value = await self.secrets.get(mcp_secret_name(entry.name, variable))
            if value is not None:
                env[variable] = value
        config = MCPServerConfig(
            entry.name,
            command=entry.command or None,
            args=entry.args,
            env=env,
            url=entry.url or None,
        )
        prompts = self.prompts
        toolset = MCPToolset(
            config,
            needs_approval=entry.ask_approval,
            elicitation_handler=prompts.elicit if prompts is not None else None,
            sampling_handler=prompts.sample if prompts is not None else None,
        )
        tools = await toolset.connect()
        await self.disconnect(entry.name)  # a connection that finished meanwhile is replaced
        self._toolsets[entry.name] = toolset
        return tools

    async def disconnect(self, name: str) -> bool:
        """Closes a server's connection; True when one was open."""
        toolset = self._toolsets.pop(name, None)
        if toolset is None:
            return False
        await toolset.aclose()
        return True

    def state(self, name: str) -> tuple[str, int] | None:
        """A connected server's status (``connected``, ``died: …``) and restarts, or None."""
        toolset = self._toolsets.get(name)
        return (toolset.status, toolset.restarts) if toolset is not None else None

    def tools(self, name: str) -> list[MCPTool]:
        """The tools a connected server offers (enabled or not)."""
        toolset = self._toolsets.get(name)
        return list(toolset.tools) if toolset is not None else []

    async def aclose(self) -> None:
        """Closes every connection."""
        for name in list(self._toolsets):
            await self.disconnect(name)
