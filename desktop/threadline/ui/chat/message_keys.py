"""Every message action on a key while a message is selected in the chat: Ctrl+C copies,
E edits, B branches, R regenerates (or retries after an error), N continues a cut reply,
I inspects, A and D approve and deny a tool call; Shift+F10 or the Menu key open the message's
menu. Ctrl+Shift+C copies the latest reply from anywhere in the window, as ChatGPT does.

The keys are ``QAction``s on the chat's list (``WidgetShortcut``: they only act while the list
has the focus, so typing "b" in the composer stays a letter), which is also how the
Ctrl+/ table lists them. A key does what the message's own icon or menu entry does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence

from threadline.ui.chat.message_menu import actions_for
from threadline.ui.chat.model import ITEM_ROLE

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMenu, QWidget

    from threadline.app.timeline import ChatItem
    from threadline.ui.chat.panel import ChatPanel

SCOPE_PROPERTY = "shortcutScope"  # where a shortcut works, for the Ctrl+/ table
MESSAGE_SCOPE = "A message is selected"


class Binding(NamedTuple):
    """A key, what the shortcut list calls it, and the message actions it does (the first
    one the selected message offers)."""

    keys: str
    text: str
    actions: tuple[str, ...]


BINDINGS = (
    Binding("Ctrl+C", "Copy the message", ("copy",)),
    Binding("E", "Edit the message (or a tool call's arguments)", ("edit", "edit-args")),
    Binding("B", "Branch from the message", ("branch",)),
    Binding("R", "Regenerate the reply (or retry after an error)", ("regen", "retry")),
    Binding("N", "Continue a stopped reply", ("continue",)),
    Binding("I", "Inspect the reply's request", ("inspect",)),
    Binding("A", "Approve the tool call", ("approve",)),
    Binding("D", "Deny the tool call", ("deny",)),
)
MENU_KEYS = ("Shift+F10", "Menu")
COPY_LAST_KEYS = "Ctrl+Shift+C"


def key_for(action: str) -> str:
    """The key of a message action ("" for none): the message menu shows it beside the entry."""
    return next((b.keys for b in BINDINGS if action in b.actions), "")


class MessageKeys(QObject):
    """The message actions' shortcuts, installed on a chat panel (``MessageKeys(panel)``)."""

    def __init__(self, chat: ChatPanel, window: QWidget | None = None) -> None:
        super().__init__(chat.view)
        self.setObjectName("messageKeys")
        self.chat = chat
        self.view = chat.view
        self.actions: dict[str, QAction] = {}
        for binding in BINDINGS:
            self.actions[binding.keys] = self._on_view(
                binding.text, [binding.keys], lambda _=False, b=binding: self._run(b.actions)
            )
        self.open_menu = self._on_view(
            "Open the message's menu",
            list(MENU_KEYS),
            lambda: self.chat.message_menu(QPoint(-1, -1)),
        )
        owner = window if window is not None else chat
        self.copy_last = QAction("Copy the last reply", owner)
        self.copy_last.setObjectName("copyLastReply")
        self.copy_last.setShortcut(QKeySequence(COPY_LAST_KEYS))
        self.copy_last.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.copy_last.triggered.connect(self.copy_last_reply)
        owner.addAction(self.copy_last)

    def _on_view(self, text: str, keys: list[str], slot: object) -> QAction:
        action = QAction(text, self.view)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.setProperty(SCOPE_PROPERTY, MESSAGE_SCOPE)
        action.triggered.connect(slot)
        self.view.addAction(action)
        return action

    def set_enabled(self, enabled: bool) -> None:
        """Off while the message menu is open: its own letters (mnemonics) choose entries."""
        for action in [*self.actions.values(), self.open_menu]:
            action.setEnabled(enabled)

    def selected(self) -> ChatItem | None:
        """The message the keys act on: the list's current row."""
        index = self.view.currentIndex()
        return index.data(ITEM_ROLE) if index.isValid() else None

    def _run(self, wanted: tuple[str, ...]) -> None:
        item = self.selected()
        if item is None:
            return
        offered = {action for _, action in actions_for(item)}
        chosen = next((a for a in wanted if a in offered), None)
        if chosen is not None:
            run_action(self.chat, item, chosen)

    def copy_last_reply(self) -> str:
        """Copies the latest reply's text; returns it ("" when there is none yet)."""
        reply = next(
            (i for i in reversed(self.chat.model.items()) if i.kind == "assistant" and i.text),
            None,
        )
        if reply is None:
            return ""
        QGuiApplication.clipboard().setText(reply.text)
        self.chat.copied.emit("Last reply copied to the clipboard")
        return reply.text


def run_action(chat: ChatPanel, item: ChatItem, action: str) -> None:
    """Does what a message's ``action`` link does (``ChatPanel._on_link`` with ``act:``)."""
    if action == "copy":
        QGuiApplication.clipboard().setText(item.text)
        chat.copied.emit("Message copied to the clipboard")
    elif action == "edit":
        chat.begin_edit(item)
    else:
        chat.item_action.emit(action, item)


def installed(chat_view: QObject) -> MessageKeys | None:
    """The ``MessageKeys`` installed on a chat's list, if any."""
    found = chat_view.findChild(QObject, "messageKeys", Qt.FindChildOption.FindDirectChildrenOnly)
    return found if isinstance(found, MessageKeys) else None


def follow_menu(keys: MessageKeys | None, menu: QMenu) -> None:
    """While ``menu`` is open the single-letter keys rest (its mnemonics take the letters)."""
    if keys is None:
        return
    keys.set_enabled(False)
    menu.aboutToHide.connect(lambda: keys.set_enabled(True))
