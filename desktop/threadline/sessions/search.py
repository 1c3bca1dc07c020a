"""Full-text search over session titles and message text (SQLite FTS5)."""

from __future__ import annotations

import re
import sqlite3

from threadline.core.session import Session, SessionSearchHit

_TOKEN = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str, *, match_any: bool = False) -> str:
    """A safe FTS5 query from what a person typed: every word must match (or any, with
    ``match_any``), the last as a prefix."""
    words = _TOKEN.findall(text)
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return (" OR " if match_any else " ").join(quoted)


def index_pending(db: sqlite3.Connection) -> int:
    """Adds rows written since the last call to the full-text index; returns how many."""
    db.execute("BEGIN IMMEDIATE")
    try:
        done = db.execute("SELECT indexed_seq FROM fts_progress").fetchone()[0]
        last = db.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
        if last <= done:
            db.rollback()
            return 0
        cursor = db.execute(
            "INSERT INTO events_fts(rowid, text) SELECT seq, text FROM events"
            " WHERE seq > ? AND seq <= ? AND text != ''",
            (done, last),
        )
        db.execute("UPDATE fts_progress SET indexed_seq = ?", (last,))
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return int(cursor.rowcount)


def search(
    db: sqlite3.Connection,
    app_name: str,
    user_id: str,
    text: str,
    limit: int,
    *,
    match_any: bool = False,
) -> list[SessionSearchHit]:
    """Sessions matching ``text``: title matches first, then message matches by bm25 rank."""
    index_pending(db)
    query = fts_query(text, match_any=match_any)
    if not query:
        return []
    hits: dict[str, SessionSearchHit] = {}
    like = f"%{text.strip()}%"
    for sid, title, parent_id, created, updated in db.execute(
        "SELECT id, title, parent_id, created_at, updated_at FROM sessions WHERE app_name = ?"
        " AND user_id = ? AND deleted_at IS NULL AND title LIKE ? ORDER BY updated_at DESC"
        " LIMIT ?",
        (app_name, user_id, like, limit),
    ):
        hits[sid] = SessionSearchHit(
            session=_meta(sid, app_name, user_id, title, parent_id, created, updated),
            snippet=title,
            rank=-1e9,
        )
    rows = db.execute(
        "SELECT s.id, s.title, s.parent_id, s.created_at, s.updated_at,"
        " snippet(events_fts, 0, '[', ']', '…', 12), bm25(events_fts) AS rank"
        " FROM events_fts JOIN events e ON e.seq = events_fts.rowid"
        " JOIN sessions s ON s.id = e.session_id"
        " WHERE events_fts MATCH ? AND s.app_name = ? AND s.user_id = ? AND s.deleted_at IS NULL"
        " ORDER BY rank LIMIT ?",
        (query, app_name, user_id, limit * 4),
    )
    for sid, title, parent_id, created, updated, snippet, rank in rows:
        if sid not in hits:
            hits[sid] = SessionSearchHit(
                session=_meta(sid, app_name, user_id, title, parent_id, created, updated),
                snippet=snippet,
                rank=rank,
            )
    ordered = sorted(hits.values(), key=lambda h: h.rank)
    return ordered[:limit]


def _meta(
    sid: str,
    app_name: str,
    user_id: str,
    title: str,
    parent_id: str | None,
    created: float,
    updated: float,
) -> Session:
    return Session(
        id=sid,
        app_name=app_name,
        user_id=user_id,
        title=title,
        parent_id=parent_id,
        created_at=created,
        updated_at=updated,
    )
