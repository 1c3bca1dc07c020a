"""The SQL of the store's everyday writes: a new session, and appended events with their
state deltas, group-committed (``updated_at`` refreshed only when asked, see
``SQLiteSessionService``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, NamedTuple

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


class PendingAppend(NamedTuple):
    """One event waiting for the next group commit (``SQLiteSessionService.append_event``)."""

    session: Session
    row: tuple[Any, ...]
    found: list[blobs.Blob]
    scoped: tuple[dict[str, Any], dict[str, Any], dict[str, Any]]
    title: str | None
    touch: bool
    now: float


def insert_events(db: sqlite3.Connection, batch: Sequence[PendingAppend]) -> list[Exception | None]:
    """Writes the events that arrived together in one transaction (group commit).

    Each event has a savepoint of its own, so one that cannot be written (a duplicate id) fails
    alone; returns, per event, None or its error. A failed ``BEGIN`` or ``COMMIT`` raises.
    """
    outcomes: list[Exception | None] = []
    with transaction(db):
        if len(batch) == 1:  # the usual case: its error is the transaction's
            write_event(db, batch[0])
            return [None]
        for pending in batch:
            db.execute("SAVEPOINT append")
            try:
                write_event(db, pending)
            except sqlite3.Error as exc:
                db.execute("ROLLBACK TO append")
                outcomes.append(exc)
            else:
                outcomes.append(None)
            db.execute("RELEASE append")
    return outcomes


def write_event(db: sqlite3.Connection, pending: PendingAppend) -> None:
    """Appends one event row (its blobs first) and merges its state delta (``scoped``: the
    app, user and own parts); a new ``title`` or ``touch`` refreshes ``updated_at``."""
    session, row, found, (app, user, own), title, touch, now = pending
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
