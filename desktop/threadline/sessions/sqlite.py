"""``SQLiteSessionService``: every session in one local SQLite file (WAL, append-only events).

All SQL runs on one worker thread that owns the connection, so the event loop never waits on
the disk; that plumbing (opening, guarding, recovery, indexing, the cache of loaded sessions)
is ``SQLiteFile`` in sessions/sqlite_file.py, the reads for views are the ``StoreViews`` mixin
(sessions/views.py), and this module holds the session operations. Each write is one short
transaction; appends that arrive together share one (group commit, sessions/appends.py) and WAL
checkpoints run beside them (sessions/checkpoints.py). A branch is one row pointing at its
parent and fork event: its history is the parent's rows up to the fork plus its own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from threadline.core.errors import StorageError
from threadline.core.event_log import EventLog
from threadline.core.events import Event, new_id
from threadline.core.session import Session, split_state
from threadline.core.titles import title_from_event
from threadline.sessions import trash
from threadline.sessions.branches import branch_of_loaded, insert_branch
from threadline.sessions.queries import (
    event_row,
    execute,
    find_in_lineage,
    in_tx,
    load_session,
    merge_scoped,
    session_copy,
    session_list,
    session_meta,
)
from threadline.sessions.sqlite_file import SQLiteFile
from threadline.sessions.views import StoreViews
from threadline.sessions.writes import PendingAppend, insert_session

if TYPE_CHECKING:
    from threadline.sessions.bulk import SessionPlan

TOUCH_INTERVAL = 1.0  # seconds between updated_at refreshes of one session while it streams


# SQLiteFile first: its ``_call`` (the worker) stands for the one StoreViews declares.
class SQLiteSessionService(SQLiteFile, StoreViews):
    """Implements ``SessionService`` on one SQLite file. Call ``close()`` when done.

    Raises ``StorageError`` (or its subclasses) with a message naming the file when the file is
    read-only, locked, corrupt (moved aside and kept), or from a newer version.
    """

    def __init__(
        self, path: str | Path, *, exclusive: bool = False, event_limit: int | None = None
    ) -> None:
        if event_limit is not None and event_limit < 0:
            raise ValueError("event_limit must be a count of events (0 or more)")
        # The newest N events of a history are what get_session returns (the model's view);
        # nothing is deleted, views (load_rows) and forks still reach every event.
        self.event_limit = event_limit
        self._touched: dict[str, float] = {}
        self._loading: dict[tuple[str, str, str], asyncio.Future[Session | None]] = {}
        super().__init__(path, exclusive=exclusive)

    # -- SessionService ------------------------------------------------------------------

    async def create_session(
        self,
        app_name: str,
        user_id: str,
        session_id: str | None = None,
        state: dict[str, Any] | None = None,
    ) -> Session:
        sid = session_id or new_id()
        scoped = split_state(state or {})
        now = time.time()
        await self._call(lambda db: insert_session(db, app_name, user_id, sid, scoped, now))
        session = await self.get_session(app_name, user_id, sid)
        assert session is not None
        return session

    async def get_session(self, app_name: str, user_id: str, session_id: str) -> Session | None:
        if self._cache:
            await self._drop_cache_if_written_elsewhere()
        key = (app_name, user_id, session_id)
        cached = self._cache.get(key)
        if cached is None:
            # One read however many ask meanwhile (the window reading ahead while a message is
            # sent); none of them cancels it for the others.
            loading = self._loading.get(key)
            if loading is None:
                loading = asyncio.ensure_future(self._load(key))
                loading.add_done_callback(lambda t: t.cancelled() or t.exception())
                self._loading[key] = loading
            cached = await asyncio.shield(loading)
            if cached is None:
                return None
        else:
            self._cache.move_to_end(key)
        session = session_copy(cached)
        if self.event_limit is not None and len(session.events) > self.event_limit:
            session.events = session.events[-self.event_limit :] if self.event_limit else EventLog()
        return session

    async def _load(self, key: tuple[str, str, str]) -> Session | None:
        app_name, user_id, session_id = key
        limit = self.event_limit
        try:
            loaded = await self._call(
                lambda db: load_session(db, app_name, user_id, session_id, limit, self._bodies)
            )
        finally:
            self._loading.pop(key, None)
        if loaded is not None:
            self._remember(loaded)
        return loaded

    async def list_sessions(self, app_name: str, user_id: str) -> list[Session]:
        return await self._call(lambda db: session_list(db, app_name, user_id))

    async def delete_session(self, app_name: str, user_id: str, session_id: str) -> None:
        """Moves the session to the trash (``restore_session`` undoes it)."""
        self._cache.pop((app_name, user_id, session_id), None)
        await self._call(lambda db: trash.move_to_trash(db, app_name, user_id, session_id))

    async def append_event(self, session: Session, event: Event) -> Event:
        if event.partial:
            return event
        delta = event.actions.state_delta
        scoped = split_state(delta) if delta else ({}, {}, {})
        app, user, _own = scoped
        title = title_from_event(session.title, event)
        row, found = event_row(session.id, event)  # image and file bytes go once into ``blobs``
        now = time.time()
        # updated_at only orders the sidebar: refreshing it once a second per session is
        # enough, and skipping the UPDATE keeps an append to one INSERT.
        touch = title is not None or now - self._touched.get(session.id, 0.0) > TOUCH_INTERVAL
        if touch:
            self._touched[session.id] = now
        if self._worker.is_closed:
            raise StorageError(f"{self.path} is closed", path=str(self.path))
        await self._appends.append(PendingAppend(session, row, found, scoped, title, touch, now))
        self._schedule_indexing()
        if app or user:
            self._cache.clear()  # other sessions' merged view changed
        cached = self._cache.get((session.app_name, session.user_id, session.id))
        targets = (session,) if cached is None or cached is session else (session, cached)
        kept = {k: v for k, v in delta.items() if not k.startswith("temp:")} if delta else None
        for target in targets:
            target.events.append(event)
            if kept:
                target.state.update(kept)
            target.updated_at = now
            if title:
                target.title = title
        return event

    async def import_session(
        self,
        app_name: str,
        user_id: str,
        *,
        state: dict[str, Any],
        title: str,
        events: list[Event],
    ) -> Session:
        """A new session holding ``events``, written in one transaction: all or nothing.

        The events' state deltas are not replayed (``state`` is the state to restore).
        Raises ``StorageError`` when the file cannot take it (nothing is then written).
        """
        from threadline.sessions.bulk import prepare_session, write_session

        _app, _user, own = split_state(state)
        prepared = prepare_session(new_id(), title, own, events)
        await self._call(lambda db: write_session(db, app_name, user_id, prepared))
        self._schedule_indexing()
        session = await self.get_session(app_name, user_id, prepared.id)
        assert session is not None
        return session

    async def import_sessions(
        self, app_name: str, user_id: str, plans: Sequence[SessionPlan]
    ) -> list[str]:
        """New sessions and branches (``sessions.bulk.SessionPlan``) in one transaction.

        Returns their ids in plan order. Raises ``StorageError`` when the file cannot take
        them; nothing is then written.
        """
        from threadline.sessions.bulk import prepare, write_plans

        prepared = await asyncio.to_thread(prepare, plans)  # every event's JSON: off the loop
        ids = await self._call(lambda db: write_plans(db, app_name, user_id, prepared))
        self._schedule_indexing()
        return ids

    async def update_app_state(self, app_name: str, delta: dict[str, Any]) -> None:
        await self._call(lambda db: in_tx(db, lambda: merge_scoped(db, app_name, None, delta, {})))
        self._cache.clear()

    async def update_user_state(self, app_name: str, user_id: str, delta: dict[str, Any]) -> None:
        await self._call(
            lambda db: in_tx(db, lambda: merge_scoped(db, app_name, user_id, {}, delta))
        )
        self._cache.clear()

    async def fork_session(
        self, app_name: str, user_id: str, session_id: str, at_event_id: str
    ) -> Session:
        source = self._cache.get((app_name, user_id, session_id))
        branch = await self.branch(app_name, user_id, session_id, at_event_id)
        loaded = branch_of_loaded(source, session_id, at_event_id, branch.id, branch.created_at)
        if loaded is not None:
            # The source is in memory: the branch's history is a slice of it, no reload.
            self._remember(loaded)
            return session_copy(loaded)
        session = await self.get_session(app_name, user_id, branch.id)
        assert session is not None
        return session

    # -- beyond the protocol -------------------------------------------------------------

    async def rename_session(
        self, app_name: str, user_id: str, session_id: str, title: str
    ) -> None:
        """Sets a session's title (one line: runs of whitespace and newlines become a space)."""
        title = " ".join(title.split())
        await self._call(
            lambda db: execute(
                db,
                "UPDATE sessions SET title = ? WHERE id = ? AND app_name = ? AND user_id = ?",
                (title, session_id, app_name, user_id),
            )
        )
        cached = self._cache.get((app_name, user_id, session_id))
        if cached is not None:
            cached.title = title

    async def get_meta(self, app_name: str, user_id: str, session_id: str) -> Session | None:
        """The session without its events (cheap whatever its length), or None."""
        return await self._call(lambda db: session_meta(db, app_name, user_id, session_id))

    async def branch(
        self, app_name: str, user_id: str, session_id: str, at_event_id: str
    ) -> Session:
        """``fork_session`` without reading any history: the new branch without its events
        (what the window needs), O(1) whatever the length of the source.

        Raises ``KeyError`` when the session or the event is not found.
        """
        sid = new_id()
        now = time.time()
        await self._call(
            lambda db: insert_branch(db, app_name, user_id, session_id, at_event_id, sid, now)
        )
        meta = await self.get_meta(app_name, user_id, sid)
        assert meta is not None
        return meta

    async def event_seq(self, session_id: str, event_id: str) -> int | None:
        """Where ``event_id`` is in the session's history (its row's seq), or None."""
        return await self._call(lambda db: find_in_lineage(db, session_id, event_id))
