"""The PostgreSQL store's connections: two asyncpg pools opened on first use (the schema
migrated then), and connection failures explained without the password."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING

import asyncpg

from threadline.core.errors import StorageError
from threadline.sessions.postgres.schema import migrate

if TYPE_CHECKING:
    from threadline.sessions.postgres.schema import Conn
    from threadline.sessions.store_files import Recovery

# A password, or what asks for it each time a connection opens (the OS keyring, say).
Password = str | Callable[[], str] | Callable[[], Awaitable[str]]

# What a dead server, a dropped connection or a refused login raises (asyncpg, the OS).
CONNECTION_ERRORS = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError)


class PostgresPools:
    """Connections to one PostgreSQL database (see ``PostgresSessionService``)."""

    recovery: Recovery | None = None  # a damaged local file: never the case on a server

    def __init__(
        self,
        dsn: str,
        *,
        event_limit: int | None = None,
        pool_size: int = 10,
        password: Password | None = None,
        connect_timeout: float = 10.0,
    ) -> None:
        if event_limit is not None and event_limit < 0:
            raise ValueError("event_limit must be a count of events (0 or more)")
        self.event_limit = event_limit
        self._dsn = dsn
        self._password = password
        self._timeout = connect_timeout
        self._pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        # Run locks hold a connection for a whole run: they get a pool of their own, so runs
        # waiting on a lock can never starve appends of connections (a deadlock otherwise).
        self._lock_pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    @property
    def dsn(self) -> str:
        """The server's address as given (a password is better passed as ``password``)."""
        return self._dsn

    # -- lifecycle -----------------------------------------------------------------------

    async def open(self) -> None:
        """Connects and migrates now (every method does it on first use anyway)."""
        await self._ready()

    async def aclose(self) -> None:
        """Closes both connection pools; held run locks are released by the server."""
        pools, self._pool, self._lock_pool = (self._pool, self._lock_pool), None, None
        for pool in pools:
            if pool is not None:
                await pool.close()

    async def _ready(self) -> asyncpg.Pool:
        if self._pool is not None:
            return self._pool
        async with self._opening:
            if self._pool is None:
                with self._explained():
                    pool = await asyncpg.create_pool(
                        self._dsn,
                        min_size=1,
                        max_size=self._pool_size,
                        password=self._password,
                        timeout=self._timeout,
                    )
                    try:
                        async with pool.acquire() as conn:
                            await migrate(conn)
                    except BaseException:
                        await pool.close()
                        raise
                self._pool = pool
            return self._pool

    @contextlib.contextmanager
    def _explained(self) -> Iterator[None]:
        """Turns a connection failure into a ``StorageError`` naming the server (no password)."""
        try:
            yield
        except (
            *CONNECTION_ERRORS,
            TimeoutError,
            asyncpg.InvalidAuthorizationSpecificationError,
            asyncpg.InvalidCatalogNameError,
        ) as exc:
            raise StorageError(f"cannot reach the session server {self._where()}: {exc}") from exc

    def _where(self) -> str:
        tail = self._dsn.rsplit("@", 1)[-1]  # what follows the credentials
        return tail.split("?", 1)[0]

    @contextlib.asynccontextmanager
    async def _conn(self) -> AsyncIterator[Conn]:
        pool = await self._ready()
        with self._explained():
            async with pool.acquire() as conn:
                yield conn

    async def _lock_pool_ready(self) -> asyncpg.Pool:
        await self._ready()  # the schema (and so current_schema()) is settled first
        async with self._opening:
            if self._lock_pool is None:
                with self._explained():
                    self._lock_pool = await asyncpg.create_pool(
                        self._dsn,
                        min_size=0,
                        max_size=max(self._pool_size, 32),
                        password=self._password,
                        timeout=self._timeout,
                    )
            return self._lock_pool
