"""Every message action from the keyboard: the context menu of the selected message (Menu key,
Shift+F10, or a right click), with the same actions the message's links offer, and Inspect."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QListView, QMenu, QWidget

from threadline.app.timeline import ChatItem
from threadline.ui.chat.model import ITEM_ROLE


def actions_for(item: ChatItem) -> list[tuple[str, str]]:
    """(label, action) pairs for ``item``, in the order its links show them."""
    found: list[tuple[str, str]] = [("Copy", "copy")]
    if item.kind == "user" and item.event_id:
        found += [("Edit", "edit"), ("Branch from here", "branch")]
    if item.kind == "assistant":
        if item.event_id:
            found += [("Branch from here", "branch"), ("Regenerate", "regen")]
        if item.status == "interrupted":
            found.append(("Continue", "continue"))
        found.append(("Inspect the request", "inspect"))
    if item.kind == "approval" and item.status == "pending":
        found = [("Approve", "approve"), ("Deny", "deny"), ("Edit arguments", "edit-args")]
    if item.kind == "error":
        found.append(("Retry", "retry"))
    return found


def show_message_menu(
    view: QListView, at: QPoint, run: Callable[[ChatItem, str], None], parent: QWidget
) -> QMenu | None:
    """Opens the menu of the message at ``at`` (viewport coordinates), or of the current one
    when nothing is under it (the keyboard); returns the menu, or None for no message."""
    index = view.indexAt(at)
    if not index.isValid():
        index = view.currentIndex()
        if not index.isValid():
            return None
        at = view.visualRect(index).center()
    item: ChatItem = index.data(ITEM_ROLE)
    menu = QMenu(parent)
    menu.setObjectName("messageMenu")
    for label, action in actions_for(item):
        chosen = menu.addAction(label)
        chosen.triggered.connect(lambda _=False, a=action: run(item, a))
    menu.popup(view.viewport().mapToGlobal(at))
    return menu
