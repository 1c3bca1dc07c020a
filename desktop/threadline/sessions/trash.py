"""The trash: moving sessions in and out, and emptying it without breaking branches that
inherit a deleted session's history."""

from __future__ import annotations

import sqlite3
import time

from threadline.core.session import Session
from threadline.sessions.blobs import purge_unreferenced
from threadline.sessions.queries import SESSION_COLUMNS, execute, session_from_row
from threadline.sessions.search import index_pending


def move_to_trash(db: sqlite3.Connection, app_name: str, user_id: str, session_id: str) -> None:
    """Moves a session to the trash (``restore`` undoes it)."""
    execute(
        db,
        "UPDATE sessions SET deleted_at = ? WHERE id = ? AND app_name = ? AND user_id = ?",
        (time.time(), session_id, app_name, user_id),
    )


def restore(db: sqlite3.Connection, app_name: str, user_id: str, session_id: str) -> None:
    """Takes a session out of the trash (one not yet purged)."""
    execute(
        db,
        "UPDATE sessions SET deleted_at = NULL WHERE id = ? AND app_name = ?"
        " AND user_id = ? AND purged_at IS NULL",
        (session_id, app_name, user_id),
    )


def trashed_sessions(db: sqlite3.Connection, app_name: str, user_id: str) -> list[Session]:
    """Sessions in the trash (without events or scoped state), most recently deleted first."""
    rows = db.execute(
        f"SELECT {SESSION_COLUMNS} FROM sessions WHERE app_name = ? AND user_id = ?"
        " AND deleted_at IS NOT NULL AND purged_at IS NULL ORDER BY deleted_at DESC",
        (app_name, user_id),
    ).fetchall()
    return [session_from_row(row, ({}, {})) for row in rows]


def purge(db: sqlite3.Connection, app_name: str, user_id: str) -> int:
    """Deletes trashed sessions; returns how many left the trash.

    A session with live branches keeps the rows they inherit (up to its latest fork point) and
    is marked purged, hidden everywhere; one without branches goes entirely.
    """
    index_pending(db)  # the delete trigger may only remove rows the index holds
    db.execute("BEGIN IMMEDIATE")
    try:
        trashed = [
            row[0]
            for row in db.execute(
                "SELECT id FROM sessions WHERE app_name = ? AND user_id = ?"
                " AND deleted_at IS NOT NULL AND purged_at IS NULL",
                (app_name, user_id),
            )
        ]
        for sid in trashed:
            keep = db.execute(
                "SELECT max(fork_seq) FROM sessions WHERE parent_id = ?", (sid,)
            ).fetchone()[0]
            if keep is None:
                db.execute("DELETE FROM events WHERE session_id = ?", (sid,))
                db.execute("DELETE FROM sessions WHERE id = ?", (sid,))
            else:
                db.execute("DELETE FROM events WHERE session_id = ? AND seq > ?", (sid, keep))
                db.execute("UPDATE sessions SET purged_at = ? WHERE id = ?", (time.time(), sid))
        if trashed:
            purge_unreferenced(db)  # image and file bytes no remaining event names
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return len(trashed)
