"""Group commit: the appends that arrive while the disk is busy go into one transaction.

An append's cost is mostly its commit. When several sessions stream at once, or a parallel
workflow's agents finish together, each append waiting for its own commit would queue behind
the others; here they wait for the next commit together, which writes them all. A lone append
is written at once, as before, and each append still returns only after its commit.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from typing import TypeVar

from threadline.sessions.worker import DbWorker
from threadline.sessions.writes import PendingAppend, insert_events

T = TypeVar("T")
Waiter = tuple[PendingAppend, asyncio.AbstractEventLoop, "asyncio.Future[None]"]


class GroupCommit:
    """Queues appends and writes what is queued in one transaction on the store's worker.

    ``run`` runs a function on the worker's connection (raising the store's errors);
    ``explain`` turns one event's ``sqlite3.Error`` into the store's error; ``written`` is
    told how many events each commit wrote.
    """

    def __init__(
        self,
        worker: DbWorker,
        run: Callable[
            [Callable[[sqlite3.Connection], list[Exception | None]]], list[Exception | None]
        ],
        explain: Callable[[sqlite3.Error], Exception],
        written: Callable[[int], None],
    ) -> None:
        self._worker = worker
        self._run = run
        self._explain = explain
        self._written = written
        self._lock = threading.Lock()
        self._pending: list[Waiter] = []
        self.commits = 0  # transactions written (tests and benchmarks read it)

    async def append(self, pending: PendingAppend) -> None:
        """Returns once ``pending`` is committed; raises the store's error if it was not."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            self._pending.append((pending, loop, future))
            first = len(self._pending) == 1
        if first:  # otherwise a flush is queued and has not taken the list yet
            self._worker.submit(self._flush)
        await future

    def _flush(self) -> None:
        """On the worker: takes everything queued so far and commits it."""
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch:
            return
        outcomes: list[BaseException | None]
        try:
            outcomes = list(self._run(lambda db: insert_events(db, [p for p, _, _ in batch])))
            self.commits += 1
        except BaseException as exc:  # nothing of the batch was written
            outcomes = [exc] * len(batch)
        else:
            self._written(len(batch))
        settled = [
            (future, self._explain(o) if isinstance(o, sqlite3.Error) else o)
            for (_, _, future), o in zip(batch, outcomes, strict=True)
        ]
        loops = {loop for _, loop, _ in batch}
        for loop in loops:
            mine = [(f, o) for f, o in settled if f.get_loop() is loop]
            loop.call_soon_threadsafe(_settle, mine)


def _settle(settled: list[tuple[asyncio.Future[None], BaseException | None]]) -> None:
    for future, outcome in settled:
        if future.done():  # the appender was cancelled; the event is written all the same
            continue
        if outcome is None:
            future.set_result(None)
        else:
            future.set_exception(outcome)
