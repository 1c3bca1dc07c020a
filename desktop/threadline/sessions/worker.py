"""The thread that owns the SQLite connection; coroutines hand it work and await the result.

A plain queue and ``call_soon_threadsafe`` cost less per call than ``run_in_executor`` (which
chains two futures), and appends are made one at a time, so the hop is most of their cost.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_STOP = object()


class DbWorker:
    """Runs callables in order on one thread."""

    def __init__(self, name: str) -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()
        self.is_closed = False

    def call_sync(self, func: Callable[[], T]) -> T:
        """Runs ``func`` on the worker and blocks until it returns (startup and shutdown only)."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._queue.put((None, future, func))
        return future.result()

    def submit(self, func: Callable[[], Any]) -> None:
        """Runs ``func`` on the worker without waiting (background upkeep)."""
        self._queue.put((None, None, func))

    async def call(self, func: Callable[[], T]) -> T:
        """Runs ``func`` on the worker; the event loop stays free meanwhile."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((loop, future, func))
        return await future

    def stop(self) -> None:
        """Finishes queued work, then ends the thread."""
        if not self.is_closed:
            self.is_closed = True
            self._queue.put(_STOP)
            self._thread.join()

    def _serve(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            loop, future, func = item
            try:
                result = func()
            except BaseException as exc:  # handed to the caller
                if loop is not None:
                    loop.call_soon_threadsafe(_fail, future, exc)
                elif future is not None:
                    future.set_exception(exc)
                continue
            if loop is not None:
                loop.call_soon_threadsafe(_succeed, future, result)
            elif future is not None:
                future.set_result(result)


def _succeed(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
