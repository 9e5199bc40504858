"""Enrollments: a participant's progress through a course."""

from __future__ import annotations

from collections.abc import Callable

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline

from storage import records
from storage.keys import Keys
from storage.models import Enrollment


class EnrollmentRepo:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def get(self, pid: str, course_id: str) -> Enrollment | None:
        return await records.load(self._redis, self._keys.enrollment(pid, course_id), Enrollment)

    async def save(self, enrollment: Enrollment) -> None:
        pid = enrollment.participant_id
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._keys.enrollment(pid, enrollment.course_id), enrollment.model_dump_json())
            pipe.sadd(self._keys.enrollments(pid), enrollment.course_id)
            await pipe.execute()

    async def update(
        self,
        pid: str,
        course_id: str,
        change: Callable[[Enrollment], Enrollment | None],
        also: Callable[[Pipeline, Enrollment, Enrollment], None] | None = None,
    ) -> Enrollment | None:
        """Change the stored enrollment atomically; `also` commits with it (see records.update)."""
        key = self._keys.enrollment(pid, course_id)
        return await records.update(self._redis, key, Enrollment, change, also)

    async def for_participant(self, pid: str) -> list[Enrollment]:
        """All of a participant's enrollments, oldest first."""
        course_ids = sorted(
            records.text(c) for c in await self._redis.smembers(self._keys.enrollments(pid))
        )
        if not course_ids:
            return []
        raws = await self._redis.mget([self._keys.enrollment(pid, c) for c in course_ids])
        found = [Enrollment.model_validate_json(raw) for raw in raws if raw is not None]
        return sorted(found, key=lambda e: e.started_at)
