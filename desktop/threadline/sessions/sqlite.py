"""``SQLiteSessionService``: every session in one local SQLite file (WAL, append-only events).

All SQL runs on one worker thread that owns the connection, so the event loop never waits on
the disk; each write is one short transaction. A branch is one row pointing at its parent and
fork event: its history is the parent's rows up to the fork plus its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from threadline.core.errors import StorageError
from threadline.core.events import Event, new_id
from threadline.core.session import Session, SessionSearchHit, merge_state, split_state
from threadline.sessions import store_files
from threadline.sessions.schema import migrate
from threadline.sessions.search import index_pending
from threadline.sessions.titles import title_from_event
from threadline.sessions.worker import DbWorker

T = TypeVar("T")
BUSY_TIMEOUT_MS = 5000
CACHE_SIZE = 32
TOUCH_INTERVAL = 1.0  # seconds between updated_at refreshes of one session while it streams
INDEX_DELAY = 1.0  # seconds after an append before its text is added to the search index

_SESSION_COLUMNS = (
    "id, app_name, user_id, title, state, parent_id, fork_event_id, created_at, updated_at"
)


class SQLiteSessionService:
    """Implements ``SessionService`` on one SQLite file. Call ``close()`` when done.

    Raises ``StorageError`` (or its subclasses) with a message naming the file when the file is
    read-only, locked, corrupt (moved aside and kept), or from a newer version.
    """

    def __init__(self, path: str | Path, *, exclusive: bool = False) -> None:
        self.path = Path(path)
        self._worker = DbWorker("threadline-db")
        self._instance_lock = store_files.InstanceLock(self.path) if exclusive else None
        self._index_handle: asyncio.TimerHandle | None = None
        self._touched: dict[str, float] = {}
        self._cache: OrderedDict[tuple[str, str, str], Session] = OrderedDict()
        try:
            self._db = self._worker.call_sync(self._open)
        except BaseException:
            self._worker.stop()
            raise

    # -- lifecycle -----------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        if self._instance_lock is not None:
            self._instance_lock.acquire()
        return store_files.open_database(self.path, migrate)

    def close(self) -> None:
        """Checkpoints and closes the file; safe to call twice."""
        if self._worker.is_closed:
            return
        if self._index_handle is not None:
            self._index_handle.cancel()
            self._index_handle = None

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

    def _guarded(self, func: Callable[[sqlite3.Connection], T], db: sqlite3.Connection) -> T:
        try:
            return func(db)
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.rollback()
            raise store_files.explain(exc, self.path) from exc

    # -- SessionService ------------------------------------------------------------------

    async def create_session(
        self,
        app_name: str,
        user_id: str,
        session_id: str | None = None,
        state: dict[str, Any] | None = None,
    ) -> Session:
        sid = session_id or new_id()
        app, user, own = split_state(state or {})
        now = time.time()

        def work(db: sqlite3.Connection) -> None:
            with _transaction(db):
                row = db.execute("SELECT deleted_at FROM sessions WHERE id = ?", (sid,)).fetchone()
                if row is not None:
                    raise ValueError(f"session {sid!r} already exists")
                db.execute(
                    "INSERT INTO sessions (id, app_name, user_id, state, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (sid, app_name, user_id, _dumps(own), now, now),
                )
                _merge_scoped(db, app_name, user_id, app, user)

        await self._call(work)
        session = await self.get_session(app_name, user_id, sid)
        assert session is not None
        return session

    async def get_session(self, app_name: str, user_id: str, session_id: str) -> Session | None:
        cached = self._cache.get((app_name, user_id, session_id))
        if cached is not None:
            self._cache.move_to_end((app_name, user_id, session_id))
            return _copy(cached)
        session = await self._call(lambda db: _load_session(db, app_name, user_id, session_id))
        if session is None:
            return None
        self._remember(session)
        return _copy(session)

    async def list_sessions(self, app_name: str, user_id: str) -> list[Session]:
        def work(db: sqlite3.Connection) -> list[Session]:
            scoped = _scoped_state(db, app_name, user_id)
            rows = db.execute(
                f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE app_name = ? AND user_id = ?"
                " AND deleted_at IS NULL ORDER BY updated_at DESC",
                (app_name, user_id),
            ).fetchall()
            return [_session_from_row(row, scoped) for row in rows]

        return await self._call(work)

    async def delete_session(self, app_name: str, user_id: str, session_id: str) -> None:
        """Moves the session to the trash (``restore_session`` undoes it)."""
        self._cache.pop((app_name, user_id, session_id), None)
        await self._call(
            lambda db: _execute(
                db,
                "UPDATE sessions SET deleted_at = ? WHERE id = ? AND app_name = ? AND user_id = ?",
                (time.time(), session_id, app_name, user_id),
            )
        )

    async def append_event(self, session: Session, event: Event) -> Event:
        if event.partial:
            return event
        delta = event.actions.state_delta
        app, user, own = split_state(delta) if delta else ({}, {}, {})
        title = title_from_event(session.title, event)
        message = event.message
        text = (
            message.content if message is not None and message.role in ("user", "assistant") else ""
        )
        row = (
            session.id,
            event.id,
            event.invocation_id,
            event.author,
            message.role if message is not None else None,
            event.tag,
            event.timestamp,
            text,
            event.model_dump_json(exclude_defaults=True),
        )
        now = time.time()
        # updated_at only orders the sidebar: refreshing it once a second per session is
        # enough, and skipping the UPDATE keeps an append to one INSERT.
        touch = title is not None or now - self._touched.get(session.id, 0.0) > TOUCH_INTERVAL
        if touch:
            self._touched[session.id] = now

        def work(db: sqlite3.Connection) -> None:
            with _transaction(db):
                db.execute(
                    "INSERT INTO events (session_id, id, invocation_id, author, role, tag,"
                    " timestamp, text, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
                if own:
                    _merge_json(db, "sessions", "id = ?", (session.id,), own)
                if app or user:
                    _merge_scoped(db, session.app_name, session.user_id, app, user)
                if title:
                    db.execute(
                        "UPDATE sessions SET updated_at = ?, title = ? WHERE id = ?",
                        (now, title, session.id),
                    )
                elif touch:
                    db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session.id))

        await self._call(work)
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

    async def update_app_state(self, app_name: str, delta: dict[str, Any]) -> None:
        await self._call(
            lambda db: _in_tx(db, lambda: _merge_scoped(db, app_name, None, delta, {}))
        )
        self._cache.clear()

    async def update_user_state(self, app_name: str, user_id: str, delta: dict[str, Any]) -> None:
        await self._call(
            lambda db: _in_tx(db, lambda: _merge_scoped(db, app_name, user_id, {}, delta))
        )
        self._cache.clear()

    async def fork_session(
        self, app_name: str, user_id: str, session_id: str, at_event_id: str
    ) -> Session:
        sid = new_id()
        now = time.time()

        def work(db: sqlite3.Connection) -> None:
            with _transaction(db):
                source = db.execute(
                    "SELECT title, state FROM sessions"
                    " WHERE id = ? AND app_name = ? AND user_id = ?",
                    (session_id, app_name, user_id),
                ).fetchone()
                if source is None:
                    raise KeyError(f"session {session_id!r} does not exist")
                # "" forks before the first event: a branch that inherits nothing.
                seq = _find_in_lineage(db, session_id, at_event_id) if at_event_id else 0
                if seq is None:
                    raise KeyError(f"event {at_event_id!r} is not in session {session_id!r}")
                db.execute(
                    "INSERT INTO sessions (id, app_name, user_id, title, state, parent_id,"
                    " fork_event_id, fork_seq, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        sid,
                        app_name,
                        user_id,
                        source[0],
                        source[1],
                        session_id,
                        at_event_id,
                        seq,
                        now,
                        now,
                    ),
                )

        await self._call(work)
        source = self._cache.get((app_name, user_id, session_id))
        position = _position(source.events, at_event_id) if source is not None else None
        if source is not None and position is not None:
            # The source is in memory: the branch's history is a slice of it, no reload.
            branch = source.model_copy(
                update={
                    "id": sid,
                    "events": source.events[: position + 1],
                    "state": dict(source.state),
                    "parent_id": session_id,
                    "fork_event_id": at_event_id or None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            self._remember(branch)
            return _copy(branch)
        session = await self.get_session(app_name, user_id, sid)
        assert session is not None
        return session

    # -- beyond the protocol -------------------------------------------------------------

    async def rename_session(
        self, app_name: str, user_id: str, session_id: str, title: str
    ) -> None:
        """Sets a session's title."""
        await self._call(
            lambda db: _execute(
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

        def work(db: sqlite3.Connection) -> Session | None:
            row = db.execute(
                f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ? AND app_name = ?"
                " AND user_id = ? AND deleted_at IS NULL",
                (session_id, app_name, user_id),
            ).fetchone()
            return (
                None
                if row is None
                else _session_from_row(row, _scoped_state(db, app_name, user_id))
            )

        return await self._call(work)

    async def list_tree(
        self, app_name: str, user_id: str
    ) -> list[tuple[str, str, str | None, float, str]]:
        """Light sidebar rows ``(id, title, parent_id, updated_at, fork_text)``, newest first.

        ``fork_text`` is the text of the message a branch was forked at.
        """
        return await self._call(
            lambda db: db.execute(
                "SELECT s.id, s.title, s.parent_id, s.updated_at, coalesce(e.text, '')"
                " FROM sessions s LEFT JOIN events e ON e.seq = s.fork_seq"
                " WHERE s.app_name = ? AND s.user_id = ? AND s.deleted_at IS NULL"
                " ORDER BY s.updated_at DESC",
                (app_name, user_id),
            ).fetchall()
        )

    async def list_trash(self, app_name: str, user_id: str) -> list[Session]:
        """Sessions in the trash, most recently deleted first."""

        def work(db: sqlite3.Connection) -> list[Session]:
            rows = db.execute(
                f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE app_name = ? AND user_id = ?"
                " AND deleted_at IS NOT NULL AND purged_at IS NULL ORDER BY deleted_at DESC",
                (app_name, user_id),
            ).fetchall()
            return [_session_from_row(row, ({}, {})) for row in rows]

        return await self._call(work)

    async def restore_session(self, app_name: str, user_id: str, session_id: str) -> None:
        """Takes a session out of the trash."""
        await self._call(
            lambda db: _execute(
                db,
                "UPDATE sessions SET deleted_at = NULL WHERE id = ? AND app_name = ?"
                " AND user_id = ? AND purged_at IS NULL",
                (session_id, app_name, user_id),
            )
        )

    async def empty_trash(self, app_name: str, user_id: str) -> int:
        """Deletes trashed sessions for good; returns how many. Rows a branch inherits stay."""
        from threadline.sessions.trash import purge

        return await self._call(lambda db: purge(db, app_name, user_id))

    async def search_sessions(
        self, app_name: str, user_id: str, query: str, *, limit: int = 50, match_any: bool = False
    ) -> list[SessionSearchHit]:
        """Sessions whose title or messages match ``query`` (FTS5, best first), with a snippet.

        Every word must match, unless ``match_any`` (memory lookups use that).
        """
        from threadline.sessions.search import search

        return await self._call(
            lambda db: search(db, app_name, user_id, query, limit, match_any=match_any)
        )

    async def load_rows(
        self, session_id: str
    ) -> list[tuple[int, str, str, str | None, str, str, str]]:
        """The history as light rows ``(seq, id, author, role, tag, text, body)`` for views.

        Views show ``text`` at once and parse ``body`` (the event JSON) only for rows they draw.
        """
        return await self._call(lambda db: _lineage_rows(db, session_id, light=True))

    async def get_setting(self, key: str) -> Any:
        """A value stored with the data (not a secret: keys live in the OS keyring)."""
        row = await self._call(
            lambda db: db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        )
        return None if row is None else json.loads(row[0])

    async def set_setting(self, key: str, value: Any) -> None:
        """Stores a JSON value under ``key``."""
        await self._call(
            lambda db: _execute(
                db,
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, _dumps(value)),
            )
        )

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

    # -- cache ---------------------------------------------------------------------------

    def _remember(self, session: Session) -> None:
        key = (session.app_name, session.user_id, session.id)
        self._cache[key] = session
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)


