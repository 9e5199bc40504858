"""Enrollments: a participant's progress through a course.

Each enrollment is a group of fields in the participant's hash (see storage/profile.py), so
starting a course, ending the others and advancing a day each change one key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import cast

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from storage import records
from storage.crypto import TextCipher
from storage.errors import Conflict
from storage.keys import Keys
from storage.models import Enrollment, Participant
from storage.profile import SEP, Profiles, Stored
from storage.scripts import Scripts, Then
from storage.segments import SegmentIndex

Also = Callable[[Pipeline, Enrollment, Enrollment], None]


@dataclass(frozen=True, slots=True)
class Read:
    """A participant and one enrollment of theirs, read together, and what was stored: a
    change can be checked against it instead of read again under WATCH."""

    participant: Participant | None
    enrollment: Enrollment | None
    stored: Stored


@dataclass
class _Writes:
    """The writes a change queues on a pipeline, kept to be sent as one script's arguments
    (only the commands an enrollment and its queued items need)."""

    keys: list[str] = field(default_factory=list)
    args: list[str | int] = field(default_factory=list)

    def _add(self, command: str, key: str, values: list[str]) -> None:
        if key not in self.keys:
            self.keys.append(key)
        self.args += [command, self.keys.index(key) + 2, len(values), *values]

    def hset(self, key: str, mapping: Mapping[str, str]) -> None:
        self._add("HSET", key, [v for pair in mapping.items() for v in pair])

    def hdel(self, key: str, *names: str) -> None:
        self._add("HDEL", key, list(names))

    def rpush(self, key: str, *values: str) -> None:
        self._add("RPUSH", key, list(values))


class EnrollmentRepo:
    def __init__(self, redis: aioredis.Redis, keys: Keys, cipher: TextCipher) -> None:
        self._redis = redis
        self._keys = keys
        self._profiles = Profiles(redis, keys, cipher)
        self.segments = SegmentIndex(redis, keys)
        self._scripts = Scripts(redis)

    async def get(self, pid: str, course_id: str) -> Enrollment | None:
        return await self._profiles.enrollment(pid, course_id)

    async def with_participant(self, pid: str, course_id: str) -> Read:
        """The participant and their enrollment in `course_id`, read together."""
        stored = await self._profiles.read(pid, course_id)
        return Read(stored.participant(), stored.enrollment(course_id), stored)

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
        also: Also | None = None,
        read: Read | None = None,
        then: Then | None = None,
    ) -> Enrollment | None:
        """Change the stored enrollment atomically; `also` commits with it (see records.update).
        With `read` (just read), the change is first tried on what it holds, in one step that
        writes only if the enrollment is still as read; `then`, a script on the participant's
        slot, runs in that same step where it wrote (`then.reply` stays None where it did not:
        read again, or not changed)."""
        if read is not None:
            swapped = await self._swap(read.stored, course_id, change, also, then)
            if swapped is not None:
                return swapped
        stored: list[Stored] = []
        #: The change written in the attempt that stands, for the segment index.
        moved: list[tuple[Enrollment, Enrollment]] = []

        async def reread(pipe: Pipeline) -> Enrollment | None:
            stored[:], moved[:] = [await self._profiles.watch(pipe, pid, [course_id])], []
            return stored[0].enrollment(course_id)

        def write(pipe: Pipeline, before: Enrollment, after: Enrollment) -> None:
            self._profiles.write(pipe, stored[0], enrollments=[after])
            if also is not None:
                also(pipe, before, after)
            moved[:] = [(before, after)]

        changed = await records.watched(self._redis, f"participant {pid}", reread, write, change)
        for before, after in moved:
            await self.segments.move(pid, course_id, before.status, after.status)
        return changed

    async def _swap(
        self, read: Stored, course_id: str, change: Callable[[Enrollment], Enrollment | None],
        also: Also | None, then: Then | None = None,
    ) -> Enrollment | None:  # fmt: skip
        """The change written if the enrollment is as `read` holds it; None when it was not
        (or the record is in an older form, or the change declines): then the caller reads
        again under WATCH, where a declined change is decided on fresh data."""
        if read.legacy_key or read.erased or course_id in read.legacy_enrollments:
            return None
        current = read.enrollment(course_id)
        changed = None if current is None else change(current.model_copy(deep=True))
        if current is None or changed is None:
            return None
        writes = _Writes()
        pipe = cast(Pipeline, writes)  # the few commands _Writes keeps are all that is used
        self._profiles.write(pipe, read, enrollments=[changed])
        if also is not None:
            also(pipe, current, changed)
        prefix = f"{course_id}{SEP}"
        expected = [x for k, v in read.fields.items() if k.startswith(prefix) for x in (k, v)]
        keys = [self._profiles.key(read.pid), *writes.keys]
        args = [prefix, len(expected) // 2, *expected, *writes.args]
        if then is not None:
            written = await self._scripts.run_then("enrollment_swap", keys, args, then)
        else:
            written = bool(await self._scripts.run("enrollment_swap", keys, args))
        if not written:
            return None
        await self.segments.move(read.pid, course_id, current.status, changed.status)
        return changed

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
