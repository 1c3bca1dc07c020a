"""Forking: a branch is one row pointing at its parent and fork event, whatever its length.

Its history is the parent's rows up to the fork (``fork_seq``) plus its own; nothing is copied.
"""

from __future__ import annotations

import sqlite3

from threadline.core.session import Session
from threadline.sessions.queries import find_in_lineage, index_of_event, transaction


def insert_branch(
    db: sqlite3.Connection,
    app_name: str,
    user_id: str,
    session_id: str,
    at_event_id: str,
    branch_id: str,
    now: float,
) -> None:
    """Adds ``branch_id``, forked from ``session_id`` after ``at_event_id`` ("": before the
    first event). Raises ``KeyError`` when the session or the event does not exist."""
    with transaction(db):
        source = db.execute(
            "SELECT title, state FROM sessions WHERE id = ? AND app_name = ? AND user_id = ?",
            (session_id, app_name, user_id),
        ).fetchone()
        if source is None:
            raise KeyError(f"session {session_id!r} does not exist")
        # "" forks before the first event: a branch that inherits nothing.
        seq = find_in_lineage(db, session_id, at_event_id) if at_event_id else 0
        if seq is None:
            raise KeyError(f"event {at_event_id!r} is not in session {session_id!r}")
        db.execute(
            "INSERT INTO sessions (id, app_name, user_id, title, state, parent_id,"
            " fork_event_id, fork_seq, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                branch_id,
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


def branch_of_loaded(
    source: Session | None, session_id: str, at_event_id: str, branch_id: str, now: float
) -> Session | None:
    """The new branch sliced from ``source`` (``session_id`` as loaded), or None when it must
    be read back (the source is not in memory, or the fork event is not among its events)."""
    found_at = index_of_event(source.events, at_event_id) if source is not None else None
    if source is None or found_at is None:
        return None
    return source.model_copy(
        update={
            "id": branch_id,
            "events": source.events[: found_at + 1],
            "state": dict(source.state),
            "parent_id": session_id,
            "fork_event_id": at_event_id or None,
            "created_at": now,
            "updated_at": now,
        }
    )
