"""One store of each kind for the conformance suite, and a way to open it in another process.

``Backend.make()`` opens another service onto the same data (with its own ``event_limit``);
``Backend.child_args`` is what ``tests/sessions/appender.py`` needs to open it elsewhere.
"""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
from redis.asyncio import Redis

from tests.sessions.servers import PostgresServer, RedisServer
from threadline.core.events import Event, Message, new_id
from threadline.sessions import InMemorySessionService, SQLiteSessionService
from threadline.sessions.postgres import PostgresSessionService
from threadline.sessions.redis_store import RedisSessionService
from threadline.sessions.redis_store.keys import Keys


def sqlite_has_event_limit() -> bool:
    return "event_limit" in inspect.signature(SQLiteSessionService.__init__).parameters


def msg(text: str, author: str = "user", **kwargs: Any) -> Event:
    """A message event: the user's, or (any other author) an assistant reply."""
    role = "user" if author == "user" else "assistant"
    return Event(
        invocation_id="i", author=author, message=Message(role=role, content=text), **kwargs
    )


@dataclass
class Backend:
    """A store under test: its kind, where it lives, and the services opened onto it."""

    kind: str
    location: str  # a file, a DSN or a URL ("" in memory)
    prefix: str = ""  # the Redis key prefix of this test
    opened: list[Any] = field(default_factory=list)
    shared: InMemorySessionService | None = None

    @property
    def is_shared_by_processes(self) -> bool:
        return self.kind in ("sqlite", "postgres", "redis")

    @property
    def child_args(self) -> list[str]:
        return [self.kind, self.location, self.prefix]

    def make(self, *, event_limit: int | None = None, **options: Any) -> Any:
        """A service onto this store (in memory: a new, empty one; it cannot share)."""
        service: Any
        if self.kind == "memory":
            service = InMemorySessionService(event_limit=event_limit)
        elif self.kind == "sqlite":
            limit = {"event_limit": event_limit} if event_limit is not None else {}
            service = SQLiteSessionService(self.location, **limit)
        elif self.kind == "postgres":
            service = PostgresSessionService(self.location, event_limit=event_limit, **options)
        else:
            service = RedisSessionService(
                self.location, event_limit=event_limit, prefix=self.prefix, **options
            )
        self.opened.append(service)
        return service

    async def close(self) -> None:
        for service in self.opened:
            await service.aclose() if hasattr(service, "aclose") else None


async def make_backend(
    kind: str, tmp_path: Path, server: PostgresServer | RedisServer | None
) -> Backend:
    if kind == "memory":
        return Backend(kind, "")
    if kind == "sqlite":
        return Backend(kind, str(tmp_path / "sessions.db"))
    if isinstance(server, PostgresServer):
        return Backend(kind, await postgres_namespace(server))
    assert isinstance(server, RedisServer)
    return Backend(kind, server.url, prefix="t" + new_id()[:12])


async def postgres_namespace(server: PostgresServer) -> str:
    """A DSN whose tables land in a schema of their own (asyncpg passes ``search_path`` on as a
    server setting), so tests share one server and never see each other's rows."""
    schema = "t_" + new_id()[:12]
    conn = await asyncpg.connect(server.dsn)
    try:
        # In public, where every test schema's search_path finds it (see schema.V1).
        await conn.execute("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
        await conn.execute(f"CREATE SCHEMA {schema}")
    finally:
        await conn.close()
    return f"{server.dsn}?search_path={quote(schema + ',public')}"


async def is_run_locked(backend: Backend, app_name: str, user_id: str, session_id: str) -> bool:
    """Whether some process holds the session's run lock now (asked without waiting)."""
    if backend.kind == "postgres":
        conn = await asyncpg.connect(backend.location)
        try:
            key = "\x1f".join((app_name, user_id, session_id))  # as PostgresSessionService
            hashed = "hashtextextended(current_schema() || $1, 0)"
            if await conn.fetchval(f"SELECT pg_try_advisory_lock({hashed})", key):
                await conn.execute(f"SELECT pg_advisory_unlock({hashed})", key)
                return False
            return True
        finally:
            await conn.close()
    if backend.kind == "sqlite":
        from threadline.sessions.run_locks import RunLocks, run_lock_path

        locks = RunLocks(run_lock_path(Path(backend.location)))
        try:
            async with (
                asyncio.timeout(0.2),
                locks.hold("\x1f".join((app_name, user_id, session_id))),
            ):
                return False
        except TimeoutError:
            return True
        finally:
            locks.close()
    client = Redis.from_url(backend.location)
    try:
        name = Keys(backend.prefix).run_lock(app_name, user_id, session_id)
        return bool(await client.exists(name))
    finally:
        await client.aclose()
