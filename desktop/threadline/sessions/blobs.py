"""Image and file bytes, stored once per content hash (the ``blobs`` table, schema v3).

An event's ``Message.parts`` are saved without their bytes: the event JSON keeps each part's
``ref`` (``sha256:<hex>``), ``size`` and ``mime_type``, and the bytes go into ``blobs`` once,
however many events (or branches, or re-sent turns) carry them. Loading a session fills them
in again (``fill``); views reading the light rows fetch one with ``SQLiteSessionService.get_blob``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from threadline.core.events import BLOB_PREFIX, Event, Part


class Blob(NamedTuple):
    """Bytes to store: their ``ref`` (``sha256:<hex>``), type and size."""

    ref: str
    mime_type: str
    data: bytes


def split_event(event: Event) -> tuple[Event, list[Blob]]:
    """The event as it is saved (parts without bytes) and the bytes to store beside it."""
    message = event.message
    if message is None or not any(p.data is not None for p in message.parts):
        return event, []
    found: list[Blob] = []
    parts: list[Part] = []
    for part in message.parts:
        if part.data is not None and part.ref is not None:
            found.append(Blob(part.ref, part.mime_type, part.data))
            part = part.model_copy(update={"data": None})
        parts.append(part)
    stored = event.model_copy(update={"message": message.model_copy(update={"parts": parts})})
    return stored, found


def save(db: sqlite3.Connection, blobs: Iterable[Blob]) -> None:
    """Stores bytes not stored yet (inside the caller's transaction)."""
    now = time.time()
    db.executemany(
        "INSERT OR IGNORE INTO blobs (ref, mime_type, size, data, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [(b.ref, b.mime_type, len(b.data), b.data, now) for b in blobs],
    )


def load(db: sqlite3.Connection, ref: str) -> bytes | None:
    """The bytes stored under ``ref``, or None."""
    row = db.execute("SELECT data FROM blobs WHERE ref = ?", (ref,)).fetchone()
    return None if row is None else bytes(row[0])


def event_columns(event: Event, *, no_nul: bool = False) -> tuple[tuple[Any, ...], list[Blob]]:
    """The columns both stores keep for ``event`` (``id, invocation_id, author, role, tag,
    timestamp, text, body``) and the bytes to store beside it.

    ``text`` is a user or assistant message's text (what search indexes); ``no_nul`` drops NUL
    from it, which PostgreSQL text cannot hold (the JSON body keeps it escaped).
    """
    message = event.message
    text = message.content if message is not None and message.role in ("user", "assistant") else ""
    stored, found = split_event(event)
    columns = (
        event.id,
        event.invocation_id,
        event.author,
        message.role if message is not None else None,
        event.tag,
        event.timestamp,
        text.replace("\x00", "") if no_nul else text,
        stored.model_dump_json(exclude_defaults=True),
    )
    return columns, found


def parts_to_fill(events: Sequence[Event]) -> dict[str, list[Part]]:
    """The parts of loaded events whose bytes are stored apart, by ``ref``."""
    wanted: dict[str, list[Part]] = {}
    for event in events:
        if event.message is None:
            continue
        for part in event.message.parts:
            if part.data is None and part.ref and part.ref.startswith(BLOB_PREFIX):
                wanted.setdefault(part.ref, []).append(part)
    return wanted


def give(wanted: dict[str, list[Part]], rows: Iterable[tuple[str, Any]]) -> None:
    """Hands each ``(ref, data)`` row's bytes to the parts that name it (one bytes object)."""
    for ref, data in rows:
        shared = bytes(data)
        for part in wanted[ref]:
            part.data = shared


def fill(db: sqlite3.Connection, events: Sequence[Event]) -> None:
    """Puts the stored bytes back into the parts of loaded events (one query per 500 refs)."""
    wanted = parts_to_fill(events)
    refs = list(wanted)
    for start in range(0, len(refs), 500):
        chunk = refs[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        give(wanted, db.execute(f"SELECT ref, data FROM blobs WHERE ref IN ({marks})", chunk))


def purge_unreferenced(db: sqlite3.Connection) -> int:
    """Deletes bytes no stored event names any more (after the trash is emptied)."""
    cursor = db.execute(
        "DELETE FROM blobs WHERE NOT EXISTS"
        " (SELECT 1 FROM events WHERE instr(events.body, blobs.ref) > 0)"
    )
    return cursor.rowcount
