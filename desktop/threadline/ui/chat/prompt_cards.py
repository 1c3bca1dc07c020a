"""MCP servers' questions in the chat: elicitation forms and sampling requests, answered there."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QListView, QMessageBox, QWidget

from threadline.ui.chat.elicitation_form import ElicitationForm

if TYPE_CHECKING:
    from threadline.app.mcp_prompts import McpPrompts, Prompt
    from threadline.app.timeline import ChatItem
    from threadline.ui.chat.model import ChatModel


class PromptCards(QObject):
    """Shows each prompt of the open conversation where its tool call is; passes answers back.

    A pending form is a real widget in its row (``ElicitationForm``); an address to open and a
    sampling request are rich-text cards whose links come here through ``on_item_action``.
    """

    def __init__(
        self,
        *,
        prompts: McpPrompts,
        chat_model: ChatModel,
        view: QListView,
        current_session: Callable[[], str | None],
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self.prompts = prompts
        self.chat_model = chat_model
        self.view = view
        self.window = window
        self._current = current_session
        self.confirm: QMessageBox | None = None  # the open "open this address?" question
        prompts.listeners.append(self._on_prompt)
        chat_model.rowsInserted.connect(self._rows_inserted)
        chat_model.modelReset.connect(lambda: self._rows_inserted(QModelIndex(), 0, -1))

    def detach(self) -> None:
        """Stops listening (the window closes)."""
        if self._on_prompt in self.prompts.listeners:
            self.prompts.listeners.remove(self._on_prompt)

    # -- prompts -> chat ---------------------------------------------------------------------

    def _on_prompt(self, prompt: Prompt) -> None:
        if prompt.session_id != self._current():
            return  # shown when that conversation is opened (``show_session``)
        item = prompt.item
        if not self.chat_model.contains(item):
            if prompt.is_pending:
                self.chat_model.insert_after_call(item)
            return
        if not prompt.is_pending:
            self._drop_form(item)
        self.chat_model.update_item(item)

    def show_session(self, session_id: str | None) -> None:
        """A conversation was opened: its questions still waiting come back."""
        for prompt in self.prompts.pending(session_id or ""):
            if not self.chat_model.contains(prompt.item):
                self.chat_model.insert_after_call(prompt.item)

    def on_running(self, session_id: str, is_running: bool) -> None:
        """A reply ended: a question it still asked has nobody to go back to."""
        if not is_running:
            self.prompts.cancel_session(session_id)

    # -- forms as widgets --------------------------------------------------------------------

    def _rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if last < 0:
            first, last = 0, self.chat_model.rowCount() - 1
        for row in range(first, last + 1):
            item = self.chat_model.item(row)
            if _is_pending_form(item):
                self._add_form(self.chat_model.index(row), item)

    def _add_form(self, index: QModelIndex, item: ChatItem) -> None:
        if self.view.indexWidget(index) is not None:
            return
        form = ElicitationForm(item)
        form.answered.connect(lambda action, values: self._answered(form, action, values))
        self.view.setIndexWidget(index, form)
        self.view.itemDelegate().sizeHintChanged.emit(index)

    def form_for(self, item: ChatItem) -> ElicitationForm | None:
        """The form widget shown for ``item``, if any."""
        row = self._row(item)
        widget = self.view.indexWidget(self.chat_model.index(row)) if row >= 0 else None
        return widget if isinstance(widget, ElicitationForm) else None

    def _drop_form(self, item: ChatItem) -> None:
        form = self.form_for(item)
        if form is not None:
            index = self.chat_model.index(self._row(item))
            self.view.setIndexWidget(index, None)  # type: ignore[arg-type]  # Qt deletes it
            self.view.itemDelegate().sizeHintChanged.emit(index)

    def _row(self, item: ChatItem) -> int:
        for row in range(self.chat_model.rowCount() - 1, -1, -1):
            if self.chat_model.item(row) is item:
                return row
        return -1

    def _answered(self, form: ElicitationForm, action: str, values: dict[str, Any]) -> None:
        prompt_id = str(form.item.data.get("prompt_id", ""))
        if action == "accept":
            problem = self.prompts.answer_form(prompt_id, values)
            form.show_error(problem)
            if problem:
                self.view.itemDelegate().sizeHintChanged.emit(
                    self.chat_model.index(self._row(form.item))
                )
        elif action in ("decline", "cancel"):
            self.prompts.answer(prompt_id, "decline" if action == "decline" else "cancel")

    # -- card links --------------------------------------------------------------------------

    def on_item_action(self, action: str, item: ChatItem) -> None:
        """Open / Decline / Cancel an address, Approve / Deny a sampling request."""
        prompt_id = str(item.data.get("prompt_id", ""))
        if action == "elicit-open":
            self._confirm_open(prompt_id, str(item.data.get("url", "")))
        elif action == "elicit-decline":
            self.prompts.answer(prompt_id, "decline")
        elif action == "elicit-cancel":
            self.prompts.answer(prompt_id, "cancel")
        elif action in ("sample-approve", "sample-deny"):
            self.prompts.answer_sampling(prompt_id, approved=action == "sample-approve")

    def _confirm_open(self, prompt_id: str, url: str) -> None:
        # Not QMessageBox.question: no nested event loop under qasync (STYLE.md).
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Open address",
            f"Open this address in your browser?\n\n{url}",
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
            self.window,
        )
        box.setObjectName("confirmOpenUrl")

        def clicked(button: Any) -> None:
            if box.standardButton(button) == QMessageBox.StandardButton.Open:
                QDesktopServices.openUrl(QUrl(url))
                self.prompts.answer(prompt_id, "accept")

        box.buttonClicked.connect(clicked)
        box.open()
        self.confirm = box


def _is_pending_form(item: ChatItem) -> bool:
    return (
        item.kind == "elicitation" and item.status == "pending" and item.data.get("mode") != "url"
    )
