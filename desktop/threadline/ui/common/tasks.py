"""Spawning asyncio tasks from Qt slots, safely.

``@asyncSlot`` does nothing when no loop is running (qasync 0.28), and a bare
``create_task`` result can be garbage-collected mid-flight. ``TaskSpawner`` keeps strong
references, ignores cancellation, reports other exceptions, and can cancel a whole group
("a new run cancels the previous one").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)


class TaskSpawner:
    """Owns the app's background tasks."""

    def __init__(self, on_error: Callable[[BaseException], None]) -> None:
        self._on_error = on_error
        self._tasks: set[asyncio.Task[Any]] = set()
        self._groups: dict[str, asyncio.Task[Any]] = {}

    def spawn(
        self, coro: Coroutine[Any, Any, Any], *, group: str | None = None
    ) -> asyncio.Task[Any]:
        """Starts ``coro`` on the running loop; a task in the same ``group`` is cancelled."""
        if group is not None and group in self._groups:
            self._groups[group].cancel()
        task = asyncio.get_event_loop().create_task(coro)
        self._tasks.add(task)
        if group is not None:
            self._groups[group] = task
        task.add_done_callback(lambda t: self._finished(t, group))
        return task

    def running(self, group: str) -> bool:
        """True while the group's task is alive."""
        task = self._groups.get(group)
        return task is not None and not task.done()

    def cancel(self, group: str) -> asyncio.Task[Any] | None:
        """Cancels the group's task; returns it so callers can await the wind-down."""
        task = self._groups.get(group)
        if task is not None and not task.done():
            task.cancel()
            return task
        return None

    async def cancel_all(self) -> None:
        """Cancels everything and waits for it to finish (used when quitting)."""
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def _finished(self, task: asyncio.Task[Any], group: str | None) -> None:
        self._tasks.discard(task)
        if group is not None and self._groups.get(group) is task:
            del self._groups[group]
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error("background task failed", exc_info=error)
            self._on_error(error)
