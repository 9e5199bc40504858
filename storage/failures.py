"""The latest delivery failures, with their causes, for operators (`/errors`).

A capped list: the newest first, at most KEEP entries. An entry names the participant by their
internal id and the platform's cause; never a message's text or a chat id.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from storage.keys import Keys
from storage.models import FailureEntry
from storage.records import readable, text

KEEP = 200


class FailureLog:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._key = keys.failures()

    async def record(self, entry: FailureEntry) -> None:
        raw = entry.model_dump_json()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lpush(self._key, raw)
            pipe.ltrim(self._key, 0, KEEP - 1)
            await pipe.execute()
        # A send that failed while its participant was being erased: looked at after the
        # write, so either this sees the tombstone or the erasure's clean-up sees the entry.
        pid = entry.participant
        if pid is not None and await self._redis.exists(self._keys.erased(pid)):
            await self._redis.lrem(self._key, 0, raw)

    async def forget(self, pid: str) -> int:
        """Remove every entry that names `pid`; returns how many went."""
        removed = 0
        for raw in [text(r) for r in await self._redis.lrange(self._key, 0, -1)]:
            try:
                named = FailureEntry.model_validate_json(raw).participant
            except ValueError:
                continue
            if named == pid:
                removed += int(await self._redis.lrem(self._key, 0, raw))
        return removed

    async def recent(self, limit: int = 20) -> list[FailureEntry]:
        raws = await self._redis.lrange(self._key, 0, limit - 1)
        return readable(raws, lambda raw: FailureEntry.model_validate_json(text(raw)), ValueError)
