"""The MCP page: servers by command line (stdio) or URL, their secrets, status and tools."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from threadline.app.mcp_servers import STORED, parse_env
from threadline.ui.common.widgets import fill_checklist, named

NAME_ROLE = Qt.ItemDataRole.UserRole + 1
SOURCE_ROLE = Qt.ItemDataRole.UserRole + 2  # (command line, URL) as last entered


class McpEditor(QWidget):
    """Lists MCP servers with their status; edits one; switches its tools on and off.

    Signals:
        mcp_added(str, str, str, object): name, command line, URL and environment
            (``dict[str, str | None]``; None keeps the value already in the keyring).
        mcp_removed(str): a server to disconnect and forget.
        tool_toggled(str, str, bool): a server, one of its tools, and whether it is enabled.
    """

    mcp_added = Signal(str, str, str, object)
    mcp_removed = Signal(str)
    tool_toggled = Signal(str, str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._env_keys: dict[str, list[str]] = {}
        self._tools: dict[str, list[tuple[str, bool]]] = {}
        self.servers = named(QListWidget(), "mcpServers")
        self.servers.setMaximumHeight(120)
        self.name = named(QLineEdit(), "mcpName")
        self.name.setPlaceholderText("e.g. time")
        self.command = named(QLineEdit(), "mcpCommand")
        self.command.setPlaceholderText("command and arguments, e.g. uvx mcp-server-time")
        self.url = named(QLineEdit(), "mcpUrl")
        self.url.setPlaceholderText("or a URL, e.g. http://127.0.0.1:8000/mcp")
        self.env = named(QPlainTextEdit(), "mcpEnv")
        self.env.setPlaceholderText("NAME=value, one per line (values are kept in the keyring)")
        self.env.setMaximumHeight(70)
        self.add = named(QPushButton("Add or update"), "mcpAdd")
        self.remove = named(QPushButton("Remove selected"), "mcpRemove")
        self.tools = named(QListWidget(), "mcpTools")
        self.tools.setMaximumHeight(120)
        self.tools_label = QLabel("Tools of the selected server (untick to switch one off)")
        hint = QLabel("Tools from MCP servers ask before they run, unless always allowed.")
        hint.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Command", self.command)
        form.addRow("URL", self.url)
        form.addRow("Environment", self.env)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add)
        buttons.addWidget(self.remove)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.servers)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.tools_label)
        layout.addWidget(self.tools)
        layout.addStretch(1)

        self.add.clicked.connect(self._add)
        self.remove.clicked.connect(self._remove)
        self.servers.currentItemChanged.connect(self._show_server)
        self.tools.itemChanged.connect(self._toggled)

    def load(self, servers: list[tuple[str, str, str, list[str]]]) -> None:
        """The saved servers: name, command line, URL and environment variable names."""
        for name, command_line, url, env_keys in servers:
            self._env_keys[name] = list(env_keys)
            self.show_connecting(name)
            item = self._item(name)
            if item is not None:
                item.setData(SOURCE_ROLE, (command_line, url))

    def show_connecting(self, name: str) -> None:
        """Marks a server as being connected to (neither up nor failed yet)."""
        self._show(name, f"{name}: ○ connecting…")

    def show_status(self, name: str, is_connected: bool, text: str) -> None:
        """Shows a server's connection state and its tools (or why it failed)."""
        self._show(name, f"{name}: {'●' if is_connected else '✕'} {text}")

    def _show(self, name: str, label: str) -> None:
        item = self._item(name)
        if item is None:
            item = QListWidgetItem()
            item.setData(NAME_ROLE, name)
            self.servers.addItem(item)
        item.setText(label)

    def show_tools(self, name: str, tools: list[tuple[str, bool]]) -> None:
        """A server's tools and whether each is on."""
        self._tools[name] = list(tools)
        current = self.servers.currentItem()
        if current is not None and current.data(NAME_ROLE) == name:
            self._fill_tools(name)

    def _item(self, name: str) -> QListWidgetItem | None:
        for row in range(self.servers.count()):
            item = self.servers.item(row)
            if item.data(NAME_ROLE) == name:
                return item
        return None

    def _fill_tools(self, name: str) -> None:
        tools = self._tools.get(name, [])
        self.tools.blockSignals(True)
        fill_checklist(self.tools, [t for t, _ in tools], {t for t, on in tools if on})
        self.tools.blockSignals(False)

    def _show_server(self, item: QListWidgetItem | None) -> None:
        if item is None:
            self.tools.clear()
            return
        name = item.data(NAME_ROLE)
        self.name.setText(name)
        command_line, url = item.data(SOURCE_ROLE) or ("", "")
        self.command.setText(command_line)
        self.url.setText(url)
        self.env.setPlainText("\n".join(f"{k}={STORED}" for k in self._env_keys.get(name, [])))
        self._fill_tools(name)

    def _toggled(self, item: QListWidgetItem) -> None:
        server = self.servers.currentItem()
        if server is not None:
            is_on = item.checkState() == Qt.CheckState.Checked
            self.tool_toggled.emit(server.data(NAME_ROLE), item.text(), is_on)

    def _add(self) -> None:
        command, url = self.command.text().strip(), self.url.text().strip()
        if not command and not url:
            self.command.setFocus()
            return
        name = self.name.text().strip() or (command.split()[0] if command else url)
        env = parse_env(self.env.toPlainText())
        self._env_keys[name] = sorted(env)
        self.show_connecting(name)
        item = self._item(name)
        if item is not None:
            item.setData(SOURCE_ROLE, (command, url))
        self.mcp_added.emit(name, command, url, env)
        for field in (self.name, self.command, self.url):
            field.clear()
        self.env.clear()

    def _remove(self) -> None:
        item = self.servers.currentItem()
        if item is not None:
            name = item.data(NAME_ROLE)
            self.servers.takeItem(self.servers.row(item))
            self._tools.pop(name, None)
            self._env_keys.pop(name, None)
            self.mcp_removed.emit(name)
