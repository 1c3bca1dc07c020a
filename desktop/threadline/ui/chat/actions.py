"""What a message's actions do: branch, regenerate, retry, and the approval card's decisions."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from threadline.app.timeline import ChatItem
    from threadline.ui.chat.controller import ChatController
    from threadline.ui.chat.model import ChatModel
    from threadline.ui.inspector.panel import Inspector
    from threadline.ui.settings.panel import SettingsPanel


class MessageActions(QObject):
    """Carries out the actions the chat and the inspector offer on a message or a tool call."""

    def __init__(
        self,
        *,
        runs: ChatController,
        chat_model: ChatModel,
        inspector: Inspector,
        settings_panel: SettingsPanel,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self.runs = runs
        self.chat_model = chat_model
        self.inspector = inspector
        self.settings_panel = settings_panel
        self.window = window

    def on_item_action(self, action: str, item: ChatItem) -> None:
        """Does what ``action`` (branch, regen, retry, continue, approve, deny, always,
        edit-args, thinking) asks."""
        c = self.runs
        if action == "thinking":  # opens or closes the "Thought for N s" block
            item.data["thinking_open"] = not item.data.get("thinking_open", False)
            self.chat_model.update_item(item)
        elif action == "branch" and item.event_id:
            c.branch_from(item.event_id)
        elif action == "regen" and item.event_id:
            c.regenerate(item.event_id)
        elif action == "retry":
            c.retry()
        elif action == "continue":
            c.continue_reply()
        elif action == "inspect":  # the inspector opens on the request behind this reply
            getattr(self.window, "panels").show_inspector()  # noqa: B009 - the main window's
            self.inspector.inspect_reply(item.event_id)
        elif action in ("approve", "deny"):
            self._mark(item, "approved" if action == "approve" else "denied")
            c.decide(item.call_id, action == "approve")
        elif action == "always":
            self._mark(item, "approved (always allowed)")
            c.always_allow(item.call_id, str(item.data.get("name", "")))
            self.settings_panel.load(c.settings)
        elif action == "edit-args":
            from threadline.ui.chat.edit_arguments import EditArgumentsDialog

            dialog = EditArgumentsDialog(
                str(item.data.get("name", "")),
                str(item.data.get("arguments", "{}")),
                lambda args: self._approve_edited(item, args),
                self.window,
            )
            dialog.open()

    def _approve_edited(self, item: ChatItem, arguments: dict[str, Any]) -> None:
        item.data["arguments"] = json.dumps(arguments)
        self._mark(item, "approved with edited arguments")
        self.runs.decide(item.call_id, True, arguments)

    def _mark(self, item: ChatItem, status: str) -> None:
        item.status = status
        self.chat_model.update_item(item)
        self.inspector.mark_decided(item.call_id, status)

    def decide_from_inspector(self, call_id: str, approved: bool) -> None:
        """An approval decided in the inspector: the chat's card shows it too."""
        for item in self.chat_model.items():
            if item.kind == "approval" and item.call_id == call_id:
                item.status = "approved" if approved else "denied"
                self.chat_model.update_item(item)
        self.runs.decide(call_id, approved)
