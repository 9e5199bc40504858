"""Whether the Redis server answers at all: the first thing a readiness probe asks."""

from __future__ import annotations

import redis.asyncio as aioredis


async def ping(redis: aioredis.Redis) -> None:
    """Return once the server answered a PING; raise redis-py's error when it does not."""
    await redis.ping()
