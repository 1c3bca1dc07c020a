"""The open conversation's Instruction and Memory buttons, tied to the controllers: the
instruction dialog, the per-conversation memory switch, and what they show on opening."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QWidget

if TYPE_CHECKING:
    from threadline.ui.chat.controller import ChatController
    from threadline.ui.chat.panel import ChatPanel
    from threadline.ui.settings.controller import SettingsController
    from threadline.ui.settings.panel import SettingsPanel


class ChoicesGlue:
    """Connects the buttons once; ``show`` sets them for an opened conversation."""

    def __init__(
        self,
        window: QWidget,
        chat: ChatPanel,
        runs: ChatController,
        settings: SettingsController,
        settings_panel: SettingsPanel,
    ) -> None:
        self.window, self.chat, self.runs = window, chat, runs
        self.settings, self.settings_panel = settings, settings_panel
        chat.instruction_button.clicked.connect(self.edit_instruction)
        settings_panel.memory_changed.connect(settings.set_memory)
        settings_panel.memory_changed.connect(
            lambda _on: self._show_memory(chat.memory_button.isChecked())
        )
        chat.memory_button.toggled.connect(self._conversation_memory)

    def show(self, instruction: str | None, memory: bool) -> None:
        """What an opened conversation chose."""
        self.chat.show_instruction(instruction)
        self._show_memory(memory)

    def edit_instruction(self) -> QDialog:
        """Opens the open conversation's own instruction for editing."""
        from threadline.ui.chat.instruction_dialog import ConversationInstructionDialog

        def apply(text: str | None) -> None:
            self.runs.set_conversation_instruction(text)
            self.chat.show_instruction(text)

        default = self.settings_panel.instruction.toPlainText()
        dialog = ConversationInstructionDialog(
            self.chat.own_instruction, default, apply, self.window
        )
        dialog.open()
        return dialog

    def _show_memory(self, on: bool) -> None:
        self.chat.show_memory(self.settings.settings.memory, on)

    def _conversation_memory(self, on: bool) -> None:
        self.runs.set_conversation_memory(on)
        self._show_memory(on)
