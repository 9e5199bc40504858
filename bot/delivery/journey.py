"""What the coach and the deliveries both need to know about a participant's journey.

The rules of time live here once: when the next lesson is due, how that reads in Dutch, and
where an enrollment stands in the due index; and how a course pauses or ends, whoever asks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core import texts
from bot.core.counters import CounterName, Counters
from bot.delivery import tempo
from bot.delivery.catalogue import Catalogue
from courses.models import Course
from scheduler.clock import Clock
from scheduler.localtime import local_day, next_delivery
from storage.keys import enrollment_member
from storage.models import Enrollment, EnrollmentStatus, Participant
from storage.store import Store

#: A nudge comes at least this long after its lesson, and this long before the next one.
NUDGE_AFTER_LESSON = timedelta(hours=2)
NUDGE_BEFORE_LESSON = timedelta(hours=1)

#: Statuses that still belong to the participant's current course (a stopped one does not).
CURRENT = (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED, EnrollmentStatus.COMPLETED)
#: Statuses of a course that still sends lessons, or will again after a pause.
LIVE = (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED)

#: A change to an enrollment: the changed record, or None to leave it as it is.
Change = Callable[[Enrollment], Enrollment | None]


def stopping(reason: str, now: datetime) -> Change:
    """End a course that still runs (active or paused) for `reason`: no lesson or nudge comes
    any more, and everything they wrote is kept. A course that already ended stays as it is."""

    def stop(e: Enrollment) -> Enrollment | None:
        if e.status not in LIVE:
            return None
        e.status, e.end_reason, e.ended_at = EnrollmentStatus.STOPPED, reason, now
        e.next_due = e.nudge_due = None
        return e

    return stop


def pausing(reason: str | None = None) -> Change:
    """Pause a course that sends lessons, until it is resumed; `reason` says why when it was
    not the participant who asked (its course file is gone)."""

    def pause(e: Enrollment) -> Enrollment | None:
        if e.status is not EnrollmentStatus.ACTIVE:
            return None
        e.status = EnrollmentStatus.PAUSED
        if reason is not None:
            e.end_reason = reason
        e.next_due = e.nudge_due = None
        return e

    return pause


@dataclass(frozen=True)
class Journey:
    store: Store
    #: Given the shipped courses, this becomes their Catalogue (every version, bot/delivery/
    #: catalogue.py): as a mapping, each course's newest version.
    courses: Mapping[str, Course]
    clock: Clock
    default_timezone: str
    counters: Counters | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.courses, Catalogue):
            object.__setattr__(self, "courses", Catalogue(self.courses, self.store.versions))

    @property
    def catalogue(self) -> Catalogue:
        assert isinstance(self.courses, Catalogue)
        return self.courses

    def course_of(self, enrollment: Enrollment) -> Course | None:
        """The version of the course an enrollment reads, as this process has it."""
        return self.catalogue.cached(enrollment.course_id, enrollment.course_version)

    async def count(self, name: CounterName, n: int = 1) -> None:
        """Add to an operator's counter (in Redis, shared by every process); never fails."""
        if self.counters is not None:
            await self.counters.add(name, n)

    async def current(self, pid: str) -> Enrollment | None:
        """The enrollment the participant is in now: the latest one that was not stopped."""
        enrollments = await self.store.enrollments.for_participant(pid)
        live = [e for e in enrollments if e.status in CURRENT]
        if live:
            await self.catalogue.of(live[-1])  # read once, for what is said of it next
        return live[-1] if live else None

    def next_lesson_time(
        self, participant: Participant, enrollment: Enrollment, now: datetime
    ) -> datetime:
        """The next delivery time, never on a local day that already had a lesson (and, every
        other day, not on the day after it either)."""
        zone = participant.timezone
        due = next_delivery(now, zone, participant.delivery_time)
        last = enrollment.last_delivered_at
        apart = tempo.days_apart(self.courses.get(enrollment.course_id), enrollment)
        while last is not None and (local_day(due, zone) - local_day(last, zone)).days < apart:
            due = next_delivery(due, zone, participant.delivery_time)
        return due

    def awaits_reflection(self, enrollment: Enrollment) -> bool:
        """At their own pace (the course's after-reflection pacing, or their choice), the next
        lesson waits for an answer to the last one."""
        course = self.course_of(enrollment)
        return (
            course is not None
            and tempo.waits_for_answer(course, enrollment)
            and enrollment.last_delivered_day > enrollment.reflected_day
        )

    def nudge_time(
        self,
        participant: Participant,
        enrollment: Enrollment,
        day: int,
        now: datetime,
        next_lesson: datetime | None = None,
    ) -> datetime | None:
        """When a day's nudge is due: some hours after the lesson, moved into the daytime of
        the participant's own zone (the course's nudge window), so it never wakes anyone, and
        kept before the next lesson (else the evening before it; with no room, no nudge).
        The last day always gets a time: the course's end waits for it."""
        course = self.course_of(enrollment)
        if course is None:
            return None
        if course.day(day).nudge is None and day < course.length:
            return None
        at = self.daytime(participant, course, now + timedelta(hours=course.nudge_after_hours))
        if next_lesson is None or at <= next_lesson - NUDGE_BEFORE_LESSON:
            return at
        latest = self.last_daytime_before(participant, course, next_lesson - NUDGE_BEFORE_LESSON)
        return latest if latest >= now + NUDGE_AFTER_LESSON else None

    @staticmethod
    def daytime(participant: Participant, course: Course, at: datetime) -> datetime:
        """`at`, or the start of the next nudge window in the participant's zone."""
        zone = ZoneInfo(participant.timezone)
        local = at.astimezone(zone)
        window = course.nudge_window
        if window.start <= local.time() < window.end:
            return at
        date = local.date() if local.time() < window.start else local.date() + timedelta(days=1)
        return datetime.combine(date, window.start, tzinfo=zone).astimezone(UTC)

    @staticmethod
    def last_daytime_before(participant: Participant, course: Course, at: datetime) -> datetime:
        """The latest moment up to `at` that is inside the nudge window (its last half hour
        starts the evening slot), in the participant's zone."""
        zone = ZoneInfo(participant.timezone)
        local = at.astimezone(zone)
        window = course.nudge_window
        evening = (
            datetime.combine(local.date(), window.end, tzinfo=zone) - timedelta(minutes=30)
        ).time()
        if local.time() >= window.start:
            latest = min(local.time(), max(evening, window.start))
            return datetime.combine(local.date(), latest, tzinfo=zone).astimezone(UTC)
        day_before = local.date() - timedelta(days=1)
        return datetime.combine(day_before, max(evening, window.start), tzinfo=zone).astimezone(UTC)

    def complete(self, participant: Participant, enrollment: Enrollment, now: datetime) -> None:
        """Mark the course done, and plan its follow-up if it has one."""
        enrollment.status = EnrollmentStatus.COMPLETED
        enrollment.ended_at = now
        enrollment.next_due = enrollment.nudge_due = None
        course = self.course_of(enrollment)
        if course is not None and course.followup is not None:
            some_days = now + timedelta(days=course.followup.after_days - 1)
            enrollment.followup_due = next_delivery(
                some_days, participant.timezone, participant.delivery_time
            )

    def past_last_day(self, enrollment: Enrollment) -> bool:
        """Every day was sent; only the end (after an answer, or the nudge) is left."""
        course = self.course_of(enrollment)
        return course is not None and enrollment.current_day > course.length

    async def change(self, pid: str, course_id: str, change: Change) -> Enrollment | None:
        """Change an enrollment and its place in the due index, so that no crash between the
        two leaves an active enrollment the dispatcher never looks at.

        The due index is woken first at the time the change intends (never later than it was),
        then the record changes, then the index gets the exact time. A crash after the first
        step only makes the dispatcher look once too early, which changes nothing.
        """
        current = await self.store.enrollments.get(pid, course_id)
        if current is None:
            return None
        intended = change(current.model_copy(deep=True))
        wake = intended.wake_at() if intended is not None else None
        if wake is not None:
            await self.store.due.wake(enrollment_member(pid, course_id), wake)
        changed = await self.store.enrollments.update(pid, course_id, change)
        if changed is not None:
            await self.reschedule(changed)
        return changed

    async def reschedule(self, enrollment: Enrollment) -> None:
        """Put the enrollment in the due index at its wake time, or take it out."""
        member = enrollment_member(enrollment.participant_id, enrollment.course_id)
        await self.store.due.schedule(member, enrollment.wake_at())

    def when(self, participant: Participant, at: datetime) -> str:
        zone = ZoneInfo(participant.timezone)
        return texts.when(at.astimezone(zone), self.clock.now().astimezone(zone).date())

    def new_enrollment(self, participant: Participant, course: Course) -> Enrollment:
        now = self.clock.now()
        enrollment = Enrollment(
            participant_id=participant.id,
            course_id=course.id,
            status=EnrollmentStatus.ACTIVE,
            started_at=now,
            course_version=course.version,
        )
        enrollment.next_due = self.next_lesson_time(participant, enrollment, now)
        return enrollment
