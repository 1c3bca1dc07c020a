"""Opening the database file safely: pragmas, corrupt, read-only and locked files, one instance."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from threadline.core.errors import CorruptDatabaseError, DatabaseInUseError, StorageError
from threadline.sessions.instance_lock import lock_path, try_lock
from threadline.sessions.salvage import Salvage, salvage_into

BUSY_TIMEOUT_MS = 5000


Migrate = Callable[[sqlite3.Connection, Path | None], int]


@dataclass(frozen=True)
class Recovery:
    """A damaged file was moved aside and what could be read was saved into a fresh one."""

    moved_to: str
    salvage: Salvage

    @property
    def message(self) -> str:
        """What the banner says."""
        saved = self.salvage
        return (
            f"The data file was damaged. It was kept as {self.moved_to}; "
            f"{saved.sessions} conversation(s) and {saved.events} message(s) and events were "
            "recovered into a new file."
        )


def open_database(path: Path, migrate: Migrate) -> tuple[sqlite3.Connection, Recovery | None]:
    """Opens (creating if needed) and migrates the file.

    A damaged file (header or pages, found by ``PRAGMA quick_check``) is moved aside and kept,
    and its readable rows are salvaged into a fresh file, which is returned with a
    ``Recovery``. Raises ``CorruptDatabaseError`` only when the file cannot be moved aside.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"Cannot create the data folder {path.parent}: {exc.strerror}.", path=str(path)
        ) from exc
    try:
        return _open_checked(path, migrate), None
    except CorruptDatabaseError as damaged:
        return recover(path, migrate, damaged)


def recover(
    path: Path, migrate: Migrate, damaged: Exception
) -> tuple[sqlite3.Connection, Recovery]:
    """Moves a damaged ``path`` aside, opens a fresh file there and salvages into it."""
    quarantined = _quarantine(path, damaged)
    if quarantined.moved_to is None:
        raise quarantined
    db = _open_checked(path, migrate, tune=False)
    try:
        report = salvage_into(Path(quarantined.moved_to), db)
        _tune(db, path)
    except BaseException:
        db.close()
        raise
    return db, Recovery(quarantined.moved_to, report)


# ``quick_check`` reads every page: 1 s for a 500 MB file. Above this size the store opens at
# once and checks on a connection of its own meanwhile (``SQLiteSessionService``).
CHECK_AT_OPEN_BYTES = 64 * 1024 * 1024
CHECK_DELAY_S = 3.0  # after an open, before the background check of a big file starts


def checked_later(path: Path) -> bool:
    """Whether ``path`` is too big for a check before opening (see ``check_in_background``)."""
    try:
        return path.stat().st_size > CHECK_AT_OPEN_BYTES
    except OSError:
        return False


def check_in_background(path: Path, found: Callable[[str], None]) -> None:
    """Runs ``PRAGMA quick_check`` on a thread and connection of its own (WAL readers block no
    one); calls ``found`` with the problem from that thread when the file is damaged."""

    def check() -> None:
        _yield_to_others()
        try:
            db = sqlite3.connect(path, timeout=1.0)
            try:
                problem = str(db.execute("PRAGMA quick_check(1)").fetchone()[0])
            finally:
                db.close()
        except sqlite3.DatabaseError as exc:
            problem = str(exc) if _looks_corrupt(exc) else "ok"
        except sqlite3.Error:
            problem = "ok"  # locked or vanished: not a sign of damage
        if problem != "ok":
            found(problem)

    # A few seconds late: the first reads after an open (the sidebar, the last conversation)
    # must not queue behind a whole-file read of a cold file (124-252 ms instead of ~6).
    timer = threading.Timer(CHECK_DELAY_S, check)
    timer.name = "threadline-check"
    timer.daemon = True
    timer.start()


def _yield_to_others() -> None:
    """Lowers this thread's priority where the system allows one thread's (Linux): reading
    a large file whole must not slow the window or the store's own queries, which on a
    2-core machine it did (listing 2,000 conversations took 250 ms instead of 6)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


def _open_checked(path: Path, migrate: Migrate, *, tune: bool = True) -> sqlite3.Connection:
    try:
        db = _connect(path)
    except sqlite3.DatabaseError as exc:
        if _looks_corrupt(exc):
            raise CorruptDatabaseError(str(exc), path=str(path), moved_to=None) from exc
        raise explain(exc, path) from exc
    try:
        if not checked_later(path):
            problem = db.execute("PRAGMA quick_check(1)").fetchone()[0]
            if problem != "ok":
                raise CorruptDatabaseError(str(problem), path=str(path), moved_to=None)
        migrate(db, path)
        if tune:
            _tune(db, path)
    except sqlite3.DatabaseError as exc:
        db.close()
        if _looks_corrupt(exc):
            raise CorruptDatabaseError(str(exc), path=str(path), moved_to=None) from exc
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


def looks_corrupt(exc: sqlite3.Error) -> bool:
    """True for SQLite's "file is not a database" and "malformed" errors."""
    return isinstance(exc, sqlite3.DatabaseError) and _looks_corrupt(exc)


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
        where = f"It was moved to {target} and kept."
    except OSError:
        where = "It could not be moved aside and was left as it is; move it away and restart."
    return CorruptDatabaseError(
        f"{path} is damaged ({exc}). {where}", path=str(path), moved_to=moved
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
        message = f"{path} is damaged ({exc})."
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
