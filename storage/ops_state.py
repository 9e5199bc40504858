"""What the operators' watch remembers: the problems already alerted, and the next digest."""

from __future__ import annotations

from datetime import datetime

import redis.asyncio as aioredis

from storage.keys import Keys
from storage.records import text


class OpsState:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._incidents = keys.ops_incidents()
        self._digest = keys.ops_digest()
        self._retention = keys.ops_retention()

    async def incidents(self) -> set[str]:
        return {text(m) for m in await self._redis.smembers(self._incidents)}

    async def set_incidents(self, keys: set[str]) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._incidents)
            if keys:
                pipe.sadd(self._incidents, *keys)
            await pipe.execute()

    async def digest_due(self) -> datetime | None:
        raw = await self._redis.get(self._digest)
        return None if raw is None else datetime.fromisoformat(text(raw))

    async def set_digest_due(self, at: datetime) -> None:
        await self._redis.set(self._digest, at.isoformat())

    async def retention_ran(self) -> datetime | None:
        raw = await self._redis.get(self._retention)
        return None if raw is None else datetime.fromisoformat(text(raw))

    async def set_retention_ran(self, at: datetime) -> None:
        await self._redis.set(self._retention, at.isoformat())
