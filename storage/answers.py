"""What participants answer: reflections (free text) and check-ins (a 1-5 score) per day.

Reflection text is personal. Nothing here logs it; callers must not either.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from storage.keys import Keys
from storage.models import CheckIn, ReflectionEntry


class ReflectionRepo:
    """Reflections are appended, never overwritten: a second message the same day adds to it."""

    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def add(self, pid: str, entry: ReflectionEntry) -> None:
        await self._redis.rpush(self._keys.reflections(pid), entry.model_dump_json())

    async def count(self, pid: str) -> int:
        return int(await self._redis.llen(self._keys.reflections(pid)))

    async def all(self, pid: str) -> list[ReflectionEntry]:
        raws = await self._redis.lrange(self._keys.reflections(pid), 0, -1)
        return [ReflectionEntry.model_validate_json(raw) for raw in raws]

    async def for_day(self, pid: str, course_id: str, day: int) -> list[ReflectionEntry]:
        return [e for e in await self.all(pid) if e.course_id == course_id and e.day == day]


class CheckinRepo:
    """One score per course day; tapping again changes it."""

    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def record(self, pid: str, checkin: CheckIn) -> None:
        field = f"{checkin.course_id}:{checkin.day}"
        await self._redis.hset(self._keys.checkins(pid), field, checkin.model_dump_json())

    async def get(self, pid: str, course_id: str, day: int) -> CheckIn | None:
        raw = await self._redis.hget(self._keys.checkins(pid), f"{course_id}:{day}")
        return None if raw is None else CheckIn.model_validate_json(raw)

    async def all(self, pid: str) -> list[CheckIn]:
        raws = await self._redis.hvals(self._keys.checkins(pid))
        found = [CheckIn.model_validate_json(raw) for raw in raws]
        return sorted(found, key=lambda c: (c.course_id, c.day))
