"""/rapport COURSE (/report): how a course goes, day by day, as a CSV file for trainers.

One row per version of the course and day: how many enrolled in that version, got the day's
lesson, answered its question, their mean check-in score, are still going after that day, and
paused or stopped on it. It holds counts only, never anyone's words; a count of fewer than
MIN_PEOPLE people is a dash (as is a mean over fewer scores), and so is "still active" where
it would give a hidden pause or stop away by subtraction, so nobody can be singled out.

Like /stats it reads every participant once, which is fine for a few thousand people.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core import texts_report
from bot.core.messages import Outgoing
from bot.delivery.catalogue import Catalogue
from courses.models import Course
from storage.crypto import UndecryptableText
from storage.models import CheckIn, Enrollment, EnrollmentStatus
from storage.store import Store

#: The fewest people a shown number may stand for.
MIN_PEOPLE = 5


@dataclass(slots=True)
class DayRow:
    """One version's day, counted over its enrollments."""

    version: int
    day: int
    enrolled: int = 0
    received: int = 0
    answered: int = 0
    scores: list[int] = field(default_factory=list)
    paused: int = 0
    stopped: int = 0

    @property
    def still_active(self) -> int:
        """Got the day and did not pause or stop on it."""
        return self.received - self.paused - self.stopped


def cell(count: int) -> str:
    return str(count) if count >= MIN_PEOPLE else "-"


def _hidden(count: int) -> bool:
    """A number shown as a dash that is not nothing."""
    return 0 < count < MIN_PEOPLE


def row_cells(course_id: str, row: DayRow) -> list[str]:
    mean = f"{sum(row.scores) / len(row.scores):.1f}" if len(row.scores) >= MIN_PEOPLE else "-"
    active = cell(row.still_active)
    if _hidden(row.paused) or _hidden(row.stopped):
        active = "-"  # else received minus it would tell the hidden pause or stop
    return [
        course_id, str(row.version), str(row.day), cell(row.enrolled), cell(row.received),
        cell(row.answered), mean, active, cell(row.paused), cell(row.stopped),
    ]  # fmt: skip


@dataclass(slots=True)
class _Seen:
    """One enrollment in the course, with the days it answered and the scores it gave."""

    enrollment: Enrollment
    answered: set[int]
    scores: dict[int, int]


async def _seen(store: Store, pid: str, course_id: str) -> _Seen | None:
    """The participant's run of the course, and what of it they answered (this run only)."""
    found = [e for e in await store.enrollments.for_participant(pid) if e.course_id == course_id]
    if not found:
        return None
    enrollment = found[-1]
    since = enrollment.started_at
    readable, _ = await store.reflections.readable(pid)
    answered = {
        r.day for r in readable
        if r.course_id == course_id and not r.followup and r.at >= since
    }  # fmt: skip
    try:
        checkins: list[CheckIn] = await store.checkins.all(pid)
    except UndecryptableText:
        checkins = []
    scores = {c.day: c.score for c in checkins if c.course_id == course_id and c.at >= since}
    return _Seen(enrollment, answered, scores)


def rows(lengths: Mapping[int, int], seen: list[_Seen]) -> list[DayRow]:
    """A row per version and day, versions in order; every version has every day it has
    (`lengths`: each version's number of days), and any later day someone of it got."""
    versions: dict[int, list[_Seen]] = {}
    for one in seen:
        versions.setdefault(one.enrollment.course_version, []).append(one)
    if not versions:
        versions[1] = []
    out: list[DayRow] = []
    for version, members in sorted(versions.items()):
        days = lengths.get(version, 0)
        last = max([days, *(m.enrollment.last_delivered_day for m in members)])
        for day in range(1, last + 1):
            row = DayRow(version, day, enrolled=len(members))
            for m in members:
                e = m.enrollment
                row.received += e.last_delivered_day >= day
                row.answered += day in m.answered and e.last_delivered_day >= day
                if day in m.scores:
                    row.scores.append(m.scores[day])
                on_day = e.last_delivered_day == day
                row.paused += on_day and e.status is EnrollmentStatus.PAUSED
                row.stopped += on_day and e.status is EnrollmentStatus.STOPPED
            out.append(row)
    return out


async def collect(store: Store, catalogue: Catalogue, course: Course) -> list[DayRow]:
    seen: list[_Seen] = []
    async for pid in store.participants.ids():
        try:
            one = await _seen(store, pid, course.id)
        except UndecryptableText:
            continue  # a record no key opens: counted nowhere
        if one is not None:
            seen.append(one)
    lengths: dict[int, int] = {}
    for number in {s.enrollment.course_version for s in seen} | {1}:
        version = await catalogue.version(course.id, number)
        lengths[number] = course.length if version is None else version.length
    return rows(lengths, seen)


def csv_bytes(course: Course, found: list[DayRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(texts_report.REPORT_COLUMNS)
    writer.writerows(row_cells(course.id, row) for row in found)
    return buffer.getvalue().encode("utf-8")


async def report(store: Store, catalogue: Catalogue, args: tuple[str, ...]) -> Outgoing:
    """The answer to /rapport: the CSV as a document, or how to ask for one."""
    wanted = args[0].lower() if len(args) == 1 else ""
    course = await catalogue.newest(wanted)
    if course is None:
        names = sorted(catalogue)
        return Outgoing(texts_report.REPORT_USAGE.format(
            example=names[0] if names else "twijfel", courses=", ".join(names) or "-"))  # fmt: skip
    content = csv_bytes(course, await collect(store, catalogue, course))
    caption = texts_report.REPORT_CAPTION.format(title=course.title, least=MIN_PEOPLE)
    return Outgoing(caption, document=(f"rapport-{course.id}.csv", content))
