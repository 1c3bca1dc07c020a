"""Runs on one session, one at a time, across the processes that share a SQLite file.

The desktop app opens its file alone (``exclusive=True``), but ``threadline chat`` or
``threadline serve`` may open the same file beside it. Each session has a byte of one lock
file (a hash of its key picks the byte; two sessions sharing one only wait for each other),
locked with the OS's record locks, which a crashed process lets go of at once. Record locks
belong to a process, not to a coroutine, so runs inside this process also queue on an asyncio
lock per key; and the file stays open while the store is, because closing any handle of it
would drop every lock this process holds on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sys
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import IO

RETRY_S = 0.02  # between tries for a lock another process holds
RunLock = AbstractAsyncContextManager[None]


def run_lock_path(db_path: Path) -> Path:
    """The lock file beside the database."""
    return db_path.with_name(db_path.name + ".runs")


class RunLocks:
    """The run locks of one store."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[bytes] | None = None
        self._local: dict[str, asyncio.Lock] = {}

    def hold(self, key: str) -> RunLock:
        """Waits until no run holds ``key`` (here or in another process), then holds it."""
        return self._hold(key)

    @contextlib.asynccontextmanager
    async def _hold(self, key: str) -> AsyncIterator[None]:
        local = self._local.setdefault(key, asyncio.Lock())
        async with local:
            offset = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest())
            offset &= 0x3FFFFFFF
            handle = self._file()
            # Another process's lock sends no wake-up to wait on: try again shortly.
            while not _try_lock(handle, offset):  # noqa: ASYNC110
                await asyncio.sleep(RETRY_S)
            try:
                yield
            finally:
                _unlock(handle, offset)

    def close(self) -> None:
        """Lets go of every lock (the store is closing)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _file(self) -> IO[bytes]:
        if self._handle is None:
            self._handle = open(self.path, "a+b")  # noqa: SIM115 - open while the store is
        return self._handle


if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds
    import msvcrt
    import os

    def _try_lock(handle: IO[bytes], offset: int) -> bool:
        os.lseek(handle.fileno(), offset, os.SEEK_SET)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[bytes], offset: int) -> None:
        os.lseek(handle.fileno(), offset, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[bytes], offset: int) -> bool:
        try:
            fcntl.lockf(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[bytes], offset: int) -> None:
        with contextlib.suppress(OSError):
            fcntl.lockf(handle.fileno(), fcntl.LOCK_UN, 1, offset)
