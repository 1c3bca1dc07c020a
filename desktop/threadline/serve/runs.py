"""Runs under way on the server, decoupled from the connections that watch them.

A ``LiveRun`` consumes the runner's event stream in a task of its own and keeps the newest
events in a bounded buffer, numbered from 1. A client follows it from any number on: a dropped
SSE stream comes back with ``Last-Event-ID`` and gets what it missed, no event twice. When the
last client has gone, the run waits ``grace`` seconds for one to come back and is then
cancelled: the runner saves the reply streamed so far, marked interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable

from threadline.core.events import ErrorInfo, Event, EventTag, new_id

RUNNER_AUTHOR = "runner"
DEFAULT_REPLAY_EVENTS = 4096  # per run; a reply of a few thousand tokens fits whole
DEFAULT_KEEP_FINISHED = 64  # finished runs a late reconnect can still replay…
DEFAULT_KEEP_FINISHED_S = 60.0  # …for at most this long (a reconnect comes within seconds)
DEFAULT_GRACE_S = 5.0  # how long a run whose clients all left waits for one to come back


class LiveRun:
    """One run: its events as they come, a replay buffer, and who is following it.

    Attributes:
        id: the run's id (the part of every SSE id before the colon).
        user_id, session_id: whose session it runs on.
        finished: set once the run's last event is in the buffer.
    """

    def __init__(
        self,
        user_id: str,
        session_id: str,
        *,
        replay_events: int,
        grace: float,
        on_finish: Callable[[LiveRun], None] | None = None,
    ) -> None:
        self.id = new_id()
        self.user_id = user_id
        self.session_id = session_id
        self.finished = asyncio.Event()
        self._grace = grace
        self._buffer: deque[Event] = deque(maxlen=max(1, replay_events))
        self._next = 1  # the number the next event gets
        self._wake = asyncio.Event()
        self._followers = 0
        self._cancel_timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self._invocation_id = ""
        self._on_finish = on_finish
        self._stopped_because: str | None = None  # set by the first ``cancel``

    @property
    def is_done(self) -> bool:
        return self.finished.is_set()

    def start(self, stream: AsyncIterator[Event]) -> None:
        """Starts consuming ``stream`` (once)."""
        assert self._task is None
        self._task = asyncio.create_task(self._pump(stream), name=f"serve-run-{self.id}")

    def can_replay_after(self, number: int) -> bool:
        """Whether every event after ``number`` is still in the buffer (or yet to come)."""
        return 0 <= number < self._next and number + 1 >= self._first

    async def follow(self, after: int = 0) -> AsyncIterator[tuple[int, Event]]:
        """The run's events numbered above ``after``, each with its number, up to the last."""
        async for batch in self.follow_batches(after):
            for item in batch:
                yield item

    async def follow_batches(self, after: int = 0) -> AsyncIterator[list[tuple[int, Event]]]:
        """Like ``follow``, but every event already there at once: a stream writes them in
        one piece (a fast model's deltas would otherwise cost a socket write each).

        A follower that fell so far behind that the buffer dropped events it had not read
        gets a ``replay_gone`` error and the completion event instead of a silent gap.
        """
        self._attach()
        try:
            wanted = after + 1
            while True:
                if wanted < self._first:
                    yield [(wanted + i, e) for i, e in enumerate(self._gap_events())]
                    return
                if wanted < self._next:
                    start = wanted - self._first
                    batch = [
                        (wanted + i, self._buffer[start + i]) for i in range(self._next - wanted)
                    ]
                    wanted = self._next
                    yield batch
                elif self.is_done:
                    return
                else:
                    await self._wake.wait()
        finally:
            self._detach()

    def cancel(self, reason: str = "its client left") -> None:
        """Stops the run now; the runner saves the partial reply. Only the first call counts:
        a second cancellation would cut that save short."""
        if self._task is None or self._task.done() or self._stopped_because is not None:
            return
        self._stopped_because = reason
        self._task.cancel()

    async def wait(self) -> None:
        """Returns once the run has ended, however it ended."""
        await self.finished.wait()

    # -- inside ------------------------------------------------------------------------------

    @property
    def _first(self) -> int:
        return self._next - len(self._buffer)

    async def _pump(self, stream: AsyncIterator[Event]) -> None:
        is_complete = False
        try:
            async for event in stream:
                self._invocation_id = event.invocation_id or self._invocation_id
                is_complete = is_complete or event.done
                self._add(event)
        except asyncio.CancelledError:
            pass  # our own cancel: the clients left, or the server is stopping
        except Exception as exc:  # the runner reports failures as events; belt and braces
            self._add(self._error("internal", f"{type(exc).__name__}: {exc}"))
        finally:
            with contextlib.suppress(Exception):
                await _aclose(stream)
            if not is_complete:
                if not self._buffer or self._buffer[-1].error is None:
                    why = self._stopped_because or "the server is stopping"
                    self._add(self._error("cancelled", f"The run was stopped: {why}."))
                self._add(self._done())
            self.finished.set()
            self._notify()
            if self._on_finish is not None:
                self._on_finish(self)

    def _add(self, event: Event) -> None:
        self._buffer.append(event)
        self._next += 1
        self._notify()

    def _notify(self) -> None:
        self._wake.set()
        self._wake = asyncio.Event()

    def _attach(self) -> None:
        self._followers += 1
        if self._cancel_timer is not None:
            self._cancel_timer.cancel()
            self._cancel_timer = None

    def _detach(self) -> None:
        self._followers -= 1
        if self._followers > 0 or self.is_done:
            return
        if self._grace <= 0:
            self.cancel()
        else:
            loop = asyncio.get_running_loop()
            self._cancel_timer = loop.call_later(self._grace, self.cancel)

    def _error(self, code: str, message: str) -> Event:
        return Event(
            invocation_id=self._invocation_id,
            author=RUNNER_AUTHOR,
            error=ErrorInfo(code=code, message=message),
            tag=EventTag.ERROR,
        )

    def _done(self) -> Event:
        return Event(
            invocation_id=self._invocation_id,
            author=RUNNER_AUTHOR,
            done=True,
            tag=EventTag.RUN_DONE,
        )

    def _gap_events(self) -> list[Event]:
        message = "This client fell behind further than the server keeps events; read the session."
        return [self._error("replay_gone", message), self._done()]


