"""Enrollments: a participant's progress through a course."""

from __future__ import annotations

from collections.abc import Callable

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from storage import records
from storage.errors import Conflict
from storage.keys import Keys
from storage.models import Enrollment, EnrollmentStatus
from storage.segments import SegmentIndex


class EnrollmentRepo:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self.segments = SegmentIndex(redis, keys)

    async def get(self, pid: str, course_id: str) -> Enrollment | None:
        return await records.load(self._redis, self._keys.enrollment(pid, course_id), Enrollment)

    async def save(self, enrollment: Enrollment) -> None:
        pid = enrollment.participant_id
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._keys.enrollment(pid, enrollment.course_id), enrollment.model_dump_json())
            pipe.sadd(self._keys.enrollments(pid), enrollment.course_id)
            await pipe.execute()
        await self.segments.move(pid, enrollment.course_id, None, enrollment.status)

    async def update(
        self,
        pid: str,
        course_id: str,
        change: Callable[[Enrollment], Enrollment | None],
        also: Callable[[Pipeline, Enrollment, Enrollment], None] | None = None,
    ) -> Enrollment | None:
        """Change the stored enrollment atomically; `also` commits with it (see records.update)."""
        key = self._keys.enrollment(pid, course_id)
        seen: list[EnrollmentStatus] = []

        def noting(e: Enrollment) -> Enrollment | None:
            seen.append(e.status)
            return change(e)

        after = await records.update(self._redis, key, Enrollment, noting, also)
        if after is not None and seen:
            await self.segments.move(pid, course_id, seen[-1], after.status)
        return after

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
                    keys = [self._keys.enrollment(pid, c) for c in course_ids]
                    if keys:
                        await pipe.watch(*keys)
                    stored = [
                        Enrollment.model_validate_json(raw)
                        for raw in [await pipe.get(k) for k in keys]
                        if raw is not None
                    ]
                    before = {e.course_id: e.status for e in stored}
                    ended = [
                        e
                        for old in stored
                        if old.course_id != new.course_id and (e := end(old)) is not None
                    ]
                    pipe.multi()  # type: ignore[no-untyped-call]
                    for e in ended:
                        pipe.set(self._keys.enrollment(pid, e.course_id), e.model_dump_json())
                    pipe.set(self._keys.enrollment(pid, new.course_id), new.model_dump_json())
                    pipe.sadd(index, new.course_id)
                    await pipe.execute()
                except WatchError:
                    continue
                after = {e.course_id: e.status for e in ended} | {new.course_id: new.status}
                for course_id, status in after.items():
                    await self.segments.move(pid, course_id, before.get(course_id), status)
                return ended
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
