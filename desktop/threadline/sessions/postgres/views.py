"""The PostgreSQL store's reads for views and its upkeep beyond the ``SessionService``
protocol, as the SQLite store's ``sessions/views.py``: the sidebar's rows, windows of a
history, search, the trash, blobs and settings. Mixed into ``PostgresSessionService``."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractAsyncContextManager
from functools import partial
from typing import TYPE_CHECKING, Any, cast

import asyncpg

from threadline.core.session import Session, SessionSearchHit, merge_state
from threadline.sessions.postgres import sql
from threadline.sessions.postgres.rows import load_blob
from threadline.sessions.queries import EventRow, TreeRow

if TYPE_CHECKING:
    from threadline.sessions.postgres.schema import Conn

_event_row = cast(Callable[[Any], EventRow], partial(tuple.__new__, EventRow))
_tree_row = cast(Callable[[Any], TreeRow], partial(tuple.__new__, TreeRow))
_REF = re.compile(r"sha256:[0-9a-f]{64}")


class PostgresViews:
    """Reads and upkeep over ``_conn`` (see ``PostgresSessionService``)."""

    def _conn(self) -> AbstractAsyncContextManager[Conn]:
        raise NotImplementedError  # PostgresSessionService lends a pooled connection

    # -- sessions beyond the protocol ------------------------------------------------------

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
            return session_of(row, await scoped_state(conn, app_name, user_id))

    async def event_seq(self, session_id: str, event_id: str) -> int | None:
        """Where ``event_id`` is in the session's history (its row's seq), or None."""
        async with self._conn() as conn:
            seq = await conn.fetchval(sql.FIND_BY_ID, session_id, event_id)
        return None if seq is None else int(seq)

    # -- views -----------------------------------------------------------------------------

    async def list_tree(self, app_name: str, user_id: str) -> list[TreeRow]:
        """Light sidebar rows (``TreeRow``), most recently updated first (trash excepted)."""
        async with self._conn() as conn:
            rows = await conn.fetch(sql.TREE, app_name, user_id)
        return list(map(_tree_row, rows))

    async def load_rows(
        self, session_id: str, *, last: int | None = None, before: int | None = None
    ) -> list[EventRow]:
        """The history as light ``EventRow`` rows, a branch's inherited part first: all of it,
        or the newest ``last`` rows (older than seq ``before`` when given), at a cost that
        follows ``last``. ``body`` is empty for user messages without attachments."""
        async with self._conn() as conn:
            if last is None and before is None:
                rows = await conn.fetch(sql.ROWS, session_id)
            else:
                rows = await conn.fetch(sql.ROWS_WINDOW, session_id, before, last)
        return list(map(_event_row, rows))

    async def search_sessions(
        self,
        app_name: str,
        user_id: str,
        query: str,
        *,
        limit: int = 50,
        match_any: bool = False,
        marks: bool = True,
    ) -> list[SessionSearchHit]:
        """Sessions whose title or messages match ``query`` (the server's full-text index),
        best first, with a snippet ([marked] unless not ``marks``). Every word must match,
        unless ``match_any``; the last word may be a prefix."""
        from threadline.sessions.postgres.search import search

        async with self._conn() as conn:
            return await search(
                conn, app_name, user_id, query, limit, match_any=match_any, marks=marks
            )

    # -- the trash -------------------------------------------------------------------------

    async def list_trash(self, app_name: str, user_id: str) -> list[Session]:
        """Sessions in the trash, most recently deleted first (without events or scopes)."""
        async with self._conn() as conn:
            rows = await conn.fetch(sql.TRASH, app_name, user_id)
        return [session_of(row, ({}, {})) for row in rows]

    async def restore_session(self, app_name: str, user_id: str, session_id: str) -> None:
        """Takes a session out of the trash (one not yet purged)."""
        async with self._conn() as conn:
            await conn.execute(sql.RESTORE, app_name, user_id, session_id)

    async def empty_trash(self, app_name: str, user_id: str) -> int:
        """Deletes trashed sessions for good; returns how many left the trash.

        A session with branches keeps the rows they inherit (up to its latest fork point) and
        is marked purged, hidden everywhere; one without branches goes entirely. Image and
        file bytes no remaining event names go too.
        """
        async with self._conn() as conn, conn.transaction():
            trashed = [row[0] for row in await conn.fetch(sql.TRASHED_PKS, app_name, user_id)]
            refs: set[str] = set()
            for pk in trashed:
                keep = await conn.fetchval(
                    "SELECT max(fork_seq) FROM sessions WHERE parent_pk = $1", pk
                )
                gone = await conn.fetch(
                    "DELETE FROM events WHERE session_pk = $1 AND seq > $2 RETURNING body",
                    pk,
                    -1 if keep is None else keep,
                )
                refs.update(_refs(row[0] for row in gone))
                if keep is None:
                    await conn.execute("DELETE FROM sessions WHERE pk = $1", pk)
                else:
                    await conn.execute(
                        "UPDATE sessions SET purged_at = $2 WHERE pk = $1", pk, time.time()
                    )
            if refs:
                await conn.execute(
                    "DELETE FROM blobs b WHERE b.ref = ANY($1::text[]) AND NOT EXISTS"
                    " (SELECT 1 FROM events e WHERE strpos(e.body, b.ref) > 0)",
                    sorted(refs),
                )
        return len(trashed)

    # -- blobs and settings ----------------------------------------------------------------

    async def get_blob(self, ref: str) -> bytes | None:
        """The bytes of an image or file part by its ``ref`` (``sha256:<hex>``), or None."""
        async with self._conn() as conn:
            return await load_blob(conn, ref)

    async def get_setting(self, key: str) -> Any:
        """A value stored with the data (not a secret: those live in the OS keyring)."""
        async with self._conn() as conn:
            value = await conn.fetchval(sql.GET_SETTING, key)
        return None if value is None else json.loads(value)

    async def set_setting(self, key: str, value: Any) -> None:
        """Stores a JSON value under ``key``."""
        async with self._conn() as conn:
            await conn.execute(sql.SET_SETTING, key, dumps(value))


def _refs(bodies: Iterable[str]) -> set[str]:
    return {ref for body in bodies if "sha256:" in body for ref in _REF.findall(body)}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def loads(text: str | None) -> dict[str, Any]:
    return {} if text is None else dict(json.loads(text))


async def scoped_state(
    conn: Conn, app_name: str, user_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The app and user state scopes."""
    row = await conn.fetchrow(sql.SCOPED_STATE, app_name, user_id)
    assert row is not None
    return loads(row[0]), loads(row[1])


def session_of(row: asyncpg.Record, scoped: tuple[dict[str, Any], dict[str, Any]]) -> Session:
    """A ``Session`` (without events) from a ``sql.SESSION_COLUMNS`` row."""
    _pk, sid, app_name, user_id, title, state, parent_id, fork_event_id, created, updated = row
    return Session(
        id=sid,
        app_name=app_name,
        user_id=user_id,
        title=title,
        state=merge_state(scoped[0], scoped[1], loads(state)),
        parent_id=parent_id,
        fork_event_id=fork_event_id,
        created_at=created,
        updated_at=updated,
    )
