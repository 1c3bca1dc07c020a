"""Keeps a stop a stop: re-raises a cancellation that redis-py lost during a command.

WORKAROUND: redis-py#2028 (also #2551, #2665): a task cancelled while a command is in flight
can get the command's result instead of ``CancelledError`` (seen with redis 8.1.0: the task
stays ``cancelling()`` but nothing raises), so a stopped run would go on, and a waiting
``Lock.acquire`` would wait forever. Every call of ours goes through ``kept_cancellation``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def kept_cancellation() -> Iterator[None]:
    """Raises ``CancelledError`` on leaving the block when the task was cancelled inside it
    and nothing raised. A cancellation already being handled when the block began (a run
    saving its partial reply after a stop) is no reason to raise."""
    task = asyncio.current_task()
    before = task.cancelling() if task is not None else 0
    yield
    if task is not None and task.cancelling() > before:
        raise asyncio.CancelledError
