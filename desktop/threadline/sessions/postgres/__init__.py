"""Sessions on a PostgreSQL server: ``PostgresSessionService`` (asyncpg, pooled connections)."""

from threadline.sessions.postgres.service import PostgresSessionService

__all__ = ["PostgresSessionService"]
