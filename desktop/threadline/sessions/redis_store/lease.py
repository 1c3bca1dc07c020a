"""A run lock on Redis with a lease: renewed while its run goes on, expiring after a crash.

A holder that dies stops renewing, and the next run gets the lock once the lease runs out. A
holder that is alive but cannot renew in time (Redis unreachable for a whole lease) must not go
on writing beside the next holder: its run is cancelled and ends with ``RunLockLostError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from redis.asyncio.lock import Lock
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import LockError, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from threadline.core.errors import StorageError
from threadline.sessions.redis_store.cancel import kept_cancellation

RENEWALS_PER_LEASE = 3  # renew at a third of the lease: two renewals may fail before it ends


class RunLockLostError(StorageError):
    """The run's lock lease ended before the run did (Redis was unreachable too long)."""

    code = "run_lock_lost"


class LeasedLock:
    """Waits for the lock (``acquire``), renews its lease until ``release``."""

    def __init__(self, lock: Lock, *, lease: float, poll: float) -> None:
        self._lock = lock
        self._lease = lease
        self._poll = poll
        self._holder: asyncio.Task[object] | None = None
        self._renewer: asyncio.Task[None] | None = None
        self._is_lost = False

    async def acquire(self) -> None:
        """Waits until the lock is free and takes it; the calling task is the run to stop
        should the lease be lost."""
        # Our own wait loop, not redis-py's blocking acquire: that one can swallow a stop and
        # then wait forever (see ``cancel``).
        while True:
            try:
                with kept_cancellation():
                    is_held = await self._lock.acquire(blocking=False)
            except asyncio.CancelledError:
                if getattr(self._lock.local, "token", None) is not None:  # taken as the stop came
                    with contextlib.suppress(RedisError):
                        await self._lock.release()
                raise
            if is_held:
                break
            await asyncio.sleep(self._poll)
        self._holder = asyncio.current_task()
        self._renewer = asyncio.create_task(self._renew(), name=f"renew {self._lock.name!r}")

    async def release(self, failure: BaseException | None) -> None:
        """Lets go of the lock after the run ended (``failure``: what it raised, if anything).

        Raises ``RunLockLostError`` when the lease ended before the run did: instead of the
        cancellation this lock caused, or when the run had ended well. A failure of the run's
        own (or a stop someone else asked for) is left to propagate.
        """
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
        lost = RunLockLostError(f"the run lock {self._lock.name!r} expired before the run ended")
        if self._is_lost:
            cancelled_by_us = (
                isinstance(failure, asyncio.CancelledError)
                and self._holder is not None
                and self._holder.uncancel() == 0  # nobody else asked for a stop
            )
            if failure is None or cancelled_by_us:
                raise lost from failure
            return
        try:
            with kept_cancellation():
                await self._lock.release()
        except LockError as error:  # expired meanwhile: another run may have written
            if failure is None:
                raise lost from error
        except (RedisConnectionError, RedisTimeoutError):
            pass  # the lease ends by itself

    async def _renew(self) -> None:
        interval = self._lease / RENEWALS_PER_LEASE
        renewed_at = time.monotonic()
        while True:
            await asyncio.sleep(interval)
            try:
                with kept_cancellation():
                    await self._lock.reacquire()
                renewed_at = time.monotonic()
            except LockError:  # the lease ran out and the key is gone or someone else's
                break
            except (RedisConnectionError, RedisTimeoutError):
                if time.monotonic() - renewed_at + interval < self._lease:
                    continue  # the lease outlasts the next try: try again then
                break  # stop the run before its lease can end under it
        self._is_lost = True
        if self._holder is not None:
            self._holder.cancel()
