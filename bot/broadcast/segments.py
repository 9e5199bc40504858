"""Segments of participants a trainer can reach, named by a short code that fits in a button.

    all                 everyone whose course is running or finished (not paused, not stopped)
    course:<course>     that course, running or finished
    day:<course>:<n>    that course, running, and day n is the last one they received
    active | paused | finished    every course, by status

Paused participants were told "ik stuur je niets tot je /verder typt", so only a trainer who
chooses the paused segment on purpose reaches them. Who is in a segment comes from the index kept
with the enrollments; each enrollment is read once more when the recipients are fixed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core import texts_staff
from courses.models import Course
from storage.models import EnrollmentStatus
from storage.store import Store

_RUNNING = (EnrollmentStatus.ACTIVE,)
_LIVE = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)


@dataclass(frozen=True, slots=True)
class Segment:
    code: str
    label: str
    course_ids: tuple[str, ...]
    statuses: tuple[EnrollmentStatus, ...]
    day: int | None = None


def parse(code: str, courses: Mapping[str, Course]) -> Segment | None:
    """The segment a code names, or None for a code that names nothing (a stale button)."""
    everything = tuple(sorted(courses))
    parts = code.split(":")
    if code == "all":
        return Segment(code, texts_staff.SEGMENT_ALL, everything, _LIVE)
    if code == "active":
        return Segment(code, texts_staff.SEGMENT_ACTIVE, everything, _RUNNING)
    if code == "paused":
        return Segment(code, texts_staff.SEGMENT_PAUSED, everything, (EnrollmentStatus.PAUSED,))
    if code == "finished":
        return Segment(
            code, texts_staff.SEGMENT_FINISHED, everything, (EnrollmentStatus.COMPLETED,)
        )
    if len(parts) == 2 and parts[0] == "course" and parts[1] in courses:
        title = courses[parts[1]].title
        return Segment(code, texts_staff.SEGMENT_COURSE.format(title=title), (parts[1],), _LIVE)
    if len(parts) == 3 and parts[0] == "day" and parts[1] in courses:
        number = parts[2]
        course = courses[parts[1]]
        if number.isascii() and number.isdigit() and 1 <= int(number) <= course.length:
            label = texts_staff.SEGMENT_DAY.format(day=int(number), title=course.title)
            return Segment(code, label, (course.id,), _RUNNING, int(number))
    return None


async def recipients(store: Store, segment: Segment) -> list[str]:
    """The participant ids in the segment now, each once, checked against their enrollment."""
    found: list[str] = []
    async for pid in store.enrollments.segments.members(segment.course_ids, segment.statuses):
        for enrollment in await store.enrollments.for_participant(pid):
            if enrollment.course_id not in segment.course_ids:
                continue
            if enrollment.status not in segment.statuses:
                continue
            if segment.day is not None and enrollment.last_delivered_day != segment.day:
                continue
            found.append(pid)
            break
    return found
