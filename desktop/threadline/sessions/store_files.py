"""Opening the database file safely: pragmas, corrupt, read-only and locked files, one instance."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from threadline.core.errors import CorruptDatabaseError, DatabaseInUseError, StorageError
from threadline.sessions.instance_lock import lock_path, try_lock

BUSY_TIMEOUT_MS = 5000


def open_database(
    path: Path, migrate: Callable[[sqlite3.Connection, Path | None], int]
) -> sqlite3.Connection:
    """Opens (creating if needed) and migrates the file; moves a corrupt file aside first."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"Cannot create the data folder {path.parent}: {exc.strerror}.", path=str(path)
        ) from exc
    try:
        db = _connect(path)
    except sqlite3.DatabaseError as exc:
        if _looks_corrupt(exc):
            raise _quarantine(path, exc) from exc
        raise explain(exc, path) from exc
    try:
        migrate(db, path)
        _tune(db, path)
    except sqlite3.DatabaseError as exc:
        db.close()
        if _looks_corrupt(exc):
            raise _quarantine(path, exc) from exc
        raise explain(exc, path) from exc
    except BaseException:
        db.close()
        raise
    return db


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, one short transaction per write.
    db = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # The first read of the header is where a non-database file shows itself.
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        db.close()
        raise
    return db


def _tune(db: sqlite3.Connection, path: Path) -> None:
    # After the version check, so a file from a newer Threadline is left byte for byte.
    mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal" and os.access(path, os.W_OK):
        raise StorageError(f"Could not switch {path} to WAL mode (got {mode}).", path=str(path))
    # NORMAL in WAL mode: a killed process loses nothing committed; only a power cut may
    # lose the last transactions, never corrupting the file.
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    # Long histories are read whole: memory-map the file and keep a larger page cache.
    db.execute("PRAGMA mmap_size = 268435456")
    db.execute("PRAGMA cache_size = -32000")


def _looks_corrupt(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text or "corrupt" in text


def _quarantine(path: Path, exc: Exception) -> CorruptDatabaseError:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    moved: str | None = None
    try:
        os.replace(path, target)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                os.replace(side, target.with_name(target.name + suffix))
        moved = str(target)
        where = f"It was moved to {target} and kept; a new empty file will be used."
    except OSError:
        where = "It could not be moved aside and was left as it is."
    return CorruptDatabaseError(
        f"{path} is damaged and cannot be opened ({exc}). {where}", path=str(path), moved_to=moved
    )


def explain(exc: sqlite3.Error, path: Path) -> StorageError:
    """A ``StorageError`` that says in plain words what went wrong with ``path``."""
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text:
        message = f"{path} is read-only, so nothing new can be saved. Check the file's permissions."
    elif "locked" in text or "busy" in text:
        message = f"{path} is locked by another program. Close it and try again."
    elif "unable to open" in text:
        message = f"Cannot open {path}: check that its folder exists and is writable."
    elif "disk" in text and "full" in text:
        message = f"The disk holding {path} is full; nothing new can be saved."
    elif isinstance(exc, sqlite3.DatabaseError) and _looks_corrupt(exc):
        message = f"{path} is damaged ({exc}). Quit Threadline; a copy is kept when it restarts."
    else:
        message = f"Database error on {path}: {exc}"
    return StorageError(message, path=str(path))


class InstanceLock:
    """An exclusive lock on ``<db>.lock`` held while a process has the store open."""

    def __init__(self, db_path: Path) -> None:
        self.path = lock_path(db_path)
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Takes the lock; raises ``DatabaseInUseError`` when another process holds it."""
        handle = try_lock(self.path)
        if handle is None:
            raise DatabaseInUseError(
                f"{self.path.parent} is already open in another Threadline window.",
                path=str(self.path),
            )
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Lets go of the lock."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
