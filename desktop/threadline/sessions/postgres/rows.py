"""Event rows and their image and file bytes on PostgreSQL: the bytes leave the event JSON and
go into ``blobs`` once per content hash, as on the SQLite store (``sessions/blobs.py``)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from threadline.core.events import BLOB_PREFIX, Event, Part
from threadline.sessions.blobs import Blob, split_event

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
    """The ``events`` columns after ``session_pk`` (id … body) and the bytes to store apart.

    ``text`` is a user or assistant message's text (what search indexes), without NUL, which
    PostgreSQL text cannot hold (the JSON body keeps it escaped).
    """
    message = event.message
    is_text = message is not None and message.role in ("user", "assistant")
    stored, found = split_event(event)
    values = (
        event.id,
        event.invocation_id,
        event.author,
        message.role if message is not None else None,
        event.tag,
        event.timestamp,
        message.content.replace("\x00", "") if is_text and message is not None else "",
        stored.model_dump_json(exclude_defaults=True),
    )
    return values, found


async def save_blobs(conn: Conn, found: Iterable[Blob]) -> None:
    """Stores bytes not stored yet (inside the caller's transaction, if any)."""
    now = time.time()
    rows = [(b.ref, b.mime_type, len(b.data), b.data, now) for b in found]
    if rows:
        await conn.executemany(_SAVE_BLOB, rows)


async def fill_blobs(conn: Conn, events: Sequence[Event]) -> None:
    """Puts the stored bytes back into the parts of loaded events (one query)."""
    wanted: dict[str, list[Part]] = {}
    for event in events:
        if event.message is None:
            continue
        for part in event.message.parts:
            if part.data is None and part.ref and part.ref.startswith(BLOB_PREFIX):
                wanted.setdefault(part.ref, []).append(part)
    if not wanted:
        return
    for ref, data in await conn.fetch(
        "SELECT ref, data FROM blobs WHERE ref = ANY($1::text[])", list(wanted)
    ):
        shared = bytes(data)  # one bytes object for every part that names it
        for part in wanted[ref]:
            part.data = shared


async def load_blob(conn: Conn, ref: str) -> bytes | None:
    data = await conn.fetchval("SELECT data FROM blobs WHERE ref = $1", ref)
    return None if data is None else bytes(data)
