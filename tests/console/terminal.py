"""``Terminal``: a test's side of the console's pipes: type lines, wait for output.

Waiting reads the console's output until the expected text shows up (with a deadline that
only turns a hang into a failure); nothing sleeps.
"""

from __future__ import annotations

import asyncio
import codecs
from collections.abc import Callable

DEADLINE_S = 20.0


class Terminal:
    """Reads what the console wrote (``output``) and types into it (``type_line``)."""

    def __init__(self, output: asyncio.StreamReader, write: Callable[[bytes], None]) -> None:
        self._output = output
        self._write = write
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.pending = ""  # read but not yet matched by an ``expect``
        self.transcript = ""  # everything read

    async def expect(self, text: str) -> str:
        """Reads until ``text`` appears; returns the output up to and including it."""
        while text not in self.pending:
            try:
                chunk = await asyncio.wait_for(self._output.read(4096), DEADLINE_S)
            except TimeoutError:
                raise AssertionError(f"no {text!r} in {self.transcript!r}") from None
            if not chunk:
                raise AssertionError(f"the console ended before {text!r}: {self.transcript!r}")
            piece = self._decoder.decode(chunk)
            self.pending += piece
            self.transcript += piece
        before, _, after = self.pending.partition(text)
        self.pending = after
        return before + text

    def type_line(self, line: str) -> None:
        self._write(line.encode() + b"\n")
