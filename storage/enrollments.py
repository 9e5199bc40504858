"""Enrollments: a participant's progress through a course.

Each enrollment is a group of fields in the participant's hash (see storage/profile.py), so
starting a course, ending the others and advancing a day each change one key.
"""

from __future__ import annotations

from collections.abc import Callable

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from storage import records
from storage.crypto import TextCipher
from storage.errors import Conflict
from storage.keys import Keys
from storage.models import Enrollment, Participant
from storage.profile import Profiles
from storage.segments import SegmentIndex


class EnrollmentRepo:
    def __init__(self, redis: aioredis.Redis, keys: Keys, cipher: TextCipher) -> None:
        self._redis = redis
        self._keys = keys
        self._profiles = Profiles(redis, keys, cipher)
        self.segments = SegmentIndex(redis, keys)

    async def get(self, pid: str, course_id: str) -> Enrollment | None:
        return await self._profiles.enrollment(pid, course_id)

    async def with_participant(
        self, pid: str, course_id: str
    ) -> tuple[Participant | None, Enrollment | None]:
        """The participant and their enrollment in `course_id`, read together."""
        return await self._profiles.both(pid, course_id)

    async def save(self, enrollment: Enrollment) -> None:
        pid = enrollment.participant_id
        async with self._redis.pipeline(transaction=True) as pipe:
            for _ in range(records.UPDATE_ATTEMPTS):
                try:
                    before = await self._profiles.watch(pipe, pid, [enrollment.course_id])
                    pipe.multi()  # type: ignore[no-untyped-call]
                    self._profiles.write(pipe, before, enrollments=[enrollment])
                    await pipe.execute()
                    break
                except WatchError:
                    continue
            else:
                raise Conflict(f"participant {pid} kept changing; gave up saving an enrollment")
        await self.segments.move(pid, enrollment.course_id, None, enrollment.status)

    async def update(
        self,
        pid: str,
        course_id: str,
        change: Callable[[Enrollment], Enrollment | None],
        also: Callable[[Pipeline, Enrollment, Enrollment], None] | None = None,
    ) -> Enrollment | None:
        """Change the stored enrollment atomically; `also` commits with it (see records.update)."""
        async with self._redis.pipeline(transaction=True) as pipe:
            for _ in range(records.UPDATE_ATTEMPTS):
                try:
                    before = await self._profiles.watch(pipe, pid, [course_id])
                    current = before.enrollment(course_id)
                    if current is None:
                        await pipe.reset()  # type: ignore[no-untyped-call]
                        return None
                    changed = change(current.model_copy(deep=True))
                    if changed is None:
                        await pipe.reset()  # type: ignore[no-untyped-call]
                        return current
                    pipe.multi()  # type: ignore[no-untyped-call]
                    self._profiles.write(pipe, before, enrollments=[changed])
                    if also is not None:
                        also(pipe, current, changed)
                    await pipe.execute()
                except WatchError:
                    continue
                await self.segments.move(pid, course_id, current.status, changed.status)
                return changed
        raise Conflict(
            f"participant {pid} kept changing; gave up after {records.UPDATE_ATTEMPTS} attempts"
        )

    async def start(
        self, new: Enrollment, end: Callable[[Enrollment], Enrollment | None]
    ) -> list[Enrollment]:
        """Save a new enrollment and end the participant's others with `end`, in one step.

        Returns the enrollments that were ended (an earlier run of the same course is replaced
        by the new one rather than ended). A crash leaves either the old state or the new one.
        """
        pid = new.participant_id
        async with self._redis.pipeline(transaction=True) as pipe:
            for _ in range(records.UPDATE_ATTEMPTS):
                try:
                    before = await self._profiles.watch(pipe, pid, courses=None)
                    stored = before.enrollments()
                    statuses = {e.course_id: e.status for e in stored}
                    ended = [
                        e
                        for old in stored
                        if old.course_id != new.course_id and (e := end(old)) is not None
                    ]
                    pipe.multi()  # type: ignore[no-untyped-call]
                    self._profiles.write(pipe, before, enrollments=[*ended, new])
                    await pipe.execute()
                except WatchError:
                    continue
                after = {e.course_id: e.status for e in ended} | {new.course_id: new.status}
                for course_id, status in after.items():
                    await self.segments.move(pid, course_id, statuses.get(course_id), status)
                return ended
        raise Conflict(f"participant {pid} kept changing; gave up starting {new.course_id}")

    async def for_participant(self, pid: str) -> list[Enrollment]:
        """All of a participant's enrollments, oldest first."""
        found = (await self._profiles.everything(pid)).enrollments()
        return sorted(found, key=lambda e: e.started_at)

    async def course_ids(self, pid: str) -> set[str]:
        """Every course the participant has (or an older release listed) an enrollment in."""
        stored = await self._profiles.everything(pid)
        return stored.courses() | stored.legacy_courses
