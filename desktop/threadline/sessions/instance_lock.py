"""The OS file lock that keeps one Threadline process per data folder.

Light (stdlib only; ``threadline.sessions`` loads its services lazily): the launcher checks
the lock before the first paint.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO


def lock_path(db_path: Path) -> Path:
    """The lock file beside the database."""
    return db_path.with_name(db_path.name + ".lock")


def try_lock(path: Path) -> IO[str] | None:
    """The open, locked file; None when another process holds the lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - held open while the lock is held
    try:
        _lock(handle)
    except OSError:
        handle.close()
        return None
    return handle


def is_held(db_path: Path) -> bool:
    """True when another process has the database open (a quick check before the window)."""
    path = lock_path(db_path)
    if not path.exists():
        return False
    try:
        handle = try_lock(path)
    except OSError:  # an unwritable folder: the store will say so with a clear message
        return False
    if handle is None:
        return True
    handle.close()
    return False


if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds
    import msvcrt

    def _lock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _lock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
