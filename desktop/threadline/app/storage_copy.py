""" "Copy my conversations to the server": a one-way copy of this computer's conversations
(and branches, as branches) to another store, keeping their ids, so a second run finds them
there and copies only what is new. Each conversation lands in one transaction of its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from threadline.app.conversations import APP_NAME, USER_ID
from threadline.app.early import PINNED_KEY
from threadline.app.instructions import HISTORY_SETTING
from threadline.app.teams import SPECS_SETTING
from threadline.core.event_log import EventLog, position
from threadline.core.session import split_state
from threadline.sessions.bulk import SessionPlan

if TYPE_CHECKING:
    from threadline.core.events import Event
    from threadline.core.session import Session
    from threadline.sessions import DesktopStore, TreeRow

# Settings kept with the conversations that go along when the server has none yet: the
# agents (app.teams), the instruction's history (app.instructions), pinned conversations.
COPIED_SETTINGS = (SPECS_SETTING, HISTORY_SETTING, PINNED_KEY)

Progress = Callable[[int, int], None]  # (conversations done, all of them)


@dataclass(frozen=True)
class CopyResult:
    """What a copy did: conversations and branches copied, and those already there."""

    copied: int
    already_there: int

    @property
    def message(self) -> str:
        def count(n: int) -> str:
            return f"{n} conversation{'' if n == 1 else 's'}"

        line = f"Copied {count(self.copied)} to the server."
        if self.already_there:
            line += f" {count(self.already_there)} already there were left as they are."
        return line


async def copy_conversations(
    source: DesktopStore, target: DesktopStore, progress: Progress | None = None
) -> CopyResult:
    """Copies every live conversation of ``source`` missing from ``target`` (parents before
    their branches); conversations already there (in its trash too) are left untouched.

    Raises ``StorageError`` when either store fails; what was copied before stays.
    """
    rows = await source.list_tree(APP_NAME, USER_ID)
    there = {row.id for row in await target.list_tree(APP_NAME, USER_ID)}
    there |= {session.id for session in await target.list_trash(APP_NAME, USER_ID)}
    ordered = _parents_first(rows)
    copied = skipped = 0
    for done, row in enumerate(ordered, start=1):
        if row.id in there:
            skipped += 1
        elif await _copy_one(source, target, row, there):
            there.add(row.id)
            copied += 1
        if progress is not None:
            progress(done, len(ordered))
    for key in COPIED_SETTINGS:
        value = await source.get_setting(key)
        if value is not None and await target.get_setting(key) is None:
            await target.set_setting(key, value)
    return CopyResult(copied, skipped)


def _parents_first(rows: list[TreeRow]) -> list[TreeRow]:
    by_id = {row.id: row for row in rows}
    ordered: list[TreeRow] = []
    placed: set[str] = set()

    def place(row: TreeRow) -> None:
        if row.id in placed:
            return
        placed.add(row.id)
        parent = by_id.get(row.parent_id) if row.parent_id else None
        if parent is not None:
            place(parent)
        ordered.append(row)

    for row in sorted(rows, key=lambda r: r.updated_at):
        place(row)
    return ordered


async def _copy_one(
    source: DesktopStore, target: DesktopStore, row: TreeRow, there: set[str]
) -> bool:
    session = await source.get_session(APP_NAME, USER_ID, row.id)
    if session is None:  # gone meanwhile
        return False
    own_state = split_state(session.state)[2]
    # Every event read back on a thread, not on the event loop (core.event_log).
    session.events = EventLog(await asyncio.to_thread(list, session.events))
    own = _own_events(session)
    if row.parent_id in there and own is not None:
        branch = _plan(session, own, own_state)
        branch.parent_id, branch.fork_event_id = row.parent_id, session.fork_event_id or ""
        try:
            await target.import_sessions(APP_NAME, USER_ID, [branch])
            return True
        except KeyError:  # the server's copy of the parent lacks the fork point: copy whole
            pass
    await target.import_sessions(APP_NAME, USER_ID, [_plan(session, session.events, own_state)])
    return True


def _own_events(session: Session) -> Sequence[Event] | None:
    """A branch's own events (after the fork point), or None when it is not a branch."""
    if session.parent_id is None:
        return None
    if not session.fork_event_id:
        return list(session.events)  # forked before the first event: inherits nothing
    found = position(session.events, session.fork_event_id)
    return None if found is None else session.events[found + 1 :]


def _plan(session: Session, events: Sequence[Event], state: dict[str, object]) -> SessionPlan:
    return SessionPlan(
        title=session.title,
        events=list(events),
        created_at=session.created_at,
        updated_at=session.updated_at,
        state=dict(state),
        id=session.id,
    )
