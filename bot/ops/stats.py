"""The numbers behind /stats: who is where, how far people get, how often they answer.

Counts by status come from the segment index (one SCARD each). The day-by-day funnel and the
reflection rate have no index of their own yet: they read every participant's enrollments and
reflections, two round trips per participant. That is fine for hundreds or a few thousand people;
past that, keep per-day counters beside the segment index instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.counters import Counters
from bot.ops.charts import CourseSeries
from bot.ops.coaching import ThreadNumbers, thread_numbers
from courses.models import Course
from storage.models import Enrollment, EnrollmentStatus
from storage.store import Store

#: The order statuses are shown in.
STATUSES = (
    EnrollmentStatus.ACTIVE,
    EnrollmentStatus.PAUSED,
    EnrollmentStatus.COMPLETED,
    EnrollmentStatus.STOPPED,
)
DAY_HOURS, WEEK_HOURS = 24, 7 * 24


@dataclass(slots=True)
class CourseNumbers:
    """One course: enrollments by status, and per day (index 0 is day 1) how many enrollments
    got that day's lesson and how many of those sent a reflection for that day."""

    id: str
    title: str
    by_status: dict[EnrollmentStatus, int]
    reached: list[int]
    reflected: list[int]
    #: Per day, how many stopped the course with that day as their last lesson.
    stopped: list[int] = field(default_factory=list)

    def rate(self, day: int) -> float | None:
        """The share (0 to 1) of those who got `day` that answered it; None when nobody got it."""
        reached = self.reached[day - 1]
        return self.reflected[day - 1] / reached if reached else None

    def last_reached_day(self) -> int:
        """The furthest day anyone got (0: nobody got a lesson yet)."""
        return max((d for d, n in enumerate(self.reached, 1) if n), default=0)

    def most_stopped(self) -> tuple[int, int] | None:
        """The day on which most participants stopped, and how many (the earliest of equals);
        None when nobody stopped after a lesson."""
        most = max(self.stopped, default=0)
        return None if most == 0 else (self.stopped.index(most) + 1, most)

    def series(self) -> CourseSeries:
        return CourseSeries(self.title, tuple(self.reached), tuple(self.reflected))


@dataclass(slots=True)
class Stats:
    participants: int
    courses: list[CourseNumbers]
    last_day: dict[str, int] = field(default_factory=dict)
    last_week: dict[str, int] = field(default_factory=dict)
    #: The coaches' threads (counts and durations only).
    threads: ThreadNumbers = field(default_factory=ThreadNumbers)

    def by_status(self) -> dict[EnrollmentStatus, int]:
        """Enrollments by status over every course."""
        return {s: sum(c.by_status[s] for c in self.courses) for s in STATUSES}


async def collect(
    store: Store, courses: Mapping[str, Course], counters: Counters, now: datetime
) -> Stats:
    """Every number /stats shows, the coaches' threads as of `now` (course clock). Reads every
    participant (see the module's note on cost)."""
    numbers: dict[str, CourseNumbers] = {}
    for course in sorted(courses.values(), key=lambda c: c.title):
        by_status = {s: await store.enrollments.segments.count(course.id, s) for s in STATUSES}
        numbers[course.id] = CourseNumbers(
            course.id, course.title, by_status, [0] * course.length, [0] * course.length,
            [0] * course.length,
        )  # fmt: skip
    async for pid in store.participants.ids():
        await _add_participant(store, pid, numbers)
    return Stats(
        threads=await thread_numbers(store, now),
        participants=await store.participants.count(),
        courses=list(numbers.values()),
        last_day=await counters.window(DAY_HOURS),
        last_week=await counters.window(WEEK_HOURS),
    )


async def _add_participant(store: Store, pid: str, numbers: dict[str, CourseNumbers]) -> None:
    """Count how far one participant got in each course, and which of those days they answered.

    A reflection counts once per day however many messages it took, and only for a day of the
    participant's current run of that course (a restarted course starts its days afresh).
    """
    got: dict[str, Enrollment] = {
        e.course_id: e
        for e in await store.enrollments.for_participant(pid)
        if e.course_id in numbers and e.last_delivered_day > 0
    }
    if not got:
        return
    last: dict[str, int] = {}
    for course_id, enrollment in got.items():
        course = numbers[course_id]
        last[course_id] = min(enrollment.last_delivered_day, len(course.reached))
        for day in range(1, last[course_id] + 1):
            course.reached[day - 1] += 1
        if enrollment.status is EnrollmentStatus.STOPPED and last[course_id] >= 1:
            course.stopped[last[course_id] - 1] += 1
    answered = {(r.course_id, r.day) for r in await store.reflections.all(pid) if not r.followup}
    for course_id, day in answered:
        if day <= last.get(course_id, 0):
            numbers[course_id].reflected[day - 1] += 1
