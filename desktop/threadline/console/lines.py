"""Lines typed (or piped) into the console, read without blocking the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import TextIO


class LineReader:
    """Reads ``stream`` line by line on a daemon thread and hands each line to the loop.

    A thread rather than ``loop.connect_read_pipe``: that needs a pipe or a tty on a selector
    loop, and Windows consoles are neither. A daemon thread blocked in ``readline`` never holds
    up the end of the program the way an executor thread would (``asyncio.run`` waits for
    those). ``readline`` returns None at the end of input, and keeps doing so.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._is_at_end = False

    @property
    def is_echoed(self) -> bool:
        """True when a terminal shows what is typed; piped input is not shown by anyone."""
        try:
            return self._stream.isatty()
        except (OSError, ValueError):
            return False

    async def readline(self) -> str | None:
        """The next line without its line ending, or None once the input has ended."""
        if self._thread is None:
            self._loop = asyncio.get_running_loop()
            self._thread = threading.Thread(target=self._pump, name="console-input", daemon=True)
            self._thread.start()
        if self._is_at_end:
            return None
        line = await self._queue.get()
        if line is None:
            self._is_at_end = True
        return line

    def _pump(self) -> None:
        assert self._loop is not None
        try:
            for line in iter(self._stream.readline, ""):
                self._hand_over(line.rstrip("\r\n"))
        except (OSError, ValueError):  # the stream was closed under us
            pass
        finally:
            self._hand_over(None)

    def _hand_over(self, line: str | None) -> None:
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):  # the loop is already closed: nobody listens
            self._loop.call_soon_threadsafe(self._queue.put_nowait, line)
