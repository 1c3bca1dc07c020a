"""The Agents page: define agents (LLM agents or chain/parallel/cycle workflows) and their teams."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from threadline.ui.common.widgets import checked, fill_checklist, named

# Labels for AgentSpec.kind (threadline.app.teams, not imported: the window paints before pydantic).
KINDS = {
    "llm": "LLM agent",
    "chain": "Chain (one after another)",
    "parallel": "Parallel (all at once)",
    "cycle": "Cycle (repeat until done)",
}
PROVIDER_MODEL = ""  # the combo's first entry: use the provider's model


def summary(agent: dict[str, Any]) -> str:
    """One line for the list: name, kind, model, tools and who it hands over to or runs."""
    kind = agent.get("kind", "llm")
    parts = [agent["name"], KINDS.get(kind, kind).split(" (")[0]]
    if kind == "llm":
        parts.append(agent.get("model") or "provider's model")
        tools = agent.get("tools") or []
        parts.append(f"tools: {', '.join(tools)}" if tools else "no tools")
    subs = agent.get("sub_agents") or []
    if subs:
        parts.append(("hands over to " if kind == "llm" else "runs ") + ", ".join(subs))
    if kind == "cycle":
        parts.append(f"up to {agent.get('max_iterations', 3)} rounds")
    return " · ".join(parts)


class AgentsEditor(QWidget):
    """Edits the list of agents; any agent can lead a team that a conversation picks.

    Signals:
        agents_changed(object): every agent as ``list[dict]`` with the ``AgentSpec`` fields.
    """

    agents_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._agents: list[dict[str, Any]] = []
        self._tools: list[str] = []
        self._tool_labels: dict[str, str] = {}
        self.agents = named(QListWidget(), "agentList")
        self.agents.setMaximumHeight(120)
        self.agents.setWordWrap(True)
        self.agents.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.name = named(QLineEdit(), "agentName")
        self.name.setPlaceholderText("e.g. math (letters, digits, _ or -)")
        self.kind = named(QComboBox(), "agentKind")
        for key, label in KINDS.items():
            self.kind.addItem(label, key)
        self.description = named(QLineEdit(), "agentDescription")
        self.description.setPlaceholderText("what it is good at (a coordinator reads this)")
        self.instruction = named(QPlainTextEdit(), "agentInstruction")
        self.instruction.setMaximumHeight(80)
        self.model = named(QComboBox(), "agentModel")
        self.model.setEditable(True)
        self.model.addItem("(the provider's model)", PROVIDER_MODEL)
        self.model.setToolTip("Any model id the provider serves; Test connection lists them")
        self.tools = named(QListWidget(), "agentTools")
        self.tools.setMaximumHeight(90)
        self.sub_agents = named(QListWidget(), "agentSubAgents")
        self.sub_agents.setMaximumHeight(90)
        self.sub_agents.setToolTip(
            "An LLM agent can hand the conversation to these; a workflow runs them"
        )
        self.max_iterations = named(QSpinBox(), "agentMaxIterations")
        self.max_iterations.setRange(1, 100)
        self.max_iterations.setValue(3)
        self.save = named(QPushButton("Add or update"), "agentSave")
        self.remove = named(QPushButton("Remove selected"), "agentRemove")
        self.new = QPushButton("New")
        hint = QLabel(
            "Define specialists first, then a coordinator (an LLM agent with sub-agents) or a "
            "workflow over them. Pick the team for a conversation above the message box."
        )
        hint.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Kind", self.kind)
        form.addRow("Description", self.description)
        form.addRow("Instruction", self.instruction)
        form.addRow("Model", self.model)
        form.addRow("Tools", self.tools)
        form.addRow("Sub-agents", self.sub_agents)
        form.addRow("Max rounds", self.max_iterations)
        self._form = form
        buttons = QHBoxLayout()
        for button in (self.new, self.save, self.remove):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.agents)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addStretch(1)

        self.kind.currentIndexChanged.connect(self._show_kind_fields)
        self.agents.currentRowChanged.connect(self._show_agent)
        self.save.clicked.connect(self._save)
        self.remove.clicked.connect(self._remove)
        self.new.clicked.connect(self._clear)
        self._show_kind_fields()
        self.setEnabled(False)  # until the saved agents are shown: edits must not race them

    # -- what the window tells the page ------------------------------------------------------

    def set_agents(self, agents: list[dict[str, Any]]) -> None:
        """Shows the saved agents (keeps the form as it is)."""
        self.setEnabled(True)
        self._agents = [dict(a) for a in agents]
        self.agents.clear()
        for agent in self._agents:
            item = QListWidgetItem(summary(agent))
            item.setToolTip(agent.get("description") or summary(agent))
            self.agents.addItem(item)
        self._refresh_sub_agent_choices(set(checked(self.sub_agents)))

    def set_tools(self, names: Mapping[str, str] | list[str]) -> None:
        """The tools an agent can be given (built-in and connected MCP tools), by name, with
        the label each shows (an MCP tool renamed ``server__name`` names its server)."""
        self._tools = list(names)
        self._tool_labels = dict(names) if isinstance(names, Mapping) else {}
        ticked = set(checked(self.tools))
        fill_checklist(self.tools, self._tools, ticked, self._tool_labels)

    def set_models(self, names: list[str]) -> None:
        """Model ids the provider offers, as choices (any id can still be typed)."""
        current = self.model.currentText()
        while self.model.count() > 1:
            self.model.removeItem(1)
        for name in names:
            self.model.addItem(name, name)
        self.model.setCurrentText(current)

    # -- editing -----------------------------------------------------------------------------

    def _form_entry(self) -> dict[str, Any] | None:
        name = self.name.text().strip()
        if not name:
            return None
        model = self.model.currentText().strip()
        if self.model.currentIndex() == 0 and model == self.model.itemText(0):
            model = PROVIDER_MODEL
        return {
            "name": name,
            "kind": self.kind.currentData(),
            "description": self.description.text().strip(),
            "instruction": self.instruction.toPlainText(),
            "model": model,
            "tools": checked(self.tools),
            "sub_agents": checked(self.sub_agents),
            "max_iterations": self.max_iterations.value(),
        }

    def _save(self) -> None:
        entry = self._form_entry()
        if entry is None:
            self.name.setFocus()
            return
        names = [a["name"] for a in self._agents]
        agents = [dict(a) for a in self._agents]
        if entry["name"] in names:
            agents[names.index(entry["name"])] = entry
        else:
            agents.append(entry)
        self.agents_changed.emit(agents)

    def _remove(self) -> None:
        row = self.agents.currentRow()
        if 0 <= row < len(self._agents):
            self.agents_changed.emit(self._agents[:row] + self._agents[row + 1 :])
            self._clear()

    def _clear(self) -> None:
        self.agents.setCurrentRow(-1)
        for field in (self.name, self.description):
            field.clear()
        self.instruction.clear()
        self.kind.setCurrentIndex(0)
        self.model.setCurrentIndex(0)
        self.max_iterations.setValue(3)
        fill_checklist(self.tools, self._tools, set(), self._tool_labels)
        self._refresh_sub_agent_choices(set())

    def _show_agent(self, row: int) -> None:
        if not 0 <= row < len(self._agents):
            return
        agent = self._agents[row]
        self.name.setText(agent["name"])
        self.kind.setCurrentIndex(max(0, self.kind.findData(agent.get("kind", "llm"))))
        self.description.setText(agent.get("description", ""))
        self.instruction.setPlainText(agent.get("instruction", ""))
        model = agent.get("model", "")
        if model:
            self.model.setCurrentText(model)
        else:
            self.model.setCurrentIndex(0)
        self.max_iterations.setValue(int(agent.get("max_iterations", 3)))
        tools = list(agent.get("tools", []))
        # A tool of an MCP server that is offline now still shows (and stays ticked).
        fill_checklist(
            self.tools,
            self._tools + [t for t in tools if t not in self._tools],
            set(tools),
            self._tool_labels,
        )
        self._refresh_sub_agent_choices(set(agent.get("sub_agents", [])))

    def _refresh_sub_agent_choices(self, ticked: set[str]) -> None:
        own = self.name.text().strip()
        names = [a["name"] for a in self._agents if a["name"] != own]
        fill_checklist(self.sub_agents, names, ticked)

    def _show_kind_fields(self) -> None:
        """A workflow has no instruction, model or tools of its own; only a cycle has rounds."""
        kind = self.kind.currentData()
        for field in (self.instruction, self.model, self.tools):
            self._form.setRowVisible(field, kind == "llm")
        self._form.setRowVisible(self.max_iterations, kind == "cycle")
        label = self._form.labelForField(self.sub_agents)
        if isinstance(label, QLabel):
            label.setText("Hands over to" if kind == "llm" else "Steps (list order)")
