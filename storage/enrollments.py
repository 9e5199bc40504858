"""Enrollments: a participant's progress through a course."""

from __future__ import annotations

from collections.abc import Callable

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from storage import records
from storage.errors import Conflict
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

    async def start(
        self, new: Enrollment, end: Callable[[Enrollment], Enrollment | None]
    ) -> list[Enrollment]:
        """Save a new enrollment and end the participant's others with `end`, in one step.

        Returns the enrollments that were ended (an earlier run of the same course is replaced
        by the new one rather than ended). A crash leaves either the old state or the new one.
        """
        pid = new.participant_id
        index = self._keys.enrollments(pid)
        async with self._redis.pipeline(transaction=True) as pipe:
            for _ in range(records.UPDATE_ATTEMPTS):
                try:
                    await pipe.watch(index)
                    course_ids = sorted(records.text(c) for c in await pipe.smembers(index))
                    others = [c for c in course_ids if c != new.course_id]
                    keys = [self._keys.enrollment(pid, c) for c in others]
                    if keys:
                        await pipe.watch(*keys)
                    raws = [await pipe.get(k) for k in keys]
                    ended = [
                        e
                        for raw in raws
                        if raw is not None
                        and (e := end(Enrollment.model_validate_json(raw))) is not None
                    ]
                    pipe.multi()  # type: ignore[no-untyped-call]
                    for e in ended:
                        pipe.set(self._keys.enrollment(pid, e.course_id), e.model_dump_json())
                    pipe.set(self._keys.enrollment(pid, new.course_id), new.model_dump_json())
                    pipe.sadd(index, new.course_id)
                    await pipe.execute()
                    return ended
                except WatchError:
                    continue
        raise Conflict(f"{index} kept changing; gave up starting {new.course_id}")

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
