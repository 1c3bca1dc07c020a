"""What only the shared backends have: PostgreSQL's migrations and O(1) forks, Redis' ttl and
lock lease, and both failing clearly when their server is not there."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from redis.asyncio import Redis

from tests.sessions.backends import postgres_namespace
from tests.sessions.servers import PostgresServer, RedisServer, free_port
from threadline.core.errors import StorageError
from threadline.core.events import Event, Message, new_id
from threadline.sessions import PostgresSessionService, RedisSessionService, RunLockLostError
from threadline.sessions.postgres.schema import CURRENT_VERSION
from threadline.sessions.redis_store.keys import Keys

pytestmark = pytest.mark.asyncio


def msg(text: str) -> Event:
    return Event(author="user", message=Message(role="user", content=text))


async def test_postgres_migrates_once_and_refuses_a_newer_schema(
    postgres_server: PostgresServer,
) -> None:
    dsn = await postgres_namespace(postgres_server)
    first, second = PostgresSessionService(dsn), PostgresSessionService(dsn)
    await asyncio.gather(first.open(), second.open())  # two servers starting at once
    await first.create_session("app", "u", "s")
    assert await second.get_session("app", "u", "s") is not None
    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetch("SELECT version FROM schema_version") == [(CURRENT_VERSION,)]
        await conn.execute("UPDATE schema_version SET version = version + 1")
    finally:
        await conn.close()
    await first.aclose()
    await second.aclose()
    newer = PostgresSessionService(dsn)
    with pytest.raises(StorageError, match="newer Threadline"):
        await newer.get_session("app", "u", "s")
    await newer.aclose()


async def test_postgres_version_1_database_gains_the_desktop_tables_and_keeps_its_rows(
    postgres_server: PostgresServer,
) -> None:
    from threadline.sessions.postgres.schema import MIGRATIONS

    dsn = await postgres_namespace(postgres_server)
    conn = await asyncpg.connect(dsn)
    try:  # a database as the first PostgreSQL release left it, with a conversation
        await conn.execute(MIGRATIONS[0])
        await conn.execute("CREATE TABLE schema_version (version integer NOT NULL)")
        await conn.execute("INSERT INTO schema_version VALUES (1)")
        pk = await conn.fetchval(
            "INSERT INTO sessions (app_name, user_id, id, title, created_at, updated_at)"
            " VALUES ('app', 'u', 'old', 'Old one', 1, 1) RETURNING pk"
        )
        old = msg("from version 1")
        await conn.execute(
            "INSERT INTO events (session_pk, id, author, role, timestamp, text, body)"
            " VALUES ($1, $2, 'user', 'user', 1, $3, $4)",
            pk,
            old.id,
            "from version 1",
            old.model_dump_json(exclude_defaults=True),
        )
    finally:
        await conn.close()
    async with PostgresSessionService(dsn) as service:
        assert [row.text for row in await service.load_rows("old")] == ["from version 1"]
        assert [row.id for row in await service.list_tree("app", "u")] == ["old"]
        await service.set_setting("agents", [])
        await service.delete_session("app", "u", "old")
        assert await service.empty_trash("app", "u") == 1
    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetchval("SELECT version FROM schema_version") == CURRENT_VERSION == 2
    finally:
        await conn.close()


async def test_postgres_fork_writes_one_row(postgres_server: PostgresServer) -> None:
    dsn = await postgres_namespace(postgres_server)
    async with PostgresSessionService(dsn) as service:
        session = await service.create_session("app", "u", "s")
        events = [msg(f"m{i}") for i in range(50)]
        for event in events:
            await service.append_event(session, event)
        conn = await asyncpg.connect(dsn)
        try:
            before = await conn.fetchval("SELECT count(*) FROM events")
            branch = await service.fork_session("app", "u", "s", events[40].id)
            twig = await service.fork_session("app", "u", branch.id, events[10].id)
            assert await conn.fetchval("SELECT count(*) FROM events") == before  # no copies
            assert len(branch.events) == 41 and len(twig.events) == 11
        finally:
            await conn.close()


async def test_unreachable_servers_raise_storage_errors() -> None:
    port = free_port()  # nothing listens there
    postgres = PostgresSessionService(f"postgresql://user:secret@127.0.0.1:{port}/db")
    with pytest.raises(StorageError, match=f"127.0.0.1:{port}") as raised:
        await postgres.get_session("app", "u", "s")
    assert "secret" not in str(raised.value)
    redis = RedisSessionService(f"redis://:secret@127.0.0.1:{port}/0")
    with pytest.raises(StorageError, match=f"127.0.0.1:{port}") as raised:
        await redis.create_session("app", "u", "s")
    assert "secret" not in str(raised.value)
    await redis.aclose()


async def test_redis_ttl_expires_every_key_of_a_session(redis_server: RedisServer) -> None:
    keys = Keys("ttl" + new_id()[:12])
    async with RedisSessionService(redis_server.url, ttl=60, prefix=keys.prefix) as service:
        session = await service.create_session("app", "u", "s", state={"k": 1})
        await service.append_event(session, msg("hello"))
        client = Redis.from_url(redis_server.url)
        try:
            lives = [await client.ttl(key) for key in keys.session("app", "u", "s").all]
        finally:
            await client.aclose()
        assert all(0 < seconds <= 60 for seconds in lives), lives


async def test_redis_run_ends_with_an_error_when_its_lease_is_lost(
    redis_server: RedisServer,
) -> None:
    keys = Keys("lease" + new_id()[:12])
    service = RedisSessionService(redis_server.url, prefix=keys.prefix, lock_lease=0.3)
    client = Redis.from_url(redis_server.url)
    try:
        with pytest.raises(RunLockLostError):
            async with service.run_lock("app", "u", "s"):
                await client.delete(keys.run_lock("app", "u", "s"))  # as if the lease ran out
                await asyncio.Event().wait()  # the run goes on until the lock says otherwise
        async with service.run_lock("app", "u", "s"):  # and the lock is free again
            pass
    finally:
        await client.aclose()
        await service.aclose()


async def test_redis_stop_during_a_command_is_not_lost(redis_server: RedisServer) -> None:
    """WORKAROUND check (redis_store/cancel.py): a cancelled call raises, never returns."""
    async with RedisSessionService(redis_server.url, prefix="stop" + new_id()[:12]) as service:
        await service.create_session("app", "u", "s")
        for _ in range(20):  # the cancel lands somewhere in the command each time
            task = asyncio.create_task(service.get_session("app", "u", "s"))
            await asyncio.sleep(0)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
