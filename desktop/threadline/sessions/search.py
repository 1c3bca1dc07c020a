"""Full-text search over session titles and message text (SQLite FTS5)."""

from __future__ import annotations

import re
import sqlite3
import unicodedata

from threadline.core.session import Session, SessionSearchHit

_TOKEN = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str, *, match_any: bool = False, prefix: bool = True) -> str:
    """A safe FTS5 query from what a person typed: every word must match (or any, with
    ``match_any``), the last as a prefix unless not ``prefix``."""
    words = _TOKEN.findall(text)
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    if prefix:
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


CHUNK = 256  # matches read per step of the newest-first scan
MIN_PREFIX = 3  # a shorter last word matches whole words only (a prefix of 1-2 letters
# matches nearly every message, and expanding it costs more than it finds)


def search(
    db: sqlite3.Connection,
    app_name: str,
    user_id: str,
    text: str,
    limit: int,
    *,
    match_any: bool = False,
    marks: bool = True,
) -> list[SessionSearchHit]:
    """Up to ``limit`` sessions matching ``text``, with a snippet of their newest match (the
    matching word in [brackets] when ``marks``; clean text for memory): title
    matches first, then sessions whose messages match, newest first.

    Matches are read newest first and the scan stops once ``limit`` sessions are found, so a
    common word costs what a rare one does; every session the scan passes is found. The last
    word matches whole words first; words it only begins fill the places left.
    """
    index_pending(db)
    exact = fts_query(text, match_any=match_any, prefix=False)
    if not exact:
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
            rank=-1e18,
        )
    words = _TOKEN.findall(text)
    queries = [exact]
    if len(words[-1]) >= MIN_PREFIX:
        queries.append(fts_query(text, match_any=match_any))
    scan = _Scan(db, app_name, user_id, set(hits))
    for query in queries:
        scan.run(query, limit - len(hits) - len(scan.found))
    # Found newest first, whole-word matches before prefix ones: that order is the rank.
    for place, (sid, (_seq, body, meta)) in enumerate(scan.found.items()):
        found = snippet(body, words, marks=marks)
        hits[sid] = SessionSearchHit(session=meta, snippet=found, rank=place)
    return sorted(hits.values(), key=lambda h: h.rank)[:limit]


class _Scan:
    """The newest matching row of each session, read newest first (see ``search``)."""

    def __init__(self, db: sqlite3.Connection, app_name: str, user_id: str, skip: set[str]):
        self.db, self.app_name, self.user_id = db, app_name, user_id
        self.skip = skip  # sessions not to report: found by title, or not the user's
        self.found: dict[str, tuple[int, str, Session]] = {}

    def run(self, query: str, wanted: int) -> None:
        goal = len(self.found) + wanted
        cursor = 1 << 62
        while len(self.found) < goal and cursor:
            cursor = self._read(query, cursor, goal)

    def _read(self, query: str, cursor: int, goal: int) -> int:
        """Reads matches below ``cursor`` until ``goal`` sessions are found (returns 0) or a
        stretch of rows finds none (returns where to go on, past those sessions' rows). One
        statement is read as far as it goes: a prefix query costs its whole evaluation."""
        rows = self.db.execute(
            "SELECT f.rowid, e.session_id, e.text FROM events_fts f"
            " JOIN events e ON e.seq = f.rowid"
            " WHERE events_fts MATCH ? AND f.rowid < ? ORDER BY f.rowid DESC",
            (query, cursor),
        )
        while chunk := rows.fetchmany(CHUNK):
            new = 0
            for seq, sid, body in chunk:
                if sid in self.found or sid in self.skip:
                    continue
                meta = _owned_meta(self.db, self.app_name, self.user_id, sid)
                if meta is None:
                    self.skip.add(sid)
                    continue
                self.found[sid] = (seq, body, meta)
                new += 1
                if len(self.found) == goal:
                    return 0
            if not new and len(chunk) == CHUNK:
                # A long conversation full of matches: every row down to the newest row of
                # any other session belongs to sessions already seen, so jump over them.
                return self._below_seen(chunk[-1][0])
        return 0

    def _below_seen(self, cursor: int) -> int:
        """One above the newest row below ``cursor`` of a session not seen yet (a scan of
        the table by seq: cheaper than reading those rows' matches)."""
        seen = self.skip | set(self.found)
        marks = ",".join("?" * len(seen))
        row = self.db.execute(
            f"SELECT seq FROM events WHERE seq < ? AND session_id NOT IN ({marks})"
            " ORDER BY seq DESC LIMIT 1",
            (cursor, *seen),
        ).fetchone()
        return 0 if row is None else int(row[0]) + 1


def snippet(text: str, words: list[str], width: int = 12, *, marks: bool = True) -> str:
    """About ``width`` words of ``text`` around the first word that matches one of ``words``
    (case and accents aside; the last may be a prefix), the match in [brackets]."""
    wanted = [_fold(w) for w in words]
    tokens = text.split()
    at = next(
        (
            i
            for i, token in enumerate(tokens)
            if any(
                (w.startswith(q) if k == len(wanted) - 1 else w == q)
                for k, q in enumerate(wanted)
                for w in map(_fold, _TOKEN.findall(token))
            )
        ),
        None,
    )
    if at is None:
        return " ".join(tokens[:width]) + ("…" if len(tokens) > width else "")
    first = max(0, at - width // 3)
    shown = tokens[first : first + width]
    if marks:
        shown[at - first] = f"[{shown[at - first]}]"
    return ("…" if first else "") + " ".join(shown) + ("…" if first + width < len(tokens) else "")


def _fold(word: str) -> str:
    """Lower case without accents, as the index's tokenizer compares words."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _owned_meta(db: sqlite3.Connection, app_name: str, user_id: str, sid: str) -> Session | None:
    row = db.execute(
        "SELECT title, parent_id, created_at, updated_at FROM sessions WHERE id = ?"
        " AND app_name = ? AND user_id = ? AND deleted_at IS NULL",
        (sid, app_name, user_id),
    ).fetchone()
    return None if row is None else _meta(sid, app_name, user_id, *row)


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
