"""``SQLiteFile``: one SQLite file and the worker thread that owns its connection.

The plumbing under ``SQLiteSessionService``, apart from its session operations: opening (the
instance lock, migrations, a damaged file salvaged), every call run on the worker and guarded
(errors explained with the file's name, the first ``SQLITE_CORRUPT`` recovered), closing,
WAL checkpoints and group commit, background full-text indexing, run locks, and the LRU of
loaded sessions (dropped when the file changes under it: another process, a salvage).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from threadline.core.errors import CorruptDatabaseError, StorageError
from threadline.core.session import Session
from threadline.sessions import store_files
from threadline.sessions.appends import GroupCommit
from threadline.sessions.body_reader import BodyReader
from threadline.sessions.checkpoints import WAL_LIMIT, Checkpointer
from threadline.sessions.run_locks import RunLock, RunLocks, run_lock_path
from threadline.sessions.schema import migrate
from threadline.sessions.search import index_pending
from threadline.sessions.worker import DbWorker

T = TypeVar("T")
CACHE_SIZE = 32
INDEX_DELAY = 1.0  # seconds after an append before its text is added to the search index


class SQLiteFile:
    """The file, its worker and its caches; ``SQLiteSessionService`` adds the operations.

    Opening raises ``StorageError`` (or a subclass) naming the file; so does every ``_call``
    that meets a read-only, locked or damaged file.
    """

    def __init__(self, path: str | Path, *, exclusive: bool = False) -> None:
        self.path = Path(path)
        self.exclusive = exclusive
        self._run_locks = RunLocks(run_lock_path(self.path))
        self._data_version: int | None = None
        self._worker = DbWorker("threadline-db")
        self._instance_lock = store_files.InstanceLock(self.path) if exclusive else None
        self._index_handle: asyncio.TimerHandle | None = None
        self._cache: OrderedDict[tuple[str, str, str], Session] = OrderedDict()
        # Reads the JSON of the events a loaded history left unparsed (core.event_log).
        self._bodies = BodyReader(self.path)
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
        db = _without_autocheckpoint(db)
        # The baseline other processes' commits are told apart by: without it the first check
        # after a load would always see a change and read the session again.
        self._data_version = db.execute("PRAGMA data_version").fetchone()[0]
        return db

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
        self._bodies.close()  # opens again if a history read before is read further

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
        self._bodies.close()  # its connection would follow the file moved aside
        try:
            db, self.recovery = store_files.recover(self.path, migrate, exc)
            self._db = _without_autocheckpoint(db)
            self._bodies.reopen()
        except StorageError as failed:
            return failed
        return CorruptDatabaseError(
            f"{self.recovery.message} Try again.",
            path=str(self.path),
            moved_to=self.recovery.moved_to,
        )

    # -- run locks ---------------------------------------------------------------------

    def run_lock(self, app_name: str, user_id: str, session_id: str) -> RunLock:
        """Held while a run works on a session: other runs on it wait, in this process and in
        any other that opened the same file (``run_locks``)."""
        return self._run_locks.hold(f"{app_name}\x1f{user_id}\x1f{session_id}")

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

    async def _drop_cache_if_written_elsewhere(self) -> None:
        """Another process sharing the file may have appended: its sessions are read again."""
        if self.exclusive:  # no other process writes this file
            return
        # data_version changes only when another connection commits to the file.
        version = await self._call(lambda db: db.execute("PRAGMA data_version").fetchone()[0])
        if version != self._data_version:
            self._data_version = version
            self._cache.clear()


def _without_autocheckpoint(db: sqlite3.Connection) -> sqlite3.Connection:
    """Checkpoints run on a connection of their own (sessions/checkpoints.py)."""
    db.execute("PRAGMA wal_autocheckpoint = 0")
    db.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT}")  # a WAL started over shrinks
    return db
