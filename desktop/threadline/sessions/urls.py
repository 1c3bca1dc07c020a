"""``open_session_service(url)``: a session store named by a URL, as ``--sessions`` takes it.

``memory:`` is an in-memory store; ``sqlite:///relative/path.db``, ``sqlite:////abs/path.db``
(SQLAlchemy's spelling) or a plain file path is a ``SQLiteSessionService``;
``postgresql://`` (or ``postgres://``) and ``redis://`` (or ``rediss://``) go to
``PostgresSessionService`` and ``RedisSessionService``, loaded only when asked for (their
drivers are optional).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from threadline.core.errors import ThreadlineError
from threadline.core.session import SessionService

SCHEMES = "memory:, sqlite:///path.db, postgresql://…, redis://…"
# Scheme -> the class in threadline.sessions that serves it, and what to call it in a message.
_SERVERS = {
    "postgresql": ("PostgresSessionService", "PostgreSQL"),
    "postgres": ("PostgresSessionService", "PostgreSQL"),
    "redis": ("RedisSessionService", "Redis"),
    "rediss": ("RedisSessionService", "Redis"),
}


class SessionURLError(ThreadlineError, ValueError):
    """A ``--sessions`` URL names no store this installation can open (an unknown scheme, or
    a backend that is not available here)."""

    code = "session_url"


def open_session_service(url: str) -> SessionService:
    """The session store ``url`` names, opened.

    Raises ``SessionURLError`` for an unknown scheme or a backend that is not available, and
    ``StorageError`` when a SQLite file cannot be opened.
    """
    url = url.strip()
    if url in ("memory:", "memory://", ":memory:"):
        from threadline.core.memory import InMemorySessionService

        return InMemorySessionService()
    scheme, sep, rest = url.partition("://")
    if not sep:
        if url.lower().startswith("sqlite:"):
            raise SessionURLError(f"write a SQLite URL as sqlite:///path.db, not {url!r}")
        return _sqlite(url)  # a plain path, as ``threadline serve`` takes it too
    scheme = scheme.lower()
    if scheme == "sqlite":
        if not rest.startswith("/") or rest == "/":
            raise SessionURLError(f"write a SQLite URL as sqlite:///path.db, not {url!r}")
        return _sqlite(rest[1:])  # sqlite:///a.db -> a.db, sqlite:////abs/a.db -> /abs/a.db
    server = _SERVERS.get(scheme)
    if server is None:
        raise SessionURLError(f"unknown session store {url!r}; use one of: {SCHEMES}")
    class_name, label = server
    try:
        service_class = getattr(importlib.import_module("threadline.sessions"), class_name)
    except (AttributeError, ImportError) as exc:
        raise SessionURLError(
            f"{label} sessions ({class_name}) are not available in this installation: {exc}"
        ) from exc
    service: SessionService = service_class(url)
    return service


def _sqlite(path: str) -> SessionService:
    if not path:
        raise SessionURLError(f"a SQLite URL needs a file path; use one of: {SCHEMES}")
    from threadline.sessions.sqlite import SQLiteSessionService

    file = Path(path).expanduser()
    file.parent.mkdir(parents=True, exist_ok=True)
    return SQLiteSessionService(file)
