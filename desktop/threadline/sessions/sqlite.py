"""``SQLiteSessionService``: every session in one local SQLite file (WAL, append-only events).

All SQL runs on one worker thread that owns the connection, so the event loop never waits on
the disk. Each write is one short transaction; appends that arrive together share one (group
commit, sessions/appends.py) and WAL checkpoints run beside them (sessions/checkpoints.py). A
branch is one row pointing at its parent and fork event: its history is the parent's rows up
to the fork plus its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from threadline.core.errors import CorruptDatabaseError, StorageError
from threadline.core.events import Event, new_id
from threadline.core.session import Session, split_state
from threadline.core.titles import title_from_event
from threadline.sessions import store_files, trash
from threadline.sessions.appends import GroupCommit
from threadline.sessions.branches import branch_of_loaded, insert_branch
from threadline.sessions.checkpoints import WAL_LIMIT, Checkpointer
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
from threadline.sessions.run_locks import RunLock, RunLocks, run_lock_path
from threadline.sessions.schema import migrate
from threadline.sessions.search import index_pending
from threadline.sessions.views import StoreViews
from threadline.sessions.worker import DbWorker
from threadline.sessions.writes import PendingAppend, insert_session

if TYPE_CHECKING:
    from threadline.sessions.bulk import SessionPlan

T = TypeVar("T")
CACHE_SIZE = 32
TOUCH_INTERVAL = 1.0  # seconds between updated_at refreshes of one session while it streams
INDEX_DELAY = 1.0  # seconds after an append before its text is added to the search index


class SQLiteSessionService(StoreViews):
    """Implements ``SessionService`` on one SQLite file. Call ``close()`` when done.

    Raises ``StorageError`` (or its subclasses) with a message naming the file when the file is
    read-only, locked, corrupt (moved aside and kept), or from a newer version.
    """

    def __init__(
        self, path: str | Path, *, exclusive: bool = False, event_limit: int | None = None
    ) -> None:
        if event_limit is not None and event_limit < 0:
            raise ValueError("event_limit must be a count of events (0 or more)")
        self.path = Path(path)
        self.exclusive = exclusive
        # The newest N events of a history are what get_session returns (the model's view);
        # nothing is deleted, views (load_rows) and forks still reach every event.
        self.event_limit = event_limit
        self._run_locks = RunLocks(run_lock_path(self.path))
        self._data_version: int | None = None
        self._worker = DbWorker("threadline-db")
        self._instance_lock = store_files.InstanceLock(self.path) if exclusive else None
        self._index_handle: asyncio.TimerHandle | None = None
        self._touched: dict[str, float] = {}
        self._cache: OrderedDict[tuple[str, str, str], Session] = OrderedDict()
        # Set when a damaged file was moved aside and salvaged (at open or mid-use).
        self.recovery: store_files.Recovery | None = None
        try:
            self._db = self._worker.call_sync(self._open)
        except BaseException:
            self._worker.stop()
            raise
        self._damage: str | None = None  # found by the background check, acted on next call
        if store_files.checked_later(self.path):
            store_files.check_in_background(self.path, self._found_damage)
        self._checkpointer = Checkpointer(self.path)
        self._appends = GroupCommit(
            self._worker,
            lambda func: self._guarded(func, self._db),
            lambda exc: store_files.explain(exc, self.path),
            lambda count: self._checkpointer.appended(count, self._db),
        )

    # -- lifecycle -----------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        if self._instance_lock is not None:
            self._instance_lock.acquire()
        try:
            db, self.recovery = store_files.open_database(self.path, migrate)
        except BaseException:
            if self._instance_lock is not None:  # a later open in this process must not
                self._instance_lock.release()  # find its own lock taken
            raise
        return _without_autocheckpoint(db)

    def close(self) -> None:
        """Checkpoints and closes the file; safe to call twice."""
        if self._worker.is_closed:
            return
        if self._index_handle is not None:
            self._index_handle.cancel()
            self._index_handle = None
        self._checkpointer.stop()  # the last connection to close checkpoints the rest
        self._run_locks.close()

        def shut() -> None:
            try:
                with contextlib.suppress(sqlite3.Error):  # read-only or locked: index later
                    index_pending(self._db)
                    self._db.execute("PRAGMA optimize")
                self._db.close()
            finally:
                if self._instance_lock is not None:
                    self._instance_lock.release()

        self._worker.call_sync(shut)
        self._worker.stop()

    async def aclose(self) -> None:
        """``close`` without blocking the loop."""
        if self._index_handle is not None:
            self._index_handle.cancel()
            self._index_handle = None
        await asyncio.to_thread(self.close)

    async def _call(self, func: Callable[[sqlite3.Connection], T]) -> T:
        if self._worker.is_closed:
            raise StorageError(f"{self.path} is closed", path=str(self.path))
        db = self._db
        return await self._worker.call(lambda: self._guarded(func, db))

    def _found_damage(self, problem: str) -> None:
        self._damage = problem

    def _guarded(self, func: Callable[[sqlite3.Connection], T], db: sqlite3.Connection) -> T:
        if self._damage is not None and db is self._db:  # as if this call had met it
            problem, self._damage = self._damage, None
            raise self._recover(
                db, sqlite3.DatabaseError(f"database disk image is malformed ({problem})")
            )
        try:
            return func(db)
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.rollback()
            if store_files.looks_corrupt(exc) and db is self._db:
                raise self._recover(db, exc) from exc
            raise store_files.explain(exc, self.path) from exc

    def _recover(self, db: sqlite3.Connection, exc: sqlite3.Error) -> StorageError:
        """On the first ``SQLITE_CORRUPT``: the file is moved aside and salvaged into a fresh
        one, which the store uses from now on. Returns the error for the failed call."""
        with contextlib.suppress(sqlite3.Error):
            db.close()
        self._checkpointer.stop()
        self._cache.clear()
        try:
            db, self.recovery = store_files.recover(self.path, migrate, exc)
            self._db = _without_autocheckpoint(db)
        except StorageError as failed:
            return failed
        return CorruptDatabaseError(
            f"{self.recovery.message} Try again.",
            path=str(self.path),
            moved_to=self.recovery.moved_to,
        )

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
        cached = self._cache.get((app_name, user_id, session_id))
        if cached is None:
            limit = self.event_limit
            cached = await self._call(
                lambda db: load_session(db, app_name, user_id, session_id, limit)
            )
            if cached is None:
                return None
            self._remember(cached)
        else:
            self._cache.move_to_end((app_name, user_id, session_id))
        session = session_copy(cached)
        if self.event_limit is not None and len(session.events) > self.event_limit:
            session.events = session.events[-self.event_limit :] if self.event_limit else []
        return session

    def run_lock(self, app_name: str, user_id: str, session_id: str) -> RunLock:
        """Held while a run works on a session: other runs on it wait, in this process and in
        any other that opened the same file (``run_locks``)."""
        return self._run_locks.hold(f"{app_name}\x1f{user_id}\x1f{session_id}")

    async def _drop_cache_if_written_elsewhere(self) -> None:
        """Another process sharing the file may have appended: its sessions are read again."""
        if self.exclusive:  # no other process writes this file
            return
        # data_version changes only when another connection commits to the file.
        version = await self._call(lambda db: db.execute("PRAGMA data_version").fetchone()[0])
        if version != self._data_version:
            self._data_version = version
            self._cache.clear()

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

    # -- background full-text indexing --------------------------------------------------

    def _schedule_indexing(self) -> None:
        """Indexes new rows a moment after the last append (searches index first anyway)."""
        if self._index_handle is not None:
            return
        loop = asyncio.get_running_loop()
        self._index_handle = loop.call_later(INDEX_DELAY, self._start_indexing)

    def _start_indexing(self) -> None:
        self._index_handle = None
        if not self._worker.is_closed:
            db = self._db
            self._worker.submit(lambda: self._guarded(index_pending, db))
            self._checkpointer.request()  # the store went quiet: empty the WAL meanwhile

    # -- cache ---------------------------------------------------------------------------

    def _remember(self, session: Session) -> None:
        key = (session.app_name, session.user_id, session.id)
        self._cache[key] = session
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)


def _without_autocheckpoint(db: sqlite3.Connection) -> sqlite3.Connection:
    """Checkpoints run on a connection of their own (sessions/checkpoints.py)."""
    db.execute("PRAGMA wal_autocheckpoint = 0")
    db.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT}")  # a WAL started over shrinks
    return db
