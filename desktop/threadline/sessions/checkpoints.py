"""WAL checkpoints off the writer's path.

With SQLite's automatic checkpoint, every ~1,000 pages one append pays for copying the WAL into
the database file and syncing it: half of what an append costs on average. The store's own
connection turns that off (``PRAGMA wal_autocheckpoint = 0``) and this class runs ``PASSIVE``
checkpoints on a connection and thread of its own, which never block the writer or a reader.
The WAL stays bounded: a checkpoint is asked for every ``EVERY`` appends and when the store
goes quiet, and the last connection to close checkpoints what is left. SQLite only starts the
WAL over when a checkpoint has copied all of it, which a background one never sees while
appends go on; so after each background run the writer finishes the job itself, copying only
the few pages written meanwhile.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path

from threadline.sessions.worker import DbWorker

EVERY = 500  # appends between checkpoints (about 2,000 WAL pages, 8 MB)
WAL_LIMIT = 8 * 1024 * 1024  # bytes a WAL is cut back to when it starts over


class Checkpointer:
    """Runs ``PRAGMA wal_checkpoint(PASSIVE)`` in the background; errors are left for later."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._worker: DbWorker | None = None
        self._db: sqlite3.Connection | None = None
        self._since = 0
        self._copied = threading.Event()  # a background run finished since the writer's last
        self.runs = 0  # checkpoints done (tests and benchmarks read it)

    def appended(self, count: int, db: sqlite3.Connection) -> None:
        """On the writer's thread after a commit: counts appends, and every ``EVERY`` of them
        queues a checkpoint; after one ran, finishes it on ``db`` so the WAL starts over."""
        self._since += count
        if self._copied.is_set():
            self._copied.clear()
            with contextlib.suppress(sqlite3.Error):
                db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        if self._since >= EVERY:
            self.request()

    def request(self) -> None:
        """Queues one checkpoint (a no-op when one is queued and not begun is enough)."""
        self._since = 0
        if self._worker is None:
            self._worker = DbWorker("threadline-checkpoint")
        self._worker.submit(self._checkpoint)

    def stop(self) -> None:
        """Finishes a running checkpoint and closes the connection; ``request`` restarts it."""
        worker, self._worker = self._worker, None
        if worker is None:
            return
        worker.submit(self._close)
        worker.stop()

    def _checkpoint(self) -> None:
        # A read-only, locked or vanished file: the store's own close checkpoints later.
        with contextlib.suppress(sqlite3.Error):
            if self._db is None:
                self._db = sqlite3.connect(self.path, isolation_level=None, timeout=0.2)
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.runs += 1
            self._copied.set()

    def _close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None
