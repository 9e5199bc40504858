"""The latest delivery failures, with their causes, for operators (`/errors`).

A capped list: the newest first, at most KEEP entries. An entry names the participant by their
internal id and the platform's cause; never a message's text or a chat id.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from storage.keys import Keys
from storage.models import FailureEntry
from storage.records import text

KEEP = 200


class FailureLog:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._key = keys.failures()

    async def record(self, entry: FailureEntry) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lpush(self._key, entry.model_dump_json())
            pipe.ltrim(self._key, 0, KEEP - 1)
            await pipe.execute()

    async def recent(self, limit: int = 20) -> list[FailureEntry]:
        raws = await self._redis.lrange(self._key, 0, limit - 1)
        found: list[FailureEntry] = []
        for raw in raws:
            try:
                found.append(FailureEntry.model_validate_json(text(raw)))
            except ValueError:
                continue
        return found
