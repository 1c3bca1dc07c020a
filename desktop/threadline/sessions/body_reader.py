"""Reads stored event JSON by place (``seq``) on the calling thread, for ``core.event_log``.

A history read back from the file leaves its plain messages unparsed and without their JSON
(``queries.history_of``); when one of those events is itself read, its JSON is fetched here.
That happens rarely and synchronously (inside ``EventLog.__getitem__``), so it goes through a
connection of its own: the store's worker may be busy with other work, and in WAL mode a reader
never waits for a writer.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from threadline.core.errors import StorageError

CHUNK = 500  # seqs per query (SQLite allows 999 parameters in older builds)


class BodyReader:
    """``reader(seqs)`` is ``{seq: event JSON}`` for the stored events at ``seqs``.

    Usable from any thread; opens its connection on first use. After ``close`` (the store
    closed, a history read before is read further) each call opens and closes one of its own,
    so no handle outlives the store.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._closed = False

    def __call__(self, seqs: Sequence[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        with self._lock:
            try:
                db = self._connection()
            except sqlite3.Error as exc:
                raise self._unreadable(exc) from exc
            try:
                for start in range(0, len(seqs), CHUNK):
                    chunk = list(seqs[start : start + CHUNK])
                    marks = ", ".join("?" * len(chunk))
                    found.update(
                        db.execute(f"SELECT seq, body FROM events WHERE seq IN ({marks})", chunk)
                    )
            except sqlite3.Error as exc:
                raise self._unreadable(exc) from exc
            finally:
                if self._closed:
                    db.close()
                    self._db = None
        return found

    def close(self) -> None:
        """Closes the connection (the store closed, or its file was moved aside)."""
        with self._lock:
            self._closed = True
            if self._db is not None:
                self._db.close()
                self._db = None

    def reopen(self) -> None:
        """Keeps a connection again (the store uses a new file after a recovery)."""
        with self._lock:
            self._closed = False

    def _unreadable(self, exc: sqlite3.Error) -> StorageError:
        return StorageError(
            f"Could not read the conversation back from {self.path}: {exc}", path=str(self.path)
        )

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            # mode=rw: a file that is gone must not come back empty.
            uri = f"{self.path.resolve().as_uri()}?mode=rw"
            db = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA query_only = ON")
            self._db = db
        return self._db
