"""What the MCP page asks for: servers added, removed, their tools switched on and off."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from threadline.app.mcp_servers import entry_from_form, mcp_secret_name, status_line
from threadline.runner import MCPError
from threadline.settings.config import MCPServerEntry
from threadline.ui.settings.page import AppParts, PageController

KEEP = None  # an environment value left as it is in the keyring


class McpController(PageController):
    """Saves MCP servers (settings file, secrets in the keyring) and connects them.

    Signals:
        mcp_status(str, bool, str): a server's name, whether it is connected, and a line
            saying which tools it offers or why it failed.
        mcp_tools(str, object): a server's name and its tools as ``list[(name, enabled)]``.
        tools_listed(object): the tools an agent can be given right now, ``dict[name, label]``
            (a label names the MCP server of a tool renamed ``server__name``).
        notice(str): a message for the user (``PageController``).
    """

    mcp_status = Signal(str, bool, str)
    mcp_tools = Signal(str, object)
    tools_listed = Signal(object)

    WATCH_MS = 500  # how often the page looks whether a connected server died or came back

    def __init__(self, parts: AppParts, parent: QObject | None = None) -> None:
        super().__init__(parts, parent)
        self._states: dict[str, tuple[str, int]] = {}  # (status, restarts) last shown
        self._watch = QTimer(self, interval=self.WATCH_MS)
        self._watch.timeout.connect(self._check_states)

    def restore(self) -> None:
        """Connects the saved servers, each in the background, and watches their state."""
        for entry in list(self.settings.mcp_servers):
            self.spawner.spawn(self._connect(entry))
        self._watch.start()

    def _check_states(self) -> None:
        """A server that died (or was started again) shows it, with its restart count."""
        for entry in self.settings.mcp_servers:
            state = self.hub.mcp.state(entry.name)
            if state is not None and state != self._states.get(entry.name):
                self._report(entry)

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
            entry = entry_from_form(name, command_line, url, list(env))
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
            self.tools_listed.emit(self.hub.tool_labels())

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
        offered = [t.name for t in self.hub.mcp.tools(entry.name)]
        status, restarts = self.hub.mcp.state(entry.name) or ("connected", 0)
        self._states[entry.name] = (status, restarts)
        line = status_line(offered, entry.disabled_tools, status=status, restarts=restarts)
        self.mcp_status.emit(entry.name, status == "connected", line)
        self.mcp_tools.emit(entry.name, [(t, t not in entry.disabled_tools) for t in offered])
        self.tools_listed.emit(self.hub.tool_labels())
