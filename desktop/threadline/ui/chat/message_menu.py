"""Every message action from the keyboard: the context menu of the selected message (Menu key,
Shift+F10, or a right click), with the same actions the message's links offer, and Inspect.

Each entry has a mnemonic (the underlined letter chooses it while the menu is open) and shows
the key that does the same with the message selected (``message_keys``)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QListView, QMenu, QWidget

from threadline.app.timeline import ChatItem
from threadline.ui.chat.model import ITEM_ROLE


def actions_for(item: ChatItem) -> list[tuple[str, str]]:
    """(label, action) pairs for ``item``, in the order its links show them; the label's
    ``&`` marks its mnemonic."""
    found: list[tuple[str, str]] = [("&Copy", "copy")]
    if item.kind == "user" and item.event_id:
        found += [("&Edit", "edit"), ("&Branch from here", "branch")]
    if item.kind == "assistant":
        if item.event_id:
            found += [("&Branch from here", "branch"), ("&Regenerate", "regen")]
        if item.status == "interrupted":
            found.append(("Co&ntinue", "continue"))
        found.append(("&Inspect the request", "inspect"))
    if item.kind == "approval" and item.status == "pending":
        found = [("&Approve", "approve"), ("&Deny", "deny"), ("&Edit arguments", "edit-args")]
    if item.kind == "error":
        found.append(("&Retry", "retry"))
    return found


def show_message_menu(
    view: QListView, at: QPoint, run: Callable[[ChatItem, str], None], parent: QWidget
) -> QMenu | None:
    """Opens the menu of the message at ``at`` (viewport coordinates), or of the current one
    when nothing is under it (the keyboard); returns the menu, or None for no message.

    The message becomes the current one, so its keys (``message_keys``) act on it after."""
    from threadline.ui.chat.message_keys import follow_menu, installed, key_for

    index = view.indexAt(at)
    if not index.isValid():
        index = view.currentIndex()
        if not index.isValid():
            return None
        at = view.visualRect(index).center()
    elif index != view.currentIndex():
        view.setCurrentIndex(index)
    item: ChatItem = index.data(ITEM_ROLE)
    for old in parent.findChildren(QMenu, "messageMenu", Qt.FindChildOption.FindDirectChildrenOnly):
        old.deleteLater()  # menus opened before (not on closing: its actions may still run)
    menu = QMenu(parent)
    menu.setObjectName("messageMenu")
    menu.setAccessibleName(f"Actions for the {_kind(item)}")
    for label, action in actions_for(item):
        chosen = menu.addAction(label)
        keys = key_for(action)
        if keys:  # shown beside the entry; the list's own action does the work
            chosen.setShortcut(QKeySequence(keys))
            chosen.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        chosen.triggered.connect(lambda _=False, a=action: run(item, a))
    follow_menu(installed(view), menu)
    menu.popup(view.viewport().mapToGlobal(at))
    return menu


def _kind(item: ChatItem) -> str:
    return {
        "user": "message",
        "assistant": "reply",
        "approval": "tool call",
        "error": "error",
    }.get(item.kind, "entry")
