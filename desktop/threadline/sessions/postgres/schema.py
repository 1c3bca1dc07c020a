"""The PostgreSQL schema and its ordered migrations (the ``schema_version`` table).

Tables live in the connection's current schema (the first of ``search_path``), so one database
can hold several stores. Each migration moves version N-1 to N in one transaction, under an
advisory lock: two servers starting at once never migrate twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from threadline.core.errors import StorageError

if TYPE_CHECKING:
    import asyncpg
    from asyncpg.pool import PoolConnectionProxy

    # A connection of our own or one borrowed from a pool: the same API.
    Conn: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]

# Sessions are keyed by (app, user, id) as the protocol addresses them; ``pk`` is what rows
# point at. A branch points at its parent and at the last inherited event (``fork_seq``):
# forking writes one row whatever the history's length.
V1 = """
CREATE TABLE sessions (
    pk bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_name text NOT NULL,
    user_id text NOT NULL,
    id text NOT NULL,
    title text NOT NULL DEFAULT '',
    state jsonb NOT NULL DEFAULT '{}',
    parent_pk bigint REFERENCES sessions (pk),
    fork_event_id text,
    fork_seq bigint,
    created_at double precision NOT NULL,
    updated_at double precision NOT NULL,
    deleted_at double precision,
    UNIQUE (app_name, user_id, id)
);
CREATE INDEX sessions_owner ON sessions (app_name, user_id, updated_at DESC);

CREATE TABLE app_state (app_name text PRIMARY KEY, state jsonb NOT NULL DEFAULT '{}');
CREATE TABLE user_state (
    app_name text NOT NULL,
    user_id text NOT NULL,
    state jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (app_name, user_id)
);

-- Accents folded where the server has the (trusted, contrib) unaccent extension; without it
-- search still works, accent-sensitive. A configuration named by OID keeps to_tsvector
-- immutable, as a generated column needs.
DO $$ BEGIN
    CREATE EXTENSION IF NOT EXISTS unaccent;
EXCEPTION WHEN OTHERS THEN NULL;
END $$;
CREATE TEXT SEARCH CONFIGURATION threadline_search (COPY = simple);
DO $$ BEGIN
    ALTER TEXT SEARCH CONFIGURATION threadline_search
        ALTER MAPPING FOR word, hword, hword_part WITH unaccent, simple;
EXCEPTION WHEN undefined_object THEN NULL;
END $$;

-- Append-only; ``seq`` orders every history. ``body`` is text, not jsonb: jsonb refuses the
-- \\u0000 escape a tool's output may hold. ``search`` is the message text's tsvector, kept by
-- the server on insert and indexed by GIN (its pending list keeps inserts cheap).
CREATE TABLE events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_pk bigint NOT NULL REFERENCES sessions (pk),
    id text NOT NULL,
    invocation_id text NOT NULL DEFAULT '',
    author text NOT NULL,
    role text,
    tag text NOT NULL DEFAULT '',
    timestamp double precision NOT NULL,
    text text NOT NULL DEFAULT '',
    body text NOT NULL,
    search tsvector GENERATED ALWAYS AS (to_tsvector('threadline_search'::regconfig, text)) STORED,
    UNIQUE (session_pk, id)
);
CREATE INDEX events_history ON events (session_pk, seq);
CREATE INDEX events_search ON events USING gin (search);
"""

# What the desktop app needs beyond the protocol: the trash's purge mark, image and file bytes
# stored once per content hash (as the SQLite store's ``blobs``), settings kept with the
# conversations, and sessions found by id alone (``load_rows`` takes only the id).
V2 = """
ALTER TABLE sessions ADD COLUMN purged_at double precision;
CREATE INDEX sessions_id ON sessions (id);
CREATE INDEX sessions_parent ON sessions (parent_pk);
CREATE TABLE blobs (
    ref text PRIMARY KEY,
    mime_type text NOT NULL,
    size bigint NOT NULL,
    data bytea NOT NULL,
    created_at double precision NOT NULL
);
CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);
"""

MIGRATIONS: tuple[str, ...] = (V1, V2)
CURRENT_VERSION = len(MIGRATIONS)

_LOCK_KEY = (
    "SELECT pg_advisory_xact_lock(hashtextextended('threadline:migrate:' || current_schema(), 0))"
)


async def migrate(conn: Conn) -> int:
    """Brings the schema to ``CURRENT_VERSION``; returns the version it had.

    Raises ``StorageError`` when the database was written by a newer Threadline.
    """
    async with conn.transaction():
        await conn.execute(_LOCK_KEY)
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
        found = await conn.fetchval("SELECT max(version) FROM schema_version")
        version = int(found or 0)
        if version > CURRENT_VERSION:
            raise StorageError(
                f"the PostgreSQL database was written by a newer Threadline (schema {version}; "
                f"this version knows {CURRENT_VERSION}). Update Threadline; nothing was changed."
            )
        for target in range(version + 1, CURRENT_VERSION + 1):
            await conn.execute(MIGRATIONS[target - 1])
        if version < CURRENT_VERSION:
            await conn.execute("DELETE FROM schema_version")
            await conn.execute("INSERT INTO schema_version VALUES ($1)", CURRENT_VERSION)
    return version
