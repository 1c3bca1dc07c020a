"""What the Agents and MCP settings pages ask for: the user's agents and the MCP servers."""

from __future__ import annotations

import shlex
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Signal

from threadline.app.hub import mcp_secret_name
from threadline.runner.mcp import MCPError, MCPServerConfig
from threadline.settings.config import MCPServerEntry
from threadline.app.teams import SPECS_SETTING, AgentSpec, TeamError, parse_specs
from threadline.ui.settings.page import PageController

KEEP = None  # an environment value left as it is in the keyring


class AgentsController(PageController):
    """Saves agents (SQLite) and MCP servers (settings file, secrets in the keyring).

    Signals:
        agents_loaded(object): the user's agents as ``list[dict]`` (``AgentSpec`` fields).
        teams_listed(object): the teams a session can pick, ``list[(name, description)]``.
        tools_listed(object): ``list[str]`` of tools an agent can be given right now.
        mcp_status(str, bool, str): a server's name, whether it is connected, and a line
            saying which tools it offers or why it failed.
        mcp_tools(str, object): a server's name and its tools as ``list[(name, enabled)]``.
        notice(str): a message for the user (``PageController``).
    """

    agents_loaded = Signal(object)
    teams_listed = Signal(object)
    tools_listed = Signal(object)
    mcp_status = Signal(str, bool, str)
    mcp_tools = Signal(str, object)

    async def restore(self) -> None:
        """Loads the saved agents and connects the saved MCP servers (in the background)."""
        for entry in list(self.settings.mcp_servers):
            self.spawner.spawn(self._connect(entry))
        specs = parse_specs(await self.store.get_setting(SPECS_SETTING))
        try:
            self.hub.set_specs(specs)
        except TeamError as exc:
            self.notice.emit(f"The saved agents need fixing in Settings → Agents: {exc}")
        self.agents_loaded.emit([s.model_dump() for s in specs])
        self.teams_listed.emit(self.hub.teams())
        self.tools_listed.emit(list(self.hub.tools()))

    # -- agents ------------------------------------------------------------------------------

    def set_agents(self, entries: list[dict[str, Any]]) -> None:
        """Replaces the user's agents; teams use them from the next reply on.

        Agents that clash (a loop, an unknown sub-agent, a name used twice) change nothing: a
        notice says why and the page shows the saved agents again.
        """
        try:
            specs = [AgentSpec.model_validate(e) for e in entries]
            self.hub.set_specs(specs)
        except ValidationError as exc:
            self._refuse(str(exc.errors()[0]["msg"]).removeprefix("Value error, "))
            return
        except TeamError as exc:
            self._refuse(str(exc))
            return
        saved = [s.model_dump() for s in specs]
        self.agents_loaded.emit(saved)
        self.teams_listed.emit(self.hub.teams())
        self.spawner.spawn(self.store.set_setting(SPECS_SETTING, saved))

    def _refuse(self, reason: str) -> None:
        self.notice.emit(f"The agents were not changed: {reason}")
        self.agents_loaded.emit([s.model_dump() for s in self.hub.specs])

    # -- MCP servers -------------------------------------------------------------------------

    def add_mcp_server(
        self, name: str, command_line: str, url: str, env: dict[str, str | None] | None = None
    ) -> None:
        """Adds or updates a server, saves it and connects.

        ``env`` values go to the keyring (the settings file keeps the names); a value of
        ``KEEP`` leaves what the keyring holds for that variable.
        """
        env = env or {}
        try:
            args = shlex.split(command_line)
            entry = MCPServerEntry(
                name=name.strip() or (args[0] if args else url.strip()),
                command=args[0] if args else "",
                args=args[1:],
                url=url.strip(),
                env_keys=sorted(env),
            )
            MCPServerConfig(entry.name, command=entry.command or None, url=entry.url or None)
        except ValueError as exc:
            self.mcp_status.emit(name, False, f"Not added: {exc}")
            return
        old = next((s for s in self.settings.mcp_servers if s.name == entry.name), None)
        if old is not None:
            entry.disabled_tools = list(old.disabled_tools)
        gone = set(old.env_keys) - set(env) if old is not None else set()
        self.settings.mcp_servers = [s for s in self.settings.mcp_servers if s.name != entry.name]
        self.settings.mcp_servers.append(entry)
        self._save_settings()

        async def work() -> None:
            for variable, value in env.items():
                secret = mcp_secret_name(entry.name, variable)
                if value is not KEEP and not await self.secrets.set(secret, value):
                    self.notice.emit(self.secrets.problem or "Kept for this session only.")
            for variable in gone:
                await self.secrets.delete(mcp_secret_name(entry.name, variable))
            await self._connect(entry)

        self.spawner.spawn(work())

    def remove_mcp_server(self, name: str) -> None:
        """Disconnects and forgets a server and its secrets; its tools leave every agent."""
        entry = next((s for s in self.settings.mcp_servers if s.name == name), None)
        self.settings.mcp_servers = [s for s in self.settings.mcp_servers if s.name != name]
        self._save_settings()

        async def work() -> None:
            for variable in entry.env_keys if entry is not None else []:
                await self.secrets.delete(mcp_secret_name(name, variable))
            await self.hub.disconnect(name)
            self.tools_listed.emit(list(self.hub.tools()))

        self.spawner.spawn(work())

    def set_tool_enabled(self, server: str, tool: str, is_enabled: bool) -> None:
        """Switches one MCP tool on or off for every agent (remembered in the settings)."""
        entry = next((s for s in self.settings.mcp_servers if s.name == server), None)
        if entry is None:
            return
        disabled = set(entry.disabled_tools)
        if is_enabled:
            disabled.discard(tool)
        else:
            disabled.add(tool)
        entry.disabled_tools = sorted(disabled)
        self._save_settings()
        self.hub.refresh_tools()
        self._report(entry)

    async def _connect(self, entry: MCPServerEntry) -> None:
        try:
            await self.hub.connect(entry)
        except MCPError as exc:
            self.mcp_status.emit(entry.name, False, str(exc))
            return
        self._report(entry)

    def _report(self, entry: MCPServerEntry) -> None:
        offered = [t.name for t in self.hub.mcp_tools(entry.name)]
        enabled = [t for t in offered if t not in entry.disabled_tools]
        off = len(offered) - len(enabled)
        summary = ", ".join(enabled) or "none"
        self.mcp_status.emit(
            entry.name, True, f"connected; tools: {summary}" + (f" ({off} off)" if off else "")
        )
        self.mcp_tools.emit(entry.name, [(t, t not in entry.disabled_tools) for t in offered])
        self.tools_listed.emit(list(self.hub.tools()))
