"""A second process for the cross-process tests: appends runs to one session, or holds its lock.

``python -m tests.sessions.appender KIND LOCATION PREFIX SESSION NAME RUNS EVENTS`` opens the
store, prints ``ready``, waits for a line on stdin (so both processes start together), then
does RUNS runs, each under ``run_lock``: it loads the session as the runner does and appends
EVENTS events tagged ``NAME-<run>`` with their index.
With RUNS ``hold`` it takes the lock, prints ``held`` and waits to be killed.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from threadline.core.events import Event, Message
from threadline.sessions.postgres import PostgresSessionService
from threadline.sessions.redis_store import RedisSessionService

APP, USER = "app", "u"
CHILD_LOCK_LEASE_S = 1.0  # a killed holder keeps the next run waiting this long (Redis)


def open_store(kind: str, location: str, prefix: str) -> Any:
    if kind == "sqlite":
        from threadline.sessions import SQLiteSessionService

        return SQLiteSessionService(location)
    if kind == "postgres":
        return PostgresSessionService(location)
    return RedisSessionService(location, prefix=prefix, lock_lease=CHILD_LOCK_LEASE_S)


async def main(
    kind: str, location: str, prefix: str, session_id: str, name: str, runs: str, events: str = "0"
) -> None:
    store = open_store(kind, location, prefix)
    try:
        if runs == "hold":
            async with store.run_lock(APP, USER, session_id):
                print("held", flush=True)
                await asyncio.Event().wait()  # until killed
        await store.get_session(APP, USER, session_id)  # connected before "ready"
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        for run in range(int(runs)):
            async with store.run_lock(APP, USER, session_id):
                session = await store.get_session(APP, USER, session_id)
                assert session is not None
                for index in range(int(events)):
                    event = Event(
                        invocation_id=f"{name}-{run}",
                        author="bot",
                        message=Message(role="assistant", content=f"{name} {run} {index}"),
                        metadata={"index": index},
                    )
                    await store.append_event(session, event)
        print("done", flush=True)
    finally:
        await store.aclose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
