"""The settings panel, in pages: General (the provider first, as people set it up before
anything else; the live system instruction with history, diff and restore; generation; theme;
always-allowed tools), Agents, MCP and Storage."""

from __future__ import annotations

import difflib
import shlex
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from threadline.ui.agents.editor import AgentsEditor
from threadline.ui.agents.mcp_page import McpEditor
from threadline.ui.common.widgets import named
from threadline.ui.settings.provider_form import ProviderForm
from threadline.ui.settings.storage_page import StoragePage

if TYPE_CHECKING:
    from threadline.settings.config import AppSettings

VERSION_ROLE = Qt.ItemDataRole.UserRole + 1
THEMES = [("System", "system"), ("Light", "light"), ("Dark", "dark")]  # label, stored value
NO_ALLOWED_TOOLS = (
    "None yet. When a tool asks before it runs, choose “Always allow” on its card and the tool"
    " is listed here, to run without asking; select it and press “Ask again for selected"
    " tool” to be asked again."
)


class SettingsPanel(QTabWidget):
    """Edits settings; emits what changed. The instruction applies to the very next request.

    Signals:
        instruction_applied(str): new instruction text (Apply or Ctrl+Enter).
        provider_saved(): the provider fields should be saved and used.
        generation_changed(object, object): temperature (float | None), max tokens (int | None).
        streaming_changed(bool): replies streamed (True) or whole, one request each (False).
        memory_changed(bool): whether the assistant may draw on past conversations.
        theme_changed(str): ``system``, ``light`` or ``dark``.
        tool_revoked(str): a tool that must ask for approval again.

    The Agents page (``agents``), the MCP page (``mcp``) and the Storage page (``storage``)
    have their own signals.
    """

    instruction_applied = Signal(str)
    provider_saved = Signal()
    generation_changed = Signal(object, object)
    streaming_changed = Signal(bool)
    memory_changed = Signal(bool)
    theme_changed = Signal(str)
    tool_revoked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsPanel")
        self.setDocumentMode(True)
        body = QWidget()
        general = _scrolled(body)

        self.instruction = named(QPlainTextEdit(), "instructionEditor")
        self.instruction.setPlaceholderText("System instruction for the assistant")
        self.instruction.setAccessibleName("System instruction")
        self.apply_button = named(QPushButton("Apply now (Ctrl+Enter)"), "applyInstruction")
        self.version_label = named(QLabel(), "instructionVersion")
        self.history = named(QListWidget(), "instructionHistory")
        self.history.setAccessibleName("Instruction history")
        self.history.setMaximumHeight(110)
        # Long first lines are cut with "…" rather than widening the page (and the dock).
        self.history.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.history.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.restore_button = QPushButton("Restore selected")
        self.diff = named(QPlainTextEdit(), "instructionDiff")
        self.diff.setReadOnly(True)
        self.diff.setAccessibleName("Changes from the selected version")
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
        self.stream = named(QCheckBox("Show replies as they are written"), "streamReplies")
        self.stream.setToolTip(
            "Off: each reply arrives whole, in one plain request (for servers that run tools"
            " only without streaming)"
        )
        self.memory = named(
            QCheckBox("Let the assistant draw on past conversations"), "memoryEnabled"
        )
        self.memory.setToolTip(
            "Excerpts of past conversations that share words with your message are added to"
            " the request (the inspector shows which); a conversation can turn it off"
        )
        self.theme = named(QComboBox(), "theme")
        for label, value in THEMES:
            self.theme.addItem(label, value)
        general_box = QGroupBox("Generation and appearance")
        form = QFormLayout(general_box)
        form.addRow("Temperature", self.temperature)
        form.addRow("Max tokens", self.max_tokens)
        form.addRow("Streaming", self.stream)
        form.addRow("Memory", self.memory)
        form.addRow("Theme", self.theme)

        self.allowed = named(QListWidget(), "alwaysAllowedTools")
        self.allowed.setMaximumHeight(80)
        self.allowed.setAccessibleDescription(NO_ALLOWED_TOOLS)
        self.allowed_hint = named(QLabel(NO_ALLOWED_TOOLS), "alwaysAllowedHint")
        self.allowed_hint.setWordWrap(True)
        self.allowed_hint.setStyleSheet("color: gray")
        self.revoke_button = QPushButton("Ask again for selected tool")
        tools_box = QGroupBox("Tools allowed without asking")
        tbox = QVBoxLayout(tools_box)
        tbox.addWidget(self.allowed_hint)
        tbox.addWidget(self.allowed)
        tbox.addWidget(self.revoke_button)

        self.agents = AgentsEditor()
        self.mcp = McpEditor()

        layout = QVBoxLayout(body)
        layout.addWidget(provider_box)
        layout.addWidget(instruction_box, 3)
        layout.addWidget(general_box)
        layout.addWidget(tools_box)
        layout.addStretch(1)
        self.addTab(general, "General")
        self.addTab(_scrolled(self.agents), "Agents")
        self.addTab(_scrolled(self.mcp), "MCP")
        self.storage = StoragePage()
        self.addTab(_scrolled(self.storage), "Storage")
        self._versions: list[tuple[int, str, float]] = []
        self._show_allowed_hint()
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.apply_button.clicked.connect(self._apply)
        QShortcut(QKeySequence("Ctrl+Return"), self.instruction, self._apply)
        self.history.currentItemChanged.connect(self._show_diff)
        self.restore_button.clicked.connect(self._restore)
        self.save_provider.clicked.connect(self.provider_saved)
        self.temperature.valueChanged.connect(self._generation)
        self.max_tokens.valueChanged.connect(self._generation)
        self.stream.toggled.connect(self.streaming_changed)
        self.memory.toggled.connect(self.memory_changed)
        self.theme.currentIndexChanged.connect(
            lambda: self.theme_changed.emit(self.theme.currentData())
        )
        self.revoke_button.clicked.connect(self._revoke)

    def load(self, settings: AppSettings) -> None:
        """Shows saved settings without emitting change signals."""
        for widget in (self.temperature, self.max_tokens, self.theme, self.stream, self.memory):
            widget.blockSignals(True)
        self.stream.setChecked(settings.stream)
        self.memory.setChecked(settings.memory)
        self.instruction.setPlainText(settings.instruction)
        self.provider.load(settings.provider)
        self.temperature.setValue(
            settings.temperature if settings.temperature is not None else -0.1
        )
        self.max_tokens.setValue(settings.max_tokens or 0)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        self.allowed.clear()
        self.allowed.addItems(settings.always_allowed_tools)
        self._show_allowed_hint()
        self.mcp.load(
            [
                (s.name, shlex.join([s.command, *s.args]) if s.command else "", s.url, s.env_keys)
                for s in settings.mcp_servers
            ]
        )
        for widget in (self.temperature, self.max_tokens, self.theme, self.stream, self.memory):
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

    def _revoke(self) -> None:
        item = self.allowed.currentItem()
        if item is not None:
            self.tool_revoked.emit(item.text())
            self.allowed.takeItem(self.allowed.row(item))
            self._show_allowed_hint()

    def _show_allowed_hint(self) -> None:
        """An empty list says what would be in it (a list view has no placeholder text)."""
        empty = self.allowed.count() == 0
        self.allowed_hint.setVisible(empty)
        self.allowed.setVisible(not empty)
        self.revoke_button.setEnabled(not empty)


def _scrolled(page: QWidget) -> QScrollArea:
    """A settings page that scrolls up and down, never sideways."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(page)
    return area
