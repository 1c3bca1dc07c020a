"""Emptying the trash without breaking branches that inherit a deleted session's history."""

from __future__ import annotations

import sqlite3
import time

from threadline.sessions.blobs import purge_unreferenced
from threadline.sessions.search import index_pending


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
