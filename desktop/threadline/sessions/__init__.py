"""Where conversations live: the ``SessionService`` protocol and its implementations.

The services load on first use (PEP 562), so a light submodule such as ``instance_lock`` can be
imported before the first paint without pulling in pydantic and SQLite.
"""

import importlib
import typing

if typing.TYPE_CHECKING:
    from threadline.core.memory import InMemorySessionService
    from threadline.core.session import (
        RunLocking,
        Session,
        SessionSearchHit,
        SessionService,
        session_run_lock,
    )
    from threadline.sessions.desktop_store import DesktopStore
    from threadline.sessions.early_list import early_sidebar
    from threadline.sessions.postgres import PostgresSessionService
    from threadline.sessions.queries import EventRow, TreeRow
    from threadline.sessions.redis_store import RedisSessionService, RunLockLostError
    from threadline.sessions.sqlite import SQLiteSessionService

_SOURCES = {
    "DesktopStore": "threadline.sessions.desktop_store",
    "EventRow": "threadline.sessions.queries",
    "early_sidebar": "threadline.sessions.early_list",
    "InMemorySessionService": "threadline.core.memory",
    # The shared backends need their optional drivers (extras "postgres", "redis").
    "PostgresSessionService": "threadline.sessions.postgres",
    "RedisSessionService": "threadline.sessions.redis_store",
    "RunLockLostError": "threadline.sessions.redis_store",
    "RunLocking": "threadline.core.session",
    "SQLiteSessionService": "threadline.sessions.sqlite",
    "Session": "threadline.core.session",
    "SessionSearchHit": "threadline.core.session",
    "SessionService": "threadline.core.session",
    "TreeRow": "threadline.sessions.queries",
    "session_run_lock": "threadline.core.session",
}

__all__ = [
    "DesktopStore",
    "EventRow",
    "InMemorySessionService",
    "PostgresSessionService",
    "RedisSessionService",
    "RunLockLostError",
    "RunLocking",
    "SQLiteSessionService",
    "Session",
    "SessionSearchHit",
    "SessionService",
    "TreeRow",
    "early_sidebar",
    "session_run_lock",
]


def __getattr__(name: str) -> object:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(source), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
