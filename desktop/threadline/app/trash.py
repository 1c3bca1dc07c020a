"""The trash as a person sees it: a conversation goes there with its branches, and comes back
with them.

The store trashes one session at a time (``DesktopStore.delete_session``). Trashing only the
conversation left its branches in the sidebar, the first of them (which has the same title)
taking its place, so that it looked as if nothing had happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from threadline.app.conversations import APP_NAME, USER_ID

if TYPE_CHECKING:
    from threadline.sessions import DesktopStore


@dataclass(frozen=True)
class TrashedConversation:
    """A conversation in the trash: its id, title and the ids of its branches trashed with it."""

    id: str
    title: str
    branches: tuple[str, ...]
    updated_at: float

    @property
    def ids(self) -> tuple[str, ...]:
        """The conversation and its branches."""
        return (self.id, *self.branches)


async def trash_with_branches(store: DesktopStore, session_id: str) -> list[str]:
    """Moves ``session_id`` and every branch under it to the trash; the ids, the root first."""
    children: dict[str | None, list[str]] = {}
    for row in await store.list_tree(APP_NAME, USER_ID):
        children.setdefault(row.parent_id, []).append(row.id)
    ids = _below(session_id, children)
    for sid in reversed(ids):  # branches first: the sidebar never shows an orphan
        await store.delete_session(APP_NAME, USER_ID, sid)
    return ids


async def restore_all(store: DesktopStore, ids: Sequence[str]) -> None:
    """Takes the sessions ``ids`` out of the trash, the root first."""
    for sid in ids:
        await store.restore_session(APP_NAME, USER_ID, sid)


async def trashed_conversations(store: DesktopStore) -> list[TrashedConversation]:
    """What the trash holds, one entry per conversation (its trashed branches inside it), the
    most recently trashed first."""
    trashed = await store.list_trash(APP_NAME, USER_ID)
    inside = {s.id for s in trashed}
    children: dict[str | None, list[str]] = {}
    for session in trashed:
        children.setdefault(session.parent_id, []).append(session.id)
    found: list[TrashedConversation] = []
    for session in trashed:
        if session.parent_id in inside:  # listed with the conversation it belongs to
            continue
        below = _below(session.id, children)
        found.append(
            TrashedConversation(session.id, session.title, tuple(below[1:]), session.updated_at)
        )
    return found


async def trashed_with(store: DesktopStore, session_id: str) -> tuple[str, ...]:
    """``session_id`` and the branches that went to the trash with it (itself alone when it
    is not a conversation the trash lists)."""
    for conversation in await trashed_conversations(store):
        if conversation.id == session_id:
            return conversation.ids
    return (session_id,)


async def empty(store: DesktopStore) -> int:
    """Deletes everything in the trash for good; how many sessions left it."""
    return await store.empty_trash(APP_NAME, USER_ID)


def _below(root: str, children: dict[str | None, list[str]]) -> list[str]:
    ids: list[str] = []
    stack = [root]
    while stack:
        sid = stack.pop()
        ids.append(sid)
        stack.extend(children.get(sid, []))
    return ids
