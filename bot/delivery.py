"""Delivering what is due: the day's lesson, a nudge, and whatever the outbox still owes.

The dispatcher hands us one claimed enrollment at a time. We decide what is owed, count it as
delivered and put its messages in the outbox in one transaction, then drain the outbox through
the participant's channel. A crash anywhere leaves the outbox for the next attempt.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol

from redis.asyncio.client import Pipeline

from bot import texts
from bot.errors import BadMessage, DeliveryError, RecipientGone, RetryLater
from bot.journey import Journey
from bot.messages import Button, Outgoing
from courses.render import DayMessage, render_day, render_nudge
from storage.keys import parse_enrollment_member
from storage.models import Channel, Enrollment, EnrollmentStatus, OutboxItem, Participant

log = logging.getLogger(__name__)

#: After a network failure, try again after this many real seconds.
RETRY_AFTER_FAILURE = 30.0


class Sender(Protocol):
    """A channel as the deliveries see it: it sends one message or raises a DeliveryError."""

    async def send(self, chat_id: str, message: Outgoing) -> None: ...


def outgoing(message: DayMessage, course_id: str, day: int) -> Outgoing:
    """A rendered course message as a channel-neutral one; check-in choices become buttons."""
    buttons: tuple[tuple[Button, ...], ...] = ()
    if message.choices:
        row = tuple(Button(c.label, f"k:{course_id}:{day}:{c.value}") for c in message.choices)
        buttons = (row,)
    return Outgoing(message.text, heading=message.heading, buttons=buttons)


class Deliveries:
    def __init__(self, journey: Journey, senders: Mapping[Channel, Sender]) -> None:
        self.journey = journey
        self.store = journey.store
        self.senders = senders

    async def on_due(self, member: str) -> datetime | None:
        """Handle one claimed enrollment; returns when it should next be looked at."""
        pid, course_id = parse_enrollment_member(member)
        participant = await self.store.participants.get(pid)
        enrollment = await self.store.enrollments.get(pid, course_id)
        if participant is None or enrollment is None:
            return None
        retry = await self.drain(participant)
        if retry is not None:
            return retry
        if enrollment.status is EnrollmentStatus.ACTIVE:
            await self._deliver_owed(participant, enrollment)
            retry = await self.drain(participant)
            if retry is not None:
                return retry
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
        items = [
            OutboxItem(course_id=course_id, day=day, index=i)
            for i in range(len(render_day(course, day)))
        ]
        if last:
            items.append(OutboxItem(course_id=course_id, day=day, kind="end"))

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

        await self.store.enrollments.update(
            participant.id, course_id, advance,
            also=lambda pipe, _before, _after: self.store.outbox.queue(pipe, participant.id, items),
        )  # fmt: skip

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
        item = OutboxItem(course_id=enrollment.course_id, day=day, kind="nudge")

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
                self.store.outbox.queue(pipe, participant.id, [item])

        await self.store.enrollments.update(participant.id, enrollment.course_id, nudge_once, queue)

    def render(self, item: OutboxItem) -> Outgoing | None:
        """The message an outbox item names, or None when its course or day no longer exists."""
        course = self.journey.courses.get(item.course_id)
        if course is None or not 1 <= item.day <= course.length:
            return None
        if item.kind == "end":
            return Outgoing(texts.COURSE_DONE.format(title=course.title))
        if item.kind == "nudge":
            nudge = render_nudge(course, item.day)
            return None if nudge is None else outgoing(nudge, course.id, item.day)
        messages = render_day(course, item.day)
        if item.index >= len(messages):
            return None
        return outgoing(messages[item.index], course.id, item.day)

    async def drain(self, participant: Participant) -> datetime | None:
        """Send what the outbox holds, in order. Returns when to try again if we must stop."""
        sender = self.senders.get(participant.channel)
        if sender is None:
            log.error("no channel %s to reach participant %s", participant.channel, participant.id)
            return None
        while (item := await self.store.outbox.head(participant.id)) is not None:
            message = self.render(item)
            if message is not None:
                try:
                    await sender.send(participant.chat_id, message)
                except RetryLater as exc:
                    return self._later(exc.retry_after)
                except RecipientGone:
                    await self.recipient_gone(participant)
                    return None
                except BadMessage:
                    log.exception("dropped an undeliverable message for %s", participant.id)
                except DeliveryError:
                    log.warning("delivery to %s failed; will retry", participant.id, exc_info=True)
                    return self._later(RETRY_AFTER_FAILURE)
            await self.store.outbox.pop(participant.id, item)
        return None

    def _later(self, real_seconds: float) -> datetime:
        clock = self.journey.clock
        return clock.now() + timedelta(seconds=clock.to_course_seconds(real_seconds))

    async def recipient_gone(self, participant: Participant) -> None:
        """The participant blocked us: stop their courses quietly, keep what they wrote."""
        log.info("participant %s can no longer be reached; stopping their course", participant.id)
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
            stopped = await self.store.enrollments.update(
                participant.id, enrollment.course_id, stop
            )
            if stopped is not None:
                await self.journey.reschedule(stopped)
        await self.store.outbox.clear(participant.id)
