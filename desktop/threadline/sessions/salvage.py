"""Reading what is still readable out of a damaged database file, into a fresh one.

A damaged file is moved aside and kept (``store_files``); this copies its rows into the new
file table by table and row by row, stepping over pages that cannot be read. A damaged header
(the first 100 bytes) is repaired in a scratch copy first, from the header of an empty file
with the same page size: the pages after it usually hold every conversation intact.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HEADER = b"SQLite format 3\x00"
HEADER_SIZE = 100
PAGE_SIZES = (4096, 1024, 2048, 8192, 16384, 32768, 65536, 512)
# Tables in the order their rows are copied (events after their sessions); others follow.
TABLES = ("sessions", "app_state", "user_state", "settings", "events")
BATCH = 500
# How far ahead to look for readable rows after a bad page, growing each miss.
MAX_GAP = 1 << 40
RECOVERED_TITLE = "Recovered conversation"


@dataclass
class Salvage:
    """What was copied out of a damaged file."""

    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied
    skipped_ranges: int = 0  # stretches of rows that could not be read
    header_repaired: bool = False

    @property
    def sessions(self) -> int:
        """Conversations (and branches) saved."""
        return self.rows.get("sessions", 0)

    @property
    def events(self) -> int:
        """Messages and other events saved."""
        return self.rows.get("events", 0)


def salvage_into(damaged: Path, fresh: sqlite3.Connection) -> Salvage:
    """Copies every readable row of ``damaged`` into ``fresh`` (a migrated, empty store)."""
    report = Salvage()
    with tempfile.TemporaryDirectory(prefix="threadline-salvage-") as scratch:
        source = _readable_copy(damaged, Path(scratch), report)
        if source is None:
            return report
        try:
            for table in _tables(source, fresh):
                report.rows[table] = _copy_table(source, fresh, table, report)
            _house_orphans(fresh)
        finally:
            source.close()
    return report


def _tables(source: sqlite3.Connection, fresh: sqlite3.Connection) -> list[str]:
    """The tables both files have, in an order rows can be inserted in (no search index: it
    is rebuilt from the events)."""
    query = "SELECT name FROM sqlite_master WHERE type = 'table'"
    try:
        theirs = {row[0] for row in source.execute(query)}
    except sqlite3.Error:
        theirs = set(TABLES)
    ours = [row[0] for row in fresh.execute(query)]
    skip = ("sqlite_", "events_fts", "fts_progress")
    common = [t for t in ours if t in theirs and not t.startswith(skip)]
    return [t for t in TABLES if t in common] + [t for t in common if t not in TABLES]


def _readable_copy(damaged: Path, scratch: Path, report: Salvage) -> sqlite3.Connection | None:
    """A read-only connection to a scratch copy (with its WAL), its header repaired if need be."""
    copy = scratch / "damaged.db"
    shutil.copyfile(damaged, copy)
    for suffix in ("-wal", "-shm"):
        side = damaged.with_name(damaged.name + suffix)
        if side.exists():
            shutil.copyfile(side, copy.with_name(copy.name + suffix))
    db = _open_if_readable(copy)
    if db is not None:
        return db
    data = copy.read_bytes()
    for page_size in _page_sizes(data):
        with open(copy, "r+b") as handle:
            handle.write(_header_for(page_size, scratch))
        db = _open_if_readable(copy)
        if db is not None:
            report.header_repaired = True
            return db
    return None


def _page_sizes(data: bytes) -> list[int]:
    sizes = list(PAGE_SIZES)
    if len(data) >= 18:
        stated = int.from_bytes(data[16:18], "big")
        stated = 65536 if stated == 1 else stated
        if stated in sizes:
            sizes.remove(stated)
            sizes.insert(0, stated)
    return sizes


def _header_for(page_size: int, scratch: Path) -> bytes:
    """The first 100 bytes of an empty WAL-mode file with ``page_size``, sized from the file."""
    template = scratch / f"template-{page_size}.db"
    db = sqlite3.connect(template)
    db.execute(f"PRAGMA page_size = {page_size}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    header = bytearray(template.read_bytes()[:HEADER_SIZE])
    header[28:32] = bytes(4)  # page count 0: SQLite takes the file's size instead
    header[32:40] = bytes(8)  # no freelist: its pages may be the damaged ones
    return bytes(header)


def _open_if_readable(path: Path) -> sqlite3.Connection | None:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error:
        db.close()
        return None
    if "sessions" not in names and "events" not in names:
        db.close()
        return None
    return db


def _copy_table(
    source: sqlite3.Connection, fresh: sqlite3.Connection, table: str, report: Salvage
) -> int:
    try:
        source_columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
    except sqlite3.Error:
        return 0
    target_columns = [row[1] for row in fresh.execute(f"PRAGMA table_info({table})")]
    columns = [c for c in target_columns if c in source_columns]
    if not columns:
        return 0
    names = ", ".join(columns)
    insert = f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
    copied, last, gap = 0, -(1 << 62), 1
    while True:
        try:
            rows = source.execute(
                f"SELECT rowid, {names} FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (last, BATCH),
            ).fetchall()
        except sqlite3.DatabaseError:
            rows = _rows_one_by_one(source, table, names, last)
            if not rows:  # a bad page: look further ahead, further each time
                report.skipped_ranges += gap == 1
                if gap > MAX_GAP:
                    break
                last, gap = last + gap, gap * 4
                continue
        if not rows:
            break
        gap = 1
        for row in rows:
            copied += _insert(fresh, table, insert, columns, row[1:])
        last = rows[-1][0]
    fresh.commit()
    return copied


def _rows_one_by_one(
    source: sqlite3.Connection, table: str, names: str, last: int
) -> list[tuple[object, ...]]:
    """The readable rows just after ``last``, read singly up to the first that fails."""
    rows: list[tuple[object, ...]] = []
    with contextlib.suppress(sqlite3.DatabaseError):
        for row in source.execute(
            f"SELECT rowid, {names} FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (last, BATCH),
        ):
            rows.append(tuple(row))
    return rows


def _insert(
    fresh: sqlite3.Connection,
    table: str,
    insert: str,
    columns: list[str],
    values: tuple[object, ...],
) -> int:
    try:
        return fresh.execute(insert, values).rowcount
    except sqlite3.Error:
        return 0


def _house_orphans(fresh: sqlite3.Connection) -> None:
    """Events whose conversation row was on a lost page get a conversation to live in."""
    fresh.execute(
        "INSERT OR IGNORE INTO sessions (id, app_name, user_id, title, created_at, updated_at)"
        " SELECT DISTINCT e.session_id, 'threadline', 'local', ?, min(e.timestamp),"
        " max(e.timestamp) FROM events e LEFT JOIN sessions s ON s.id = e.session_id"
        " WHERE s.id IS NULL GROUP BY e.session_id",
        (RECOVERED_TITLE,),
    )
    fresh.execute(
        "UPDATE sessions SET parent_id = NULL WHERE parent_id IS NOT NULL"
        " AND parent_id NOT IN (SELECT id FROM sessions)"
    )
    fresh.commit()
