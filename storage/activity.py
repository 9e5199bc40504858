"""When each participant last showed a sign of life, for erasing the data of those who left.

A participant is active when they send a message (any message: a command, an answer, a tap) or
a lesson is delivered to them. The first is noted here on every message; the second is read
from their enrollments (`last_delivered_at`) when they look idle here, so delivering a lesson
costs nothing extra. One sorted set by time answers "who has been idle since?" without reading
every participant; a second one keeps when someone was told their data will be erased, so the
notice goes once per idle spell.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import redis.asyncio as aioredis

from storage.keys import Keys
from storage.records import text


def _at(score: float) -> datetime:
    return datetime.fromtimestamp(score, UTC)


class Activity:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._last = keys.activity()
        self._told = keys.retention_told()

    async def touch(self, pid: str, at: datetime) -> None:
        """They did something at `at` (a later time only ever moves it forward). Unless they
        were just erased: looked at in the same round trip, after the write."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zadd(self._last, {pid: at.timestamp()}, gt=True)
            pipe.exists(self._keys.erased(pid))
            _added, erased = await pipe.execute()
        if erased:
            await self._redis.zrem(self._last, pid)

    async def seen(self, pids: Sequence[str]) -> dict[str, datetime | None]:
        """When each of `pids` was last active, as noted here (None: never noted)."""
        if not pids:
            return {}
        scores = await self._redis.zmscore(self._last, list(pids))
        return {
            pid: None if score is None else _at(float(score))
            for pid, score in zip(pids, scores, strict=True)
        }

    async def idle_since(self, cutoff: datetime, page: int = 1000) -> list[tuple[str, datetime]]:
        """Participants whose last noted activity is at or before `cutoff`, oldest first."""
        found: list[tuple[str, datetime]] = []
        while True:
            rows = await self._redis.zrangebyscore(
                self._last, "-inf", cutoff.timestamp(), start=len(found), num=page,
                withscores=True,
            )  # fmt: skip
            pairs: list[tuple[bytes | str, float]] = list(rows)  # type: ignore[arg-type]
            found += [(text(pid), _at(float(score))) for pid, score in pairs]
            if len(pairs) < page:
                return found

    async def told_at(self, pid: str) -> datetime | None:
        score = await self._redis.zscore(self._told, pid)
        return None if score is None else _at(float(score))

    async def mark_told(self, pid: str, at: datetime) -> None:
        """They were told at `at` that their data will be erased."""
        await self._redis.zadd(self._told, {pid: at.timestamp()})

    async def forget(self, pid: str) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zrem(self._last, pid)
            pipe.zrem(self._told, pid)
            await pipe.execute()