class RunRegistry:
    """The runs of this server process by id: every live one, and the newest finished ones
    (at most ``keep_finished``, each for ``keep_finished_s`` seconds: replay buffers are what
    a server holds in memory)."""

    def __init__(
        self,
        *,
        replay_events: int = DEFAULT_REPLAY_EVENTS,
        keep_finished: int = DEFAULT_KEEP_FINISHED,
        keep_finished_s: float = DEFAULT_KEEP_FINISHED_S,
        grace: float = DEFAULT_GRACE_S,
    ) -> None:
        self.replay_events = replay_events
        self.keep_finished = keep_finished
        self.keep_finished_s = keep_finished_s
        self.grace = grace
        self._live: dict[str, LiveRun] = {}
        self._finished: OrderedDict[str, LiveRun] = OrderedDict()

    def start(
        self,
        user_id: str,
        session_id: str,
        stream: AsyncIterator[Event],
        *,
        grace: float | None = None,
    ) -> LiveRun:
        """A new run consuming ``stream``; ``grace`` overrides the registry's (0: a client
        that cannot reconnect, whose run stops the moment it leaves)."""
        run = LiveRun(
            user_id,
            session_id,
            replay_events=self.replay_events,
            grace=self.grace if grace is None else grace,
            on_finish=self._retire,
        )
        self._live[run.id] = run
        run.start(stream)
        return run

    def get(self, run_id: str) -> LiveRun | None:
        """The run with ``run_id``, live or recently finished."""
        return self._live.get(run_id) or self._finished.get(run_id)

    @property
    def live(self) -> list[LiveRun]:
        return list(self._live.values())

    async def aclose(self) -> None:
        """Cancels every live run and waits until each has saved what it streamed."""
        runs = self.live
        for run in runs:
            run.cancel("the server is stopping")
        for run in runs:
            await run.wait()

    def _retire(self, run: LiveRun) -> None:
        self._live.pop(run.id, None)
        self._finished[run.id] = run
        while len(self._finished) > self.keep_finished:
            self._finished.popitem(last=False)
        loop = asyncio.get_running_loop()
        loop.call_later(self.keep_finished_s, self._finished.pop, run.id, None)


async def _aclose(stream: AsyncIterator[Event]) -> None:
    closer = getattr(stream, "aclose", None)
    if closer is not None:
        await closer()
