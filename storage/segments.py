"""Who is where: participant ids by course and enrollment status, for choosing broadcast
recipients without reading every participant.

The index follows every enrollment write (see enrollments.py). It lives in its own hash slot, so
it is updated just after the enrollment's own transaction; whoever reads it for sending checks
each enrollment again, so a participant a crash left in the wrong set gets nothing by mistake.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

import redis.asyncio as aioredis

from storage.keys import Keys
from storage.models import EnrollmentStatus
from storage.records import text


class SegmentIndex:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def move(
        self,
        pid: str,
        course_id: str,
        before: EnrollmentStatus | None,
        after: EnrollmentStatus | None,
    ) -> None:
        """The enrollment went from `before` to `after` (None: it did not exist / is gone)."""
        if before == after:
            return
        async with self._redis.pipeline(transaction=True) as pipe:
            if before is not None:
                pipe.srem(self._keys.segment(course_id, before.value), pid)
            if after is not None:
                pipe.sadd(self._keys.segment(course_id, after.value), pid)
            await pipe.execute()
        # The set and the tombstone live in different slots: looked at after the write, an
        # erasure that ran meanwhile is seen here, or its own clean-up came after this write.
        if after is not None and await self._redis.exists(self._keys.erased(pid)):
            await self.forget(pid, [course_id])

    async def forget(self, pid: str, course_ids: Iterable[str]) -> None:
        """Take `pid` out of every status set of these courses, whatever status it was read in."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for course_id in course_ids:
                for status in EnrollmentStatus:
                    pipe.srem(self._keys.segment(course_id, status.value), pid)
            await pipe.execute()

    async def members(
        self, course_ids: Iterable[str], statuses: Iterable[EnrollmentStatus]
    ) -> AsyncIterator[str]:
        """Everyone enrolled in one of `course_ids` with one of `statuses` (each once)."""
        seen: set[str] = set()
        for course_id in course_ids:
            for status in statuses:
                key = self._keys.segment(course_id, status.value)
                async for pid in self._redis.sscan_iter(key, count=1000):
                    value = text(pid)
                    if value not in seen:
                        seen.add(value)
                        yield value

    async def count(self, course_id: str, status: EnrollmentStatus) -> int:
        return int(await self._redis.scard(self._keys.segment(course_id, status.value)))

    async def course_ids(self) -> set[str]:
        """Every course someone is (or was) enrolled in, as the index knows it."""
        pattern = self._keys.segment("x", "active").rsplit(":", 2)[0].replace("{", "\\{")
        pattern = pattern.replace("}", "\\}") + ":*"
        found: set[str] = set()
        async for key in self._redis.scan_iter(match=pattern, count=1000):
            parts = text(key).rsplit(":", 2)
            if len(parts) == 3 and parts[2] in {s.value for s in EnrollmentStatus}:
                found.add(parts[1])
        return found

    async def built(self) -> bool:
        return bool(await self._redis.exists(self._keys.segments_built()))

    async def mark_built(self) -> None:
        await self._redis.set(self._keys.segments_built(), "1")
