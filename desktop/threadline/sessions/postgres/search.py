"""Full-text search on PostgreSQL's own index (tsvector, GIN), shaped as the SQLite store's."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import asyncpg

from threadline.core.session import Session, SessionSearchHit

if TYPE_CHECKING:
    from threadline.sessions.postgres.schema import Conn

_WORD = re.compile(r"\w+", re.UNICODE)
TITLE_RANK = -1e9  # title matches come first, as on SQLite

# \w+ words hold none of tsquery's operators (& | ! ( ) : * < > '), so joining them is safe.


def ts_query(text: str, *, match_any: bool = False) -> str:
    """A tsquery from what a person typed: every word (or any, with ``match_any``), the last
    as a prefix (it may still be being typed)."""
    words = _WORD.findall(text)
    if not words:
        return ""
    words[-1] += ":*"
    return (" | " if match_any else " & ").join(words)


def like_pattern(text: str) -> str:
    """An ILIKE pattern finding ``text`` anywhere, its own ``%``, ``_`` and ``\\`` literal."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_META = "s.id, s.title, p.id, s.created_at, s.updated_at"

_TITLES = f"""
SELECT {_META} FROM sessions s LEFT JOIN sessions p ON p.pk = s.parent_pk
WHERE s.app_name = $1 AND s.user_id = $2 AND s.deleted_at IS NULL AND s.title ILIKE $3
ORDER BY s.updated_at DESC LIMIT $4
"""

# The best-ranked message of each matching session, then ts_headline on those few only (it
# re-parses the text, so it must not run on every match).
_MESSAGES = f"""
WITH q AS (SELECT to_tsquery('threadline_search', $3) AS q),
best AS (
    SELECT DISTINCT ON (e.session_pk) e.session_pk, e.text, ts_rank(e.search, q.q) AS rank
    FROM events e CROSS JOIN q JOIN sessions s ON s.pk = e.session_pk
    WHERE e.search @@ q.q AND s.app_name = $1 AND s.user_id = $2 AND s.deleted_at IS NULL
    ORDER BY e.session_pk, rank DESC
)
SELECT {_META},
    ts_headline('threadline_search', b.text, q.q, $5),
    -b.rank
FROM best b CROSS JOIN q JOIN sessions s ON s.pk = b.session_pk
LEFT JOIN sessions p ON p.pk = s.parent_pk
ORDER BY b.rank DESC LIMIT $4
"""
_MARKED = "StartSel=[, StopSel=], MaxWords=12, MinWords=4, ShortWord=1"
_CLEAN = 'StartSel="", StopSel="", MaxWords=30, MinWords=8, ShortWord=1'


async def search(
    conn: Conn,
    app_name: str,
    user_id: str,
    text: str,
    limit: int,
    *,
    match_any: bool = False,
    marks: bool = True,
) -> list[SessionSearchHit]:
    """Sessions matching ``text``: title matches first, then message matches by ``ts_rank``;
    snippets with the matched words [bracketed] when ``marks``, else clean (for a model)."""
    query = ts_query(text, match_any=match_any)
    if not query:
        return []
    hits: dict[str, SessionSearchHit] = {}
    for row in await conn.fetch(_TITLES, app_name, user_id, like_pattern(text), limit):
        hits[row[0]] = SessionSearchHit(
            session=_meta(row, app_name, user_id), snippet=row[1], rank=TITLE_RANK
        )
    options = _MARKED if marks else _CLEAN
    for row in await conn.fetch(_MESSAGES, app_name, user_id, query, limit, options):
        if row[0] not in hits:
            hits[row[0]] = SessionSearchHit(
                session=_meta(row, app_name, user_id), snippet=row[5], rank=float(row[6])
            )
    return sorted(hits.values(), key=lambda hit: hit.rank)[:limit]


def _meta(row: asyncpg.Record, app_name: str, user_id: str) -> Session:
    return Session(
        id=row[0],
        app_name=app_name,
        user_id=user_id,
        title=row[1],
        parent_id=row[2],
        created_at=row[3],
        updated_at=row[4],
    )
