"""``PostgresSessionService``: sessions on a PostgreSQL server shared by many processes.

Writes are one short statement each and never read the history, so appends stay O(1) however
long a conversation grows and however many writers wait on one session. Runs on one session
are serialised across processes and machines by ``run_lock`` (a per-session advisory lock).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from threadline.core.event_log import EventLog
from threadline.core.events import Event, new_id
from threadline.core.session import Session, merge_state, split_state
from threadline.core.titles import title_from_event
from threadline.sessions.postgres import sql
from threadline.sessions.postgres.pool import CONNECTION_ERRORS, PostgresPools
from threadline.sessions.postgres.rows import event_values, fill_blobs, save_blobs
from threadline.sessions.postgres.views import PostgresViews, dumps, scoped_state, session_of

if TYPE_CHECKING:
    from threadline.sessions.bulk import SessionPlan
    from threadline.sessions.postgres.schema import Conn

_KEY_SEPARATOR = "\x1f"  # cannot occur in ids a person or new_id() makes; keeps keys apart


class PostgresSessionService(PostgresPools, PostgresViews):
    """Implements ``SessionService``, ``RunLocking`` and ``DesktopStore`` on PostgreSQL,
    through asyncpg.

    Connects on first use and migrates the schema (tables in the DSN's current schema). Call
    ``aclose()`` when done. ``event_limit`` keeps the newest N events in what ``get_session``
    returns; nothing is deleted. ``password`` (a string or a function, async or not, asked at
    each new connection) keeps the secret out of the DSN. Methods raise ``StorageError`` when
    the server cannot be reached or refuses the login (its ``__cause__`` is the driver's
    error), and when its schema is from a newer Threadline.
    """

    async def __aenter__(self) -> PostgresSessionService:
        await self._ready()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

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
            pk = await conn.fetchval(sql.INSERT_SESSION, app_name, user_id, sid, dumps(own), now)
            if pk is None:
                raise ValueError(f"session {sid!r} already exists")
            await _merge_scoped(conn, app_name, user_id, app, user)
            app_state, user_state = await scoped_state(conn, app_name, user_id)
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
            scoped = await scoped_state(conn, app_name, user_id)
            if self.event_limit is None:
                bodies = await conn.fetch(sql.HISTORY, row[0])
            elif self.event_limit > 0:
                bodies = await conn.fetch(sql.NEWEST, row[0], self.event_limit)
            else:
                bodies = []
            session = session_of(row, scoped)
            session.events = EventLog(Event.model_validate_json(body[0]) for body in bodies)
            await fill_blobs(conn, session.events)  # image and file bytes are stored apart
        return session

    async def list_sessions(self, app_name: str, user_id: str) -> list[Session]:
        async with self._conn() as conn:
            rows = await conn.fetch(sql.SESSIONS, app_name, user_id)
            scoped = await scoped_state(conn, app_name, user_id)
        return [session_of(row, scoped) for row in rows]

    async def delete_session(self, app_name: str, user_id: str, session_id: str) -> None:
        """Moves the session to the trash (``restore_session`` undoes it); its rows stay, so
        branches keep their inherited history."""
        async with self._conn() as conn:
            await conn.execute(sql.DELETE, app_name, user_id, session_id, time.time())

    async def append_event(self, session: Session, event: Event) -> Event:
        """Appends ``event`` in one statement (its image and file bytes, stored once per
        hash, beside it); raises ``KeyError`` for an unknown session."""
        if event.partial:
            return event
        delta = event.actions.state_delta
        app, user, own = split_state(delta) if delta else ({}, {}, {})
        title = title_from_event(session.title, event) or ""
        values, found = event_values(event)
        now = time.time()
        args = (session.app_name, session.user_id, session.id, dumps(own), title, now)
        async with self._conn() as conn:
            if app or user or found:
                async with conn.transaction():
                    await save_blobs(conn, found)
                    stored = await conn.fetchrow(sql.APPEND, *args, *values)
                    await _merge_scoped(conn, session.app_name, session.user_id, app, user)
            else:
                stored = await conn.fetchrow(sql.APPEND, *args, *values)
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
        branch = await self.branch(app_name, user_id, session_id, at_event_id)
        session = await self.get_session(app_name, user_id, branch.id)
        assert session is not None
        return session

    async def branch(
        self, app_name: str, user_id: str, session_id: str, at_event_id: str
    ) -> Session:
        """``fork_session`` without reading any history: the new branch without its events
        (what the window needs), one row whatever the length of the source.

        Raises ``KeyError`` when the session or the event is not found.
        """
        sid = new_id()
        async with self._conn() as conn:
            async with conn.transaction():
                source = await conn.fetchval(sql.SOURCE, app_name, user_id, session_id)
                if source is None:
                    raise KeyError(f"session {session_id!r} does not exist")
                # "" forks before the first event: a branch that inherits nothing.
                seq = (
                    await conn.fetchval(sql.FIND_IN_HISTORY, source, at_event_id)
                    if at_event_id
                    else 0
                )
                if seq is None:
                    raise KeyError(f"event {at_event_id!r} is not in session {session_id!r}")
                await conn.execute(
                    sql.INSERT_BRANCH, source, sid, at_event_id or None, seq, time.time()
                )
            row = await conn.fetchrow(sql.SESSION, app_name, user_id, sid)
            assert row is not None
            return session_of(row, await scoped_state(conn, app_name, user_id))

    # -- imports ---------------------------------------------------------------------------

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
        """
        from threadline.sessions.bulk import SessionPlan

        plan = SessionPlan(title=title, events=events, state=split_state(state)[2])
        (sid,) = await self.import_sessions(app_name, user_id, [plan])
        session = await self.get_session(app_name, user_id, sid)
        assert session is not None
        return session

    async def import_sessions(
        self, app_name: str, user_id: str, plans: Sequence[SessionPlan]
    ) -> list[str]:
        """New sessions and branches (``sessions.bulk.SessionPlan``) in one transaction.

        Returns their ids in plan order; nothing is written when one cannot be.
        """
        from threadline.sessions.postgres.bulk import write_plans

        async with self._conn() as conn:
            return await write_plans(conn, app_name, user_id, plans)

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
            with contextlib.suppress(*CONNECTION_ERRORS):
                await pool.release(conn)


async def _merge_scoped(
    conn: Conn,
    app_name: str,
    user_id: str,
    app: dict[str, Any],
    user: dict[str, Any],
) -> None:
    if app:
        await conn.execute(sql.MERGE_APP_STATE, app_name, dumps(app))
    if user:
        await conn.execute(sql.MERGE_USER_STATE, app_name, user_id, dumps(user))
