"""The open conversation's choices, above the composer: the model it asks for, the team that
answers, its own instruction, and whether it may draw on past conversations."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from threadline.ui.common.widgets import named

DEFAULT_MODEL_LABEL = "Provider's model"


class ChoicesBar(QWidget):
    """The pickers and toggles; the chat panel connects them to its signals."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.team_picker = named(QComboBox(), "teamPicker")
        self.team_picker.setAccessibleName("Team answering in this conversation")
        self.team_picker.setToolTip(
            "Who answers here: the assistant, or a team from Settings → Agents"
        )
        self.team_picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.team_picker.addItem("assistant")
        self.active_agent = named(QLabel(), "activeAgent")
        self.active_agent.setStyleSheet("color: gray")
        self.active_agent.hide()
        self.model_picker = named(QComboBox(), "modelPicker")
        self.model_picker.setEditable(True)  # type to search the server's models, or any name
        self.model_picker.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model_picker.setAccessibleName("Model for this conversation")
        self.model_picker.setToolTip("The model this conversation asks for (the server's list)")
        self.model_picker.setMinimumContentsLength(22)
        self.model_picker.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.model_picker.addItem(DEFAULT_MODEL_LABEL, "")
        line = self.model_picker.lineEdit()
        if line is not None:  # the editable part is a text field of its own to screen readers
            line.setAccessibleName("Model for this conversation")
        completer = self.model_picker.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(completer.CompletionMode.PopupCompletion)
        self.instruction_button = named(QPushButton("Instruction: default"), "instructionButton")
        self.instruction_button.setToolTip("This conversation's own system instruction")
        self.instruction_button.setFlat(True)
        team_row = QHBoxLayout(self)
        team_row.setContentsMargins(0, 0, 0, 0)
        # Buddies: on Linux a combo box's accessible name is its value; screen readers find
        # what it is for through its label (the labelled-by relation Qt makes from a buddy).
        model_label = QLabel("&Model")
        model_label.setBuddy(self.model_picker)
        team_label = QLabel("&Team")
        team_label.setBuddy(self.team_picker)
        team_row.addWidget(model_label)
        team_row.addWidget(self.model_picker)
        team_row.addWidget(team_label)
        team_row.addWidget(self.team_picker)
        team_row.addWidget(self.active_agent)
        team_row.addStretch(1)
        team_row.addWidget(self.instruction_button)
        self.memory_button = named(QPushButton("Memory"), "memoryToggle")
        self.memory_button.setCheckable(True)
        self.memory_button.setChecked(True)
        self.memory_button.setFlat(True)
        self.memory_button.setToolTip("Let this conversation draw on past ones")
        self.memory_button.hide()  # shown while memory is on in Settings
        team_row.addWidget(self.memory_button)

    def set_teams(self, teams: list[tuple[str, str]]) -> None:
        """The teams a conversation can pick, as (name, description) pairs; the current choice
        stays when it still exists."""
        current = self.team_picker.currentText()
        self.team_picker.clear()
        for row, (name, description) in enumerate(teams):
            self.team_picker.addItem(name)
            self.team_picker.setItemData(row, description, Qt.ItemDataRole.ToolTipRole)
        self.show_team(current)

    def set_provider_model(self, name: str) -> None:
        """Names the model the provider's settings ask for in the first entry ("Default
        (gpt-4o)"), so the picker says what a conversation without its own gets."""
        self._provider_model = name
        self.model_picker.setItemText(0, self._default_label())
        line = self.model_picker.lineEdit()
        if line is not None:  # a long name shows from its start, not its end
            line.setCursorPosition(0)

    def _default_label(self) -> str:
        name = getattr(self, "_provider_model", "")
        return f"Default ({name})" if name else DEFAULT_MODEL_LABEL

    def set_models(self, models: list[str]) -> None:
        """The models the server offers; the current choice stays."""
        current = self.current_model()
        self.model_picker.clear()
        self.model_picker.addItem(self._default_label(), "")
        for name in sorted(models):
            self.model_picker.addItem(name, name)
        self.show_model(current)

    def show_model(self, name: str) -> None:
        """Shows the model this conversation asks for ("" = the provider's)."""
        if not name:
            self.model_picker.setCurrentIndex(0)
            return
        if self.model_picker.findData(name) < 0:
            self.model_picker.addItem(name, name)
        self.model_picker.setCurrentIndex(self.model_picker.findData(name))

    def current_model(self) -> str:
        """The model picked ("" = the provider's)."""
        text = self.model_picker.currentText().strip()
        return "" if text in ("", DEFAULT_MODEL_LABEL, self._default_label()) else text

    def show_instruction(self, own: str | None) -> None:
        """Says whether the open conversation has its own instruction."""
        self.instruction_button.setText(
            "Instruction: this conversation's" if own is not None else "Instruction: default"
        )

    def show_memory(self, available: bool, on: bool) -> None:
        """The memory toggle: shown when Settings turns memory on; checked when this
        conversation may draw on past ones."""
        self.memory_button.setVisible(available)
        self.memory_button.blockSignals(True)
        self.memory_button.setChecked(on)
        self.memory_button.blockSignals(False)
        self.memory_button.setText("Memory: on" if on else "Memory: off")

    def show_team(self, name: str) -> None:
        """Shows which team answers here (one that no longer exists is shown all the same)."""
        if self.team_picker.findText(name) < 0:
            self.team_picker.addItem(name)
        self.team_picker.setCurrentText(name)

    def show_active_agent(self, name: str | None) -> None:
        """Says which member of the team has the conversation (after a transfer)."""
        is_other = bool(name) and name != self.team_picker.currentText()
        self.active_agent.setText(f"· {name} has the conversation" if is_other else "")
        self.active_agent.setVisible(is_other)
