"""The settings panel: the live system instruction (with history, diff, restore), the provider,
generation, theme and always-allowed tools."""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from threadline.ui.provider_form import ProviderForm
from threadline.ui.widgets import named

if TYPE_CHECKING:
    from threadline.settings.config import AppSettings

VERSION_ROLE = Qt.ItemDataRole.UserRole + 1


def _list_editor(
    title: str,
    items: QListWidget,
    fields: list[tuple[str, QWidget]],
    buttons: list[QPushButton],
) -> QGroupBox:
    """A group with a list, labelled fields for one entry, and a row of buttons."""
    box = QGroupBox(title)
    form = QFormLayout(box)
    form.addRow(items)
    for label, field in fields:
        form.addRow(label, field)
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    form.addRow(row)
    return box


class SettingsPanel(QScrollArea):
    """Edits settings; emits what changed. The instruction applies to the very next request.

    Signals:
        instruction_applied(str): new instruction text (Apply or Ctrl+Enter).
        provider_saved(): the provider fields should be saved and used.
        generation_changed(object, object): temperature (float | None), max tokens (int | None).
        theme_changed(str): ``system``, ``light`` or ``dark``.
        tool_revoked(str): a tool that must ask for approval again.
        agents_changed(object): the specialists (``list[dict]``: name, description,
            instruction) the assistant may hand a conversation to.
        mcp_added(str, str, str): a server name, its command line (stdio) and URL (HTTP).
        mcp_removed(str): a server name to disconnect and forget.
    """

    instruction_applied = Signal(str)
    provider_saved = Signal()
    generation_changed = Signal(object, object)
    theme_changed = Signal(str)
    tool_revoked = Signal(str)
    agents_changed = Signal(object)
    mcp_added = Signal(str, str, str)
    mcp_removed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setObjectName("settingsPanel")
        body = QWidget()
        self.setWidget(body)

        self.instruction = named(QPlainTextEdit(), "instructionEditor")
        self.instruction.setPlaceholderText("System instruction for the assistant")
        self.instruction.setAccessibleName("System instruction")
        self.apply_button = named(QPushButton("Apply now (Ctrl+Enter)"), "applyInstruction")
        self.version_label = named(QLabel(), "instructionVersion")
        self.history = named(QListWidget(), "instructionHistory")
        self.history.setMaximumHeight(110)
        self.restore_button = QPushButton("Restore selected")
        self.diff = named(QPlainTextEdit(), "instructionDiff")
        self.diff.setReadOnly(True)
        self.diff.setMaximumHeight(120)
        self.diff.setPlaceholderText("Select a version to compare it with the editor")
        instruction_box = QGroupBox("System instruction (applies to the next model request)")
        box = QVBoxLayout(instruction_box)
        box.addWidget(self.instruction, 1)
        row = QHBoxLayout()
        row.addWidget(self.apply_button)
        row.addWidget(self.version_label, 1)
        box.addLayout(row)
        box.addWidget(QLabel("History"))
        box.addWidget(self.history)
        box.addWidget(self.restore_button)
        box.addWidget(self.diff)

        self.provider = ProviderForm()
        self.save_provider = named(QPushButton("Save provider"), "saveProvider")
        provider_box = QGroupBox("Provider")
        pbox = QVBoxLayout(provider_box)
        pbox.addWidget(self.provider)
        pbox.addWidget(self.save_provider)
        self.keyring_note = named(QLabel(), "keyringNote")
        self.keyring_note.setWordWrap(True)
        pbox.addWidget(self.keyring_note)

        self.temperature = named(QDoubleSpinBox(), "temperature")
        self.temperature.setRange(-0.1, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setSpecialValueText("server default")
        self.temperature.setValue(-0.1)
        self.max_tokens = named(QSpinBox(), "maxTokens")
        self.max_tokens.setRange(0, 1_000_000)
        self.max_tokens.setSpecialValueText("server default")
        self.theme = named(QComboBox(), "theme")
        self.theme.addItems(["system", "light", "dark"])
        general_box = QGroupBox("Generation and appearance")
        form = QFormLayout(general_box)
        form.addRow("Temperature", self.temperature)
        form.addRow("Max tokens", self.max_tokens)
        form.addRow("Theme", self.theme)

        self.allowed = named(QListWidget(), "alwaysAllowedTools")
        self.allowed.setMaximumHeight(80)
        self.revoke_button = QPushButton("Ask again for selected tool")
        tools_box = QGroupBox("Tools allowed without asking")
        tbox = QVBoxLayout(tools_box)
        tbox.addWidget(self.allowed)
        tbox.addWidget(self.revoke_button)

        self.agents = named(QListWidget(), "agentList")
        self.agents.setMaximumHeight(90)
        self.agent_name = named(QLineEdit(), "agentName")
        self.agent_name.setPlaceholderText("name, e.g. math (letters, digits, _ or -)")
        self.agent_description = named(QLineEdit(), "agentDescription")
        self.agent_description.setPlaceholderText("what it is good at (the assistant reads this)")
        self.agent_instruction = named(QPlainTextEdit(), "agentInstruction")
        self.agent_instruction.setMaximumHeight(70)
        self.agent_save = named(QPushButton("Add or update"), "agentSave")
        self.agent_remove = QPushButton("Remove selected")
        agents_box = _list_editor(
            "Agents: specialists the assistant can hand over to",
            self.agents,
            [
                ("Name", self.agent_name),
                ("Description", self.agent_description),
                ("Instruction", self.agent_instruction),
            ],
            [self.agent_save, self.agent_remove],
        )
        self._team: list[dict[str, str]] = []

        self.mcp_list = named(QListWidget(), "mcpServers")
        self.mcp_list.setMaximumHeight(90)
        self.mcp_name = named(QLineEdit(), "mcpName")
        self.mcp_name.setPlaceholderText("name, e.g. time")
        self.mcp_command = named(QLineEdit(), "mcpCommand")
        self.mcp_command.setPlaceholderText("command, e.g. uvx mcp-server-time")
        self.mcp_url = named(QLineEdit(), "mcpUrl")
        self.mcp_url.setPlaceholderText("or URL, e.g. http://127.0.0.1:8000/mcp")
        self.mcp_add = named(QPushButton("Add server"), "mcpAdd")
        self.mcp_remove = QPushButton("Remove selected")
        mcp_box = _list_editor(
            "MCP servers (their tools ask before they run)",
            self.mcp_list,
            [("Name", self.mcp_name), ("Command", self.mcp_command), ("URL", self.mcp_url)],
            [self.mcp_add, self.mcp_remove],
        )

        layout = QVBoxLayout(body)
        layout.addWidget(instruction_box, 3)
        layout.addWidget(provider_box)
        layout.addWidget(general_box)
        layout.addWidget(tools_box)
        layout.addWidget(agents_box)
        layout.addWidget(mcp_box)
        layout.addStretch(1)
        self._versions: list[tuple[int, str, float]] = []
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.apply_button.clicked.connect(self._apply)
        QShortcut(QKeySequence("Ctrl+Return"), self.instruction, self._apply)
        self.history.currentItemChanged.connect(self._show_diff)
        self.restore_button.clicked.connect(self._restore)
        self.save_provider.clicked.connect(self.provider_saved)
        self.temperature.valueChanged.connect(self._generation)
        self.max_tokens.valueChanged.connect(self._generation)
        self.theme.currentTextChanged.connect(self.theme_changed)
        self.revoke_button.clicked.connect(self._revoke)
        self.agent_save.clicked.connect(self._save_agent)
        self.agent_remove.clicked.connect(self._remove_agent)
        self.agents.currentRowChanged.connect(self._show_agent)
        self.mcp_add.clicked.connect(self._add_mcp)
        self.mcp_remove.clicked.connect(self._remove_mcp)

    def load(self, settings: AppSettings) -> None:
        """Shows saved settings without emitting change signals."""
        for widget in (self.temperature, self.max_tokens, self.theme):
            widget.blockSignals(True)
        self.instruction.setPlainText(settings.instruction)
        self.provider.load(settings.provider)
        self.temperature.setValue(
            settings.temperature if settings.temperature is not None else -0.1
        )
        self.max_tokens.setValue(settings.max_tokens or 0)
        self.theme.setCurrentText(settings.theme)
        self.allowed.clear()
        self.allowed.addItems(settings.always_allowed_tools)
        for widget in (self.temperature, self.max_tokens, self.theme):
            widget.blockSignals(False)

    def set_history(self, versions: list[tuple[int, str, float]]) -> None:
        """Lists applied versions (number, text, time), newest first."""
        self._versions = versions
        self.history.clear()
        for number, text, applied_at in reversed(versions):
            stamp = datetime.fromtimestamp(applied_at).strftime("%Y-%m-%d %H:%M:%S")
            first_line = text.strip().splitlines()[0][:60] if text.strip() else "(empty)"
            item = QListWidgetItem(f"v{number}  {stamp}  {first_line}")
            item.setData(VERSION_ROLE, number)
            self.history.addItem(item)
        if versions:
            number, _, applied_at = versions[-1]
            stamp = datetime.fromtimestamp(applied_at).strftime("%H:%M:%S")
            self.version_label.setText(f"v{number} in force since {stamp}")

    def _apply(self) -> None:
        self.instruction_applied.emit(self.instruction.toPlainText())

    def _selected_text(self) -> str | None:
        item = self.history.currentItem()
        if item is None:
            return None
        number = item.data(VERSION_ROLE)
        return next((text for n, text, _ in self._versions if n == number), None)

    def _show_diff(self) -> None:
        old = self._selected_text()
        if old is None:
            self.diff.clear()
            return
        lines = difflib.unified_diff(
            old.splitlines(),
            self.instruction.toPlainText().splitlines(),
            "selected version",
            "editor",
            lineterm="",
        )
        self.diff.setPlainText("\n".join(lines) or "(identical to the editor)")

    def _restore(self) -> None:
        text = self._selected_text()
        if text is not None:
            self.instruction.setPlainText(text)
            self._apply()

    def _generation(self) -> None:
        temperature = self.temperature.value()
        tokens = self.max_tokens.value()
        self.generation_changed.emit(
            None if temperature < 0 else round(temperature, 2), tokens or None
        )

    def set_team(self, team: list[dict[str, str]]) -> None:
        """Shows the saved specialists."""
        self._team = [dict(e) for e in team]
        self.agents.clear()
        for entry in self._team:
            self.agents.addItem(f"{entry['name']} — {entry.get('description', '')}")

    def _save_agent(self) -> None:
        name = self.agent_name.text().strip()
        if not name:
            return
        entry = {
            "name": name,
            "description": self.agent_description.text().strip(),
            "instruction": self.agent_instruction.toPlainText(),
        }
        team = [e for e in self._team if e["name"] != name] + [entry]
        self.set_team(team)
        self.agents_changed.emit(team)
        for field in (self.agent_name, self.agent_description):
            field.clear()
        self.agent_instruction.clear()

    def _remove_agent(self) -> None:
        row = self.agents.currentRow()
        if 0 <= row < len(self._team):
            team = self._team[:row] + self._team[row + 1 :]
            self.set_team(team)
            self.agents_changed.emit(team)

    def _show_agent(self, row: int) -> None:
        if 0 <= row < len(self._team):
            entry = self._team[row]
            self.agent_name.setText(entry["name"])
            self.agent_description.setText(entry.get("description", ""))
            self.agent_instruction.setPlainText(entry.get("instruction", ""))

    def show_mcp_status(self, name: str, is_connected: bool, text: str) -> None:
        """Shows a server's connection state and its tools."""
        label = f"{name}: {'●' if is_connected else '✕'} {text}"
        for row in range(self.mcp_list.count()):
            item = self.mcp_list.item(row)
            if item.data(VERSION_ROLE) == name:
                item.setText(label)
                return
        item = QListWidgetItem(label)
        item.setData(VERSION_ROLE, name)
        self.mcp_list.addItem(item)

    def _add_mcp(self) -> None:
        command, url = self.mcp_command.text().strip(), self.mcp_url.text().strip()
        if not command and not url:
            return
        name = self.mcp_name.text().strip() or (command.split()[0] if command else url)
        self.show_mcp_status(name, False, "connecting…")
        self.mcp_added.emit(name, command, url)
        for field in (self.mcp_name, self.mcp_command, self.mcp_url):
            field.clear()

    def _remove_mcp(self) -> None:
        item = self.mcp_list.currentItem()
        if item is not None:
            self.mcp_removed.emit(item.data(VERSION_ROLE))
            self.mcp_list.takeItem(self.mcp_list.row(item))

    def _revoke(self) -> None:
        item = self.allowed.currentItem()
        if item is not None:
            self.tool_revoked.emit(item.text())
            self.allowed.takeItem(self.allowed.row(item))
