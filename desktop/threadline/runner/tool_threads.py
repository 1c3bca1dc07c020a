"""Worker threads for sync tools, apart from asyncio's default pool.

The default pool (``asyncio.to_thread``) is shared with the keyring, export and import; a sync
tool that hangs must not hold it. ``ToolThreads`` keeps at most ``size`` threads working for
calls someone still waits for. A call given up on (its tool timed out, or the run was cancelled)
is *abandoned*: a thread cannot be stopped, so it runs on in the background, but it no longer
counts against ``size`` and so never delays another call. At most ``max_abandoned`` may run on
at once; past that new calls are refused (``ToolThreadsExhausted``) rather than piling up
threads. Workers are daemon threads (a hung tool never blocks quitting) and exit after
``idle_seconds`` without work.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from threadline.core.errors import ThreadlineError


class ToolThreadsExhausted(ThreadlineError):
    """Too many abandoned sync tool calls are still running; no new one is started."""

    code = "tool_threads_exhausted"


@dataclass(eq=False)
class _Job:
    func: Callable[[], Any]
    future: Future[Any] = field(default_factory=Future)
    is_abandoned: bool = False


class ToolThreads:
    """A bounded pool for sync tools whose abandoned calls give their place up."""

    def __init__(
        self, size: int = 16, *, max_abandoned: int = 64, idle_seconds: float = 30.0
    ) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        self.size = size
        self.max_abandoned = max_abandoned
        self.idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._queue: deque[_Job] = deque()  # submitted, not yet handed to a thread
        self._ready: deque[_Job] = deque()  # handed to an idle thread, not yet picked up
        self._jobs: dict[Future[Any], _Job] = {}
        self._attended = 0  # dispatched calls someone still waits for
        self._abandoned = 0  # abandoned calls whose thread still runs them
        self._idle = 0
        self._threads = 0

    @property
    def abandoned(self) -> int:
        """How many abandoned calls are still running in the background."""
        with self._lock:
            return self._abandoned

    def submit(self, func: Callable[[], Any]) -> Future[Any]:
        """Queues ``func``; raises ``ToolThreadsExhausted`` when too many calls were abandoned."""
        job = _Job(func)
        with self._lock:
            if self._abandoned >= self.max_abandoned:
                raise ToolThreadsExhausted(
                    f"{self._abandoned} earlier tool calls that did not finish are still "
                    "running in the background; no new one is started until some end"
                )
            self._jobs[job.future] = job
            self._queue.append(job)
            self._dispatch()
        return job.future

    def abandon(self, future: Future[Any]) -> bool:
        """Gives up on a call. True when it had started and now runs on in the background."""
        if future.cancel():
            return False  # it never started, and now never will
        with self._lock:
            job = self._jobs.get(future)
            if job is None or future.done():
                return False
            if not job.is_abandoned:
                job.is_abandoned = True
                self._attended -= 1
                self._abandoned += 1
                self._dispatch()
            return True

    def _dispatch(self) -> None:  # with the lock held
        while self._queue and self._attended < self.size:
            job = self._queue.popleft()
            if job.future.cancelled():
                self._jobs.pop(job.future, None)
                continue
            self._attended += 1
            if self._idle > len(self._ready):
                self._ready.append(job)
                self._wake.notify()
            else:
                self._threads += 1
                threading.Thread(
                    target=self._work, args=(job,), name="threadline-tool", daemon=True
                ).start()

    def _work(self, job: _Job | None) -> None:
        while job is not None:
            future = job.future
            result: Any = None
            error: BaseException | None = None
            is_started = future.set_running_or_notify_cancel()
            if is_started:
                try:
                    result = job.func()
                except BaseException as exc:
                    error = exc
            with self._lock:  # the place is free before anyone learns the call ended
                self._jobs.pop(future, None)
                if job.is_abandoned:
                    self._abandoned -= 1
                else:
                    self._attended -= 1
                self._dispatch()
            if is_started:
                if error is None:
                    future.set_result(result)
                else:
                    future.set_exception(error)
            with self._lock:
                job = self._next_job()

    def _next_job(self) -> _Job | None:  # with the lock held
        self._idle += 1
        deadline = time.monotonic() + self.idle_seconds
        while not self._ready:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._idle -= 1
                self._threads -= 1
                return None
            self._wake.wait(remaining)
        self._idle -= 1
        return self._ready.popleft()


_pool: ToolThreads | None = None
_pool_lock = threading.Lock()


def tool_threads() -> ToolThreads:
    """The process-wide pool sync tools run in."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ToolThreads()
        return _pool


async def run_in_tool_thread(
    func: Callable[[], Any], *, on_abandoned: Callable[[], None] | None = None
) -> Any:
    """Runs ``func`` in the tool pool; if the caller stops waiting (a timeout, a cancelled
    run) while it runs, the call is abandoned and ``on_abandoned`` is called."""
    pool = tool_threads()
    context = contextvars.copy_context()
    future = pool.submit(lambda: context.run(func))
    try:
        return await asyncio.wrap_future(future)
    except asyncio.CancelledError:
        if pool.abandon(future) and on_abandoned is not None:
            on_abandoned()
        raise
