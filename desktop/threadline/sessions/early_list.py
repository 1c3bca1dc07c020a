"""The sidebar's rows read before the store is open, so the window lists conversations while
the rest of the app (pydantic, the runner, the store's checks) is still loading.

Only ``sqlite3`` and ``json``: importing this costs nothing. The file is opened read-only and
only when it is of the schema version this code knows; anything unusual (no file yet, another
version, a lock, damage) answers None, and the store's own open, a moment later, deals with it
and lists the sidebar as always.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

# The schema version these queries are written for: tests/sessions/test_early_list.py checks it
# is ``sessions.schema.CURRENT_VERSION`` (importing that module here would load pydantic).
SCHEMA_VERSION = 4

TREE_SQL = (
    "SELECT s.id, s.title, s.parent_id, s.updated_at, coalesce(e.text, '')"
    " FROM sessions s LEFT JOIN events e ON e.seq = s.fork_seq"
    " WHERE s.app_name = ? AND s.user_id = ? AND s.deleted_at IS NULL"
    " ORDER BY s.updated_at DESC"
)

Row = tuple[str, str, str | None, float, str]  # TreeRow's fields, in its order


def early_sidebar(
    path: Path, app_name: str, user_id: str, pinned_key: str
) -> tuple[list[Row], list[str]] | None:
    """The rows ``list_tree`` would give and the pinned ids, or None (see the module)."""
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.05)
    except sqlite3.Error:
        return None
    try:
        if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            return None
        rows: list[Row] = db.execute(TREE_SQL, (app_name, user_id)).fetchall()
        stored = db.execute("SELECT value FROM settings WHERE key = ?", (pinned_key,)).fetchone()
    except sqlite3.Error:
        return None
    finally:
        db.close()
    try:
        pinned = json.loads(stored[0]) if stored is not None else []
    except ValueError:
        pinned = []
    return rows, [str(s) for s in pinned] if isinstance(pinned, list) else []