# -- SQL helpers (run on the worker thread) ------------------------------------------------


class _transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``; rolls back on any exception."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.db.commit()
        else:
            self.db.rollback()


def _in_tx(db: sqlite3.Connection, action: Callable[[], None]) -> None:
    with _transaction(db):
        action()


def _execute(db: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> None:
    with _transaction(db):
        db.execute(sql, params)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _merge_json(
    db: sqlite3.Connection, table: str, where: str, params: tuple[Any, ...], delta: dict[str, Any]
) -> None:
    row = db.execute(f"SELECT state FROM {table} WHERE {where}", params).fetchone()
    state = json.loads(row[0]) if row else {}
    state.update(delta)
    db.execute(f"UPDATE {table} SET state = ? WHERE {where}", (_dumps(state), *params))


def _merge_scoped(
    db: sqlite3.Connection,
    app_name: str,
    user_id: str | None,
    app: dict[str, Any],
    user: dict[str, Any],
) -> None:
    if app:
        db.execute("INSERT OR IGNORE INTO app_state (app_name) VALUES (?)", (app_name,))
        _merge_json(db, "app_state", "app_name = ?", (app_name,), app)
    if user and user_id is not None:
        db.execute(
            "INSERT OR IGNORE INTO user_state (app_name, user_id) VALUES (?, ?)",
            (app_name, user_id),
        )
        _merge_json(db, "user_state", "app_name = ? AND user_id = ?", (app_name, user_id), user)


def _scoped_state(
    db: sqlite3.Connection, app_name: str, user_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    app = db.execute("SELECT state FROM app_state WHERE app_name = ?", (app_name,)).fetchone()
    user = db.execute(
        "SELECT state FROM user_state WHERE app_name = ? AND user_id = ?", (app_name, user_id)
    ).fetchone()
    return (json.loads(app[0]) if app else {}, json.loads(user[0]) if user else {})


def _session_from_row(
    row: tuple[Any, ...], scoped: tuple[dict[str, Any], dict[str, Any]]
) -> Session:
    sid, app_name, user_id, title, state, parent_id, fork_event_id, created, updated = row
    return Session(
        id=sid,
        app_name=app_name,
        user_id=user_id,
        title=title,
        state=merge_state(scoped[0], scoped[1], json.loads(state)),
        parent_id=parent_id,
        fork_event_id=fork_event_id,
        created_at=created,
        updated_at=updated,
    )


def _load_session(
    db: sqlite3.Connection, app_name: str, user_id: str, session_id: str
) -> Session | None:
    row = db.execute(
        f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ? AND app_name = ? AND user_id = ?"
        " AND deleted_at IS NULL",
        (session_id, app_name, user_id),
    ).fetchone()
    if row is None:
        return None
    session = _session_from_row(row, _scoped_state(db, app_name, user_id))
    validate = Event.model_validate_json
    session.events = [validate(r[-1]) for r in _lineage_rows(db, session_id, light=False)]
    return session


def _lineage(db: sqlite3.Connection, session_id: str) -> list[tuple[str, int | None]]:
    """``(session id, last inherited seq)`` from the root down to ``session_id`` (None = all)."""
    chain: list[tuple[str, int | None]] = []
    current: str | None = session_id
    limit: int | None = None
    while current is not None:
        chain.append((current, limit))
        row = db.execute(
            "SELECT parent_id, fork_seq FROM sessions WHERE id = ?", (current,)
        ).fetchone()
        if row is None:
            break
        current, fork_seq = row
        if current is None:
            break
        limit = fork_seq if limit is None else min(limit, fork_seq)
    chain.reverse()
    return chain


def _lineage_rows(db: sqlite3.Connection, session_id: str, *, light: bool) -> list[Any]:
    columns = "seq, id, author, role, tag, text, body" if light else "seq, body"
    rows: list[Any] = []
    for sid, limit in _lineage(db, session_id):
        if limit is None:
            rows += db.execute(
                f"SELECT {columns} FROM events WHERE session_id = ? ORDER BY seq", (sid,)
            ).fetchall()
        else:
            rows += db.execute(
                f"SELECT {columns} FROM events WHERE session_id = ? AND seq <= ? ORDER BY seq",
                (sid, limit),
            ).fetchall()
    return rows


def _find_in_lineage(db: sqlite3.Connection, session_id: str, event_id: str) -> int | None:
    for sid, limit in _lineage(db, session_id):
        row = db.execute(
            "SELECT seq FROM events WHERE session_id = ? AND id = ?", (sid, event_id)
        ).fetchone()
        if row is not None and (limit is None or row[0] <= limit):
            return int(row[0])
    return None


def _position(events: list[Event], event_id: str) -> int | None:
    """Index of ``event_id`` in ``events`` (-1 for "" = before the first), or None."""
    if not event_id:
        return -1
    for index in range(len(events) - 1, -1, -1):
        if events[index].id == event_id:
            return index
    return None


def _copy(session: Session) -> Session:
    return session.model_copy(update={"events": list(session.events), "state": dict(session.state)})
