"""The SQL of the store's everyday writes: a new session, and one appended event with its
state deltas (``updated_at`` refreshed only when asked, see ``SQLiteSessionService``)."""

from __future__ import annotations

import sqlite3
from typing import Any

from threadline.core.session import Session
from threadline.sessions import blobs
from threadline.sessions.queries import EVENT_INSERT, dumps, merge_json, merge_scoped, transaction


def insert_session(
    db: sqlite3.Connection,
    app_name: str,
    user_id: str,
    session_id: str,
    scoped: tuple[dict[str, Any], dict[str, Any], dict[str, Any]],
    now: float,
) -> None:
    """Adds an empty session; ``scoped`` is its state split in app, user and own parts.

    Raises ``ValueError`` when the id is taken (by a live or a trashed session).
    """
    app, user, own = scoped
    with transaction(db):
        row = db.execute("SELECT deleted_at FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is not None:
            raise ValueError(f"session {session_id!r} already exists")
        db.execute(
            "INSERT INTO sessions (id, app_name, user_id, state, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (session_id, app_name, user_id, dumps(own), now, now),
        )
        merge_scoped(db, app_name, user_id, app, user)


def insert_event(
    db: sqlite3.Connection,
    session: Session,
    row: tuple[Any, ...],
    found: list[blobs.Blob],
    scoped: tuple[dict[str, Any], dict[str, Any], dict[str, Any]],
    *,
    title: str | None,
    touch: bool,
    now: float,
) -> None:
    """Appends one event row (its blobs first) and merges its state delta (``scoped``: the
    app, user and own parts); a new ``title`` or ``touch`` refreshes ``updated_at``."""
    app, user, own = scoped
    with transaction(db):
        if found:
            blobs.save(db, found)
        db.execute(EVENT_INSERT, row)
        if own:
            merge_json(db, "sessions", "id = ?", (session.id,), own)
        if app or user:
            merge_scoped(db, session.app_name, session.user_id, app, user)
        if title:
            db.execute(
                "UPDATE sessions SET updated_at = ?, title = ? WHERE id = ?",
                (now, title, session.id),
            )
        elif touch:
            db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session.id))
