"""``PostgresSessionService``: sessions on a PostgreSQL server shared by many processes.

Writes are one short statement each and never read the history, so appends stay O(1) however
long a conversation grows and however many writers wait on one session. Runs on one session
are serialised across processes and machines by ``run_lock`` (a per-session advisory lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import asyncpg

from threadline.core.errors import StorageError
from threadline.core.events import Event, new_id
from threadline.core.session import Session, SessionSearchHit, merge_state, split_state
from threadline.core.titles import title_from_event
from threadline.sessions.postgres import sql
from threadline.sessions.postgres.schema import migrate

if TYPE_CHECKING:
    from threadline.sessions.postgres.schema import Conn

# What a dead server, a dropped connection or a refused login raises (asyncpg, the OS).
_CONNECTION_ERRORS = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError)
_KEY_SEPARATOR = "\x1f"  # cannot occur in ids a person or new_id() makes; keeps keys apart


class PostgresSessionService:
    """Implements ``SessionService`` (and ``RunLocking``) on PostgreSQL, through asyncpg.

    Connects on first use and migrates the schema (tables in the DSN's current schema). Call
    ``aclose()`` when done. ``event_limit`` keeps the newest N events in what ``get_session``
    returns; nothing is deleted. Methods raise ``StorageError`` when the server cannot be
    reached or refuses the login, and when its schema is from a newer Threadline.
    """

    def __init__(self, dsn: str, *, event_limit: int | None = None, pool_size: int = 10) -> None:
        if event_limit is not None and event_limit < 0:
            raise ValueError("event_limit must be a count of events (0 or more)")
        self.event_limit = event_limit
        self._dsn = dsn
        self._pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        # Run locks hold a connection for a whole run: they get a pool of their own, so runs
        # waiting on a lock can never starve appends of connections (a deadlock otherwise).
        self._lock_pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    # -- lifecycle -----------------------------------------------------------------------

    async def open(self) -> None:
        """Connects and migrates now (every method does it on first use anyway)."""
        await self._ready()

    async def aclose(self) -> None:
        """Closes both connection pools; held run locks are released by the server."""
        pools, self._pool, self._lock_pool = (self._pool, self._lock_pool), None, None
        for pool in pools:
            if pool is not None:
                await pool.close()

    async def __aenter__(self) -> PostgresSessionService:
        await self._ready()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _ready(self) -> asyncpg.Pool:
        if self._pool is not None:
            return self._pool
        async with self._opening:
            if self._pool is None:
                with self._explained():
                    pool = await asyncpg.create_pool(
                        self._dsn, min_size=1, max_size=self._pool_size
                    )
                    try:
                        async with pool.acquire() as conn:
                            await migrate(conn)
                    except BaseException:
                        await pool.close()
                        raise
                self._pool = pool
            return self._pool

    @contextlib.contextmanager
    def _explained(self) -> Iterator[None]:
        """Turns a connection failure into a ``StorageError`` naming the server (no password)."""
        try:
            yield
        except _CONNECTION_ERRORS as exc:
            raise StorageError(f"cannot reach the session server {self._where()}: {exc}") from exc

    def _where(self) -> str:
        tail = self._dsn.rsplit("@", 1)[-1]  # what follows the credentials
        return tail.split("?", 1)[0]

    @contextlib.asynccontextmanager
    async def _conn(self) -> AsyncIterator[Conn]:
        pool = await self._ready()
        with self._explained():
            async with pool.acquire() as conn:
                yield conn

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
        async with self._conn() as conn, conn.transaction():
            pk = await conn.fetchval(sql.INSERT_SESSION, app_name, user_id, sid, _dumps(own), now)
            if pk is None:
                raise ValueError(f"session {sid!r} already exists")
            await _merge_scoped(conn, app_name, user_id, app, user)
            app_state, user_state = await _scoped_state(conn, app_name, user_id)
        return Session(
            id=sid,
            app_name=app_name,
            user_id=user_id,
            state=merge_state(app_state, user_state, own),
            created_at=now,
            updated_at=now,
        )

    async def get_session(self, app_name: str, user_id: str, session_id: str) -> Session | None:
        async with self._conn() as conn:
            row = await conn.fetchrow(sql.SESSION, app_name, user_id, session_id)
            if row is None:
                return None
            scoped = await _scoped_state(conn, app_name, user_id)
            if self.event_limit is None:
                bodies = await conn.fetch(sql.HISTORY, row[0])
            elif self.event_limit > 0:
                bodies = await conn.fetch(sql.NEWEST, row[0], self.event_limit)
            else:
                bodies = []
        session = _session(row, scoped)
        session.events = [Event.model_validate_json(body[0]) for body in bodies]
        return session

    async def list_sessions(self, app_name: str, user_id: str) -> list[Session]:
        async with self._conn() as conn:
            rows = await conn.fetch(sql.SESSIONS, app_name, user_id)
            scoped = await _scoped_state(conn, app_name, user_id)
        return [_session(row, scoped) for row in rows]

    async def delete_session(self, app_name: str, user_id: str, session_id: str) -> None:
        """Hides the session; its rows stay, so branches keep their inherited history."""
        async with self._conn() as conn:
            await conn.execute(sql.DELETE, app_name, user_id, session_id, time.time())

    async def append_event(self, session: Session, event: Event) -> Event:
        """Appends ``event`` in one statement; raises ``KeyError`` for an unknown session."""
        if event.partial:
            return event
        delta = event.actions.state_delta
        app, user, own = split_state(delta) if delta else ({}, {}, {})
        title = title_from_event(session.title, event) or ""
        message = event.message
        is_text = message is not None and message.role in ("user", "assistant")
        text = message.content.replace("\x00", "") if is_text and message is not None else ""
        now = time.time()
        args = (session.app_name, session.user_id, session.id, _dumps(own), title, now)
        row_values = (
            event.id,
            event.invocation_id,
            event.author,
            message.role if message is not None else None,
            event.tag,
            event.timestamp,
            text,  # PostgreSQL text cannot hold NUL; the body (JSON) keeps it escaped
            event.model_dump_json(exclude_defaults=True),
        )
        async with self._conn() as conn:
            if app or user:
                async with conn.transaction():
                    stored = await conn.fetchrow(sql.APPEND, *args, *row_values)
                    await _merge_scoped(conn, session.app_name, session.user_id, app, user)
            else:
                stored = await conn.fetchrow(sql.APPEND, *args, *row_values)
        if stored is None or stored[0] is None:
            raise KeyError(f"session {session.id!r} does not exist")
        session.events.append(event)
        if delta:
            session.state.update({k: v for k, v in delta.items() if not k.startswith("temp:")})
        session.title = stored[0]
        session.updated_at = now
        return event

    async def update_app_state(self, app_name: str, delta: dict[str, Any]) -> None:
        async with self._conn() as conn:
            await _merge_scoped(conn, app_name, "", delta, {})

    async def update_user_state(self, app_name: str, user_id: str, delta: dict[str, Any]) -> None:
        async with self._conn() as conn:
            await _merge_scoped(conn, app_name, user_id, {}, delta)

    async def fork_session(
        self, app_name: str, user_id: str, session_id: str, at_event_id: str
    ) -> Session:
        """A branch row pointing at the source and the fork event: O(1) whatever the length.

        Raises ``KeyError`` when the session or the event does not exist.
        """
        sid = new_id()
        async with self._conn() as conn, conn.transaction():
            source = await conn.fetchval(sql.SOURCE, app_name, user_id, session_id)
            if source is None:
                raise KeyError(f"session {session_id!r} does not exist")
            # "" forks before the first event: a branch that inherits nothing.
            seq = (
                await conn.fetchval(sql.FIND_IN_HISTORY, source, at_event_id) if at_event_id else 0
            )
            if seq is None:
                raise KeyError(f"event {at_event_id!r} is not in session {session_id!r}")
            await conn.execute(
                sql.INSERT_BRANCH, source, sid, at_event_id or None, seq, time.time()
            )
        branch = await self.get_session(app_name, user_id, sid)
        assert branch is not None
        return branch

    # -- RunLocking ----------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def run_lock(self, app_name: str, user_id: str, session_id: str) -> AsyncIterator[None]:
        """Holds the session's advisory lock until the block ends (waits while another holds it).

        Session-level, on a connection held for the run: a crashed holder's connection dies
        and the server lets go of its lock at once. Raises ``StorageError`` when the server
        cannot be reached.
        """
        pool = await self._lock_pool_ready()
        key = _KEY_SEPARATOR.join((app_name, user_id, session_id))
        with self._explained():
            conn = await pool.acquire()
        try:
            with self._explained():
                await conn.execute(sql.RUN_LOCK, key)
            yield  # the run's own errors pass through unchanged
        finally:
            # Releasing runs asyncpg's reset, pg_advisory_unlock_all(): the lock goes whether
            # the block ended, failed or was cancelled mid-wait. A connection that broke has
            # lost its lock with it, so a failing release has nothing left to undo.
            with contextlib.suppress(*_CONNECTION_ERRORS):
                await pool.release(conn)

    async def _lock_pool_ready(self) -> asyncpg.Pool:
        await self._ready()  # the schema (and so current_schema()) is settled first
        async with self._opening:
            if self._lock_pool is None:
                with self._explained():
                    self._lock_pool = await asyncpg.create_pool(
                        self._dsn, min_size=0, max_size=max(self._pool_size, 32)
                    )
            return self._lock_pool

    # -- beyond the protocol -------------------------------------------------------------

    async def rename_session(
        self, app_name: str, user_id: str, session_id: str, title: str
    ) -> None:
        """Sets a session's title (one line: runs of whitespace and newlines become a space)."""
        async with self._conn() as conn:
            done = await conn.execute(
                sql.RENAME, app_name, user_id, session_id, " ".join(title.split())
            )
        if done.endswith(" 0"):
            raise KeyError(f"session {session_id!r} does not exist")

    async def get_meta(self, app_name: str, user_id: str, session_id: str) -> Session | None:
        """The session without its events (cheap whatever its length), or None."""
        async with self._conn() as conn:
            row = await conn.fetchrow(sql.SESSION, app_name, user_id, session_id)
            if row is None:
                return None
            return _session(row, await _scoped_state(conn, app_name, user_id))

    async def search_sessions(
        self, app_name: str, user_id: str, query: str, *, limit: int = 50, match_any: bool = False
    ) -> list[SessionSearchHit]:
        """Sessions whose title or messages match ``query`` (full-text index, best first).

        Every word must match, unless ``match_any``; the last word may be a prefix.
        """
        from threadline.sessions.postgres.search import search

        async with self._conn() as conn:
            return await search(conn, app_name, user_id, query, limit, match_any=match_any)


def _dumps(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _loads(text: str | None) -> dict[str, Any]:
    return {} if text is None else dict(json.loads(text))


async def _merge_scoped(
    conn: Conn,
    app_name: str,
    user_id: str,
    app: dict[str, Any],
    user: dict[str, Any],
) -> None:
    if app:
        await conn.execute(sql.MERGE_APP_STATE, app_name, _dumps(app))
    if user:
        await conn.execute(sql.MERGE_USER_STATE, app_name, user_id, _dumps(user))


async def _scoped_state(
    conn: Conn, app_name: str, user_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    row = await conn.fetchrow(sql.SCOPED_STATE, app_name, user_id)
    assert row is not None
    return _loads(row[0]), _loads(row[1])


def _session(row: asyncpg.Record, scoped: tuple[dict[str, Any], dict[str, Any]]) -> Session:
    _pk, sid, app_name, user_id, title, state, parent_id, fork_event_id, created, updated = row
    return Session(
        id=sid,
        app_name=app_name,
        user_id=user_id,
        title=title,
        state=merge_state(scoped[0], scoped[1], _loads(state)),
        parent_id=parent_id,
        fork_event_id=fork_event_id,
        created_at=created,
        updated_at=updated,
    )
