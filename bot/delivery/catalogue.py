"""Every version of every course a process meets, and which one each enrollment reads.

The shipped course files are each course's first version (the seed); versions published later
live in Redis (storage/versions.py), so every process reads the same ones, and one
published survives restarts. A version never changes once published, so a process reads each
at most once and keeps it; asking whether a newer one exists is one small read.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping, MutableMapping

from pydantic import ValidationError

from courses.models import Course
from storage.models import Enrollment
from storage.versions import CourseVersions

log = logging.getLogger(__name__)

#: Real seconds a process goes by the migration orders it read: they apply from a participant's
#: next day on, so a few seconds late is on time.
MOVES_SECONDS = 5.0


class Catalogue(MutableMapping[str, Course]):
    """As a mapping: each course's newest version this process knows of (for titles, buttons
    and lists). What is sent to a participant comes from their enrollment's version
    (`of`), and new enrollments start on the newest one (`newest`). Setting a course replaces
    the version it names, and deleting one forgets the course, as a course file changed or
    removed on disk does at the next start."""

    def __init__(self, seed: Mapping[str, Course], versions: CourseVersions | None) -> None:
        self._versions = versions
        self._known: dict[str, dict[int, Course]] = {i: {c.version: c} for i, c in seed.items()}
        self._newest: dict[str, int] = {i: c.version for i, c in seed.items()}
        #: Per course: when its migration orders were read (monotonic seconds), and them.
        self._moves: dict[str, tuple[float, dict[int, int]]] = {}

    def __getitem__(self, course_id: str) -> Course:
        return self._known[course_id][self._newest[course_id]]

    def __setitem__(self, course_id: str, course: Course) -> None:
        self._known.setdefault(course_id, {})[course.version] = course
        self._newest[course_id] = max(self._newest.get(course_id, 0), course.version)

    def __delitem__(self, course_id: str) -> None:
        del self._newest[course_id]
        del self._known[course_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._newest)

    def __len__(self) -> int:
        return len(self._newest)

    def first(self, course_id: str) -> int:
        """The version the shipped file is (1 for every shipped course); 0 for no such course."""
        known = self._known.get(course_id)
        return min(known) if known else 0

    async def refresh(self) -> None:
        """Learn every course's newest version (one read, then each new version once)."""
        if self._versions is None:
            return
        for course_id, number in (await self._versions.newest_all()).items():
            await self._learn(course_id, number)

    async def newest(self, course_id: str) -> Course | None:
        """The course's newest version, asked of Redis now: what a new enrollment starts on."""
        if course_id not in self._newest:
            return None
        if self._versions is not None:
            number = await self._versions.newest(course_id)
            if number is not None:
                await self._learn(course_id, number)
        return self[course_id]

    async def _learn(self, course_id: str, number: int) -> None:
        if course_id in self._newest and number > self._newest[course_id]:
            course = await self.version(course_id, number)
            if course is not None and course.version == number:
                self._newest[course_id] = number

    async def version(self, course_id: str, number: int) -> Course | None:
        """Version `number` of a course; None for a course this process has no file of."""
        known = self._known.get(course_id)
        if known is None:
            return None
        if number in known:
            return known[number]
        published = None if self._versions is None else await self._versions.get(course_id, number)
        if published is None:
            log.warning("course %s has no version %d; using the nearest one", course_id, number)
            return self.cached(course_id, number)
        try:
            course = Course.model_validate_json(published.body)
        except ValidationError as exc:  # published by a later release this one cannot read
            log.error("version %d of course %s cannot be read: %s", number, course_id, exc)
            return self.cached(course_id, number)
        known[number] = course
        return course

    async def of(self, enrollment: Enrollment) -> Course | None:
        """The version of the course an enrollment reads."""
        return await self.version(enrollment.course_id, enrollment.course_version)

    def cached(self, course_id: str, number: int) -> Course | None:
        """Version `number` as this process has it, without asking Redis: else the nearest
        older version it has (else the oldest). Whatever renders a day reads through
        `version` first, so this stands in only for what is the same in most versions (the
        pacing, whether a day has a nudge) while a version is being read."""
        known = self._known.get(course_id)
        if not known:
            return None
        if number in known:
            return known[number]
        older = [v for v in known if v <= number]
        return known[max(older)] if older else known[min(known)]

    async def moved(self, enrollment: Enrollment) -> int:
        """The version the enrollment's next day is on: a migration's target when one was
        ordered for its version (`druppel courses migrate`), else its own. The orders are read
        at most every MOVES_SECONDS per course: a lesson costs no read of its own."""
        if self._versions is None:
            return enrollment.course_version
        course_id, now = enrollment.course_id, time.monotonic()
        read_at, moves = self._moves.get(course_id, (-MOVES_SECONDS, {}))
        if now - read_at >= MOVES_SECONDS:
            moves = await self._versions.moves(course_id)
            self._moves[course_id] = (now, moves)
        target = moves.get(enrollment.course_version)
        if target is None or target <= enrollment.course_version:
            return enrollment.course_version
        return target

    def forget_moves(self, course_id: str) -> None:
        """Read the migration orders again next time (this process just ordered one)."""
        self._moves.pop(course_id, None)
