"""Sessions on a Redis server: ``RedisSessionService`` (redis-py asyncio, Lua writes, leases)."""

from threadline.sessions.redis_store.lease import RunLockLostError
from threadline.sessions.redis_store.service import RedisSessionService

__all__ = ["RedisSessionService", "RunLockLostError"]
