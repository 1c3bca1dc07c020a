"""Event rows and their image and file bytes on PostgreSQL: the bytes leave the event JSON and
go into ``blobs`` once per content hash, as on the SQLite store (``sessions/blobs.py``)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from threadline.core.events import Event
from threadline.sessions.blobs import Blob, event_columns, give, parts_to_fill

if TYPE_CHECKING:
    from threadline.sessions.postgres.schema import Conn

INSERT_EVENT = """
INSERT INTO events (session_pk, id, invocation_id, author, role, tag, timestamp, text, body)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
"""
_SAVE_BLOB = """
INSERT INTO blobs (ref, mime_type, size, data, created_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (ref) DO NOTHING
"""


def event_values(event: Event) -> tuple[tuple[Any, ...], list[Blob]]:
    """The ``events`` columns after ``session_pk`` (id … body) and the bytes to store apart."""
    return event_columns(event, no_nul=True)


async def save_blobs(conn: Conn, found: Iterable[Blob]) -> None:
    """Stores bytes not stored yet (inside the caller's transaction, if any)."""
    now = time.time()
    rows = [(b.ref, b.mime_type, len(b.data), b.data, now) for b in found]
    if rows:
        await conn.executemany(_SAVE_BLOB, rows)


async def fill_blobs(conn: Conn, events: Sequence[Event]) -> None:
    """Puts the stored bytes back into the parts of loaded events (one query)."""
    wanted = parts_to_fill(events)
    if wanted:
        rows = await conn.fetch(
            "SELECT ref, data FROM blobs WHERE ref = ANY($1::text[])", list(wanted)
        )
        give(wanted, ((r["ref"], r["data"]) for r in rows))


async def load_blob(conn: Conn, ref: str) -> bytes | None:
    data = await conn.fetchval("SELECT data FROM blobs WHERE ref = $1", ref)
    return None if data is None else bytes(data)
