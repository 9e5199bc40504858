"""What is owed to whom: the day's lesson, a nudge, the end of a course, and queued messages.

The dispatcher hands us one claimed member at a time. For an enrollment we decide what is owed,
count it as delivered and put its messages in the chat's queue in one transaction, then drain
the queue; for a chat we only drain. A crash anywhere leaves the queue for the next attempt.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from redis.asyncio.client import Pipeline

from bot.delivery.drain import Drainer, Sender
from bot.delivery.items import course_item, day_items, render
from bot.journey import Journey
from bot.messages import Outgoing
from storage.keys import chat_member, parse_member
from storage.models import Channel, Enrollment, EnrollmentStatus, Participant, QueueItem

log = logging.getLogger(__name__)


class Deliveries:
    def __init__(
        self, journey: Journey, senders: Mapping[Channel, Sender], lock_seconds: float = 15.0
    ) -> None:
        self.journey = journey
        self.store = journey.store
        self.senders = senders
        self.drainer = Drainer(
            self.store, journey.clock, senders, self.render, self.recipient_gone, lock_seconds
        )

    def render(self, item: QueueItem) -> Outgoing | None:
        return render(item, self.journey.courses)

    async def on_due(self, member: str) -> datetime | None:
        """Handle one claimed member; returns when it should next be looked at."""
        pid, course_id = parse_member(member)
        if course_id is None:
            return await self.drainer.drain(pid)
        return await self._on_enrollment(pid, course_id)

    async def drain(self, pid: str) -> None:
        """Send what the chat is owed now; if that cannot finish, the due index comes back to
        it (a wake-up for the chat, at the time the drain asks for)."""
        retry = await self.drainer.drain(pid)
        if retry is not None:
            await self.store.due.wake(chat_member(pid), retry)

    async def _on_enrollment(self, pid: str, course_id: str) -> datetime | None:
        participant = await self.store.participants.get(pid)
        enrollment = await self.store.enrollments.get(pid, course_id)
        if participant is None or enrollment is None:
            return None
        if enrollment.status is EnrollmentStatus.ACTIVE:
            await self._deliver_owed(participant, enrollment)
        await self.drain(pid)
        current = await self.store.enrollments.get(pid, course_id)
        return None if current is None else current.wake_at()

    async def _deliver_owed(self, participant: Participant, enrollment: Enrollment) -> None:
        now = self.journey.clock.now()
        if enrollment.next_due is not None and enrollment.next_due <= now:
            await self._lesson(participant, enrollment.course_id, enrollment.current_day, now)
        elif enrollment.nudge_due is not None and enrollment.nudge_due <= now:
            await self._nudge(participant, enrollment, now)

    async def _lesson(
        self, participant: Participant, course_id: str, day: int, now: datetime
    ) -> None:
        course = self.journey.courses.get(course_id)
        if course is None:
            log.error(
                "enrollment %s/%s names a course that is not loaded", participant.id, course_id
            )
            return
        if day > course.length:  # the course file lost days since this participant started
            await self._complete(participant.id, course_id, day, now)
            return
        last = day >= course.length
        items = day_items(course, day)
        if last:
            items.append(course_item("end", course_id, day))

        def advance(e: Enrollment) -> Enrollment | None:
            if e.status is not EnrollmentStatus.ACTIVE or e.current_day != day:
                return None  # someone else delivered it, or the participant paused or stopped
            if e.next_due is None or e.next_due > now:
                return None
            e.last_delivered_day = day
            e.current_day = day + 1
            e.last_delivered_at = now
            e.nudge_due = self.journey.nudge_time(e, day, now)
            if last:
                e.status = EnrollmentStatus.COMPLETED
                e.next_due = e.nudge_due = None
                e.ended_at = now
            elif self.journey.awaits_reflection(e):
                e.next_due = None
            else:
                e.next_due = self.journey.next_lesson_time(participant, e, now)
            return e

        def queue(pipe: Pipeline, _before: Enrollment, _after: Enrollment) -> None:
            self.store.queue.queue(pipe, participant.id, items)

        await self.store.enrollments.update(participant.id, course_id, advance, queue)

    async def _complete(self, pid: str, course_id: str, day: int, now: datetime) -> None:
        def complete(e: Enrollment) -> Enrollment | None:
            if e.status is not EnrollmentStatus.ACTIVE or e.current_day != day:
                return None
            e.status, e.ended_at = EnrollmentStatus.COMPLETED, now
            e.next_due = e.nudge_due = None
            return e

        await self.store.enrollments.update(pid, course_id, complete)

    async def _nudge(self, participant: Participant, enrollment: Enrollment, now: datetime) -> None:
        day = enrollment.last_delivered_day
        item = course_item("nudge", enrollment.course_id, day)

        def nudge_once(e: Enrollment) -> Enrollment | None:
            if e.nudge_due is None or e.nudge_due > now or e.last_delivered_day != day:
                return None
            e.nudge_due = None
            if e.reflected_day >= day or e.nudged_day >= day:
                return e  # answered meanwhile: no nudge, just clear it
            e.nudged_day = day
            return e

        def queue(pipe: Pipeline, before: Enrollment, after: Enrollment) -> None:
            if after.nudged_day == day and before.nudged_day != day:
                self.store.queue.queue(pipe, participant.id, [item])

        await self.store.enrollments.update(participant.id, enrollment.course_id, nudge_once, queue)

    async def recipient_gone(self, participant: Participant) -> None:
        """The participant blocked us or left: stop their courses quietly, keep what they wrote."""
        now = self.journey.clock.now()

        def stop(e: Enrollment) -> Enrollment | None:
            if e.status not in (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED):
                return None
            e.status = EnrollmentStatus.STOPPED
            e.end_reason = "unreachable"
            e.ended_at = now
            e.next_due = e.nudge_due = None
            return e

        for enrollment in await self.store.enrollments.for_participant(participant.id):
            await self.journey.change(participant.id, enrollment.course_id, stop)
        await self.store.queue.clear(participant.id)
