"""Session-wide servers (PostgreSQL, Redis) and the ``backend`` fixture the conformance suite
runs on: one per store, each test with a namespace of its own on the shared servers."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.sessions.backends import Backend, make_backend
from tests.sessions.servers import (
    PostgresServer,
    RedisServer,
    find_postgres_bin,
    find_redis_server,
)

BACKENDS = ["memory", "sqlite", "postgres", "redis"]


def _missing(what: str, package: str) -> None:
    reason = f"{what} is not installed here (apt-get install {package}; .ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(reason)  # CI installs it: a missing server there is a broken setup
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        _missing("PostgreSQL (initdb, pg_ctl)", "postgresql")
    assert bin_dir is not None
    server = PostgresServer.start(bin_dir)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    binary = find_redis_server()
    if binary is None:
        _missing("redis-server", "redis-server")
    assert binary is not None
    server = RedisServer.start(binary)
    try:
        yield server
    finally:
        server.stop()


@pytest_asyncio.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """A store of each kind, empty; ``backend.make()`` opens more services onto the same data."""
    server: PostgresServer | RedisServer | None = None
    if request.param == "postgres":
        server = request.getfixturevalue("postgres_server")
    elif request.param == "redis":
        server = request.getfixturevalue("redis_server")
    made = await make_backend(request.param, tmp_path, server)
    try:
        yield made
    finally:
        await made.close()
