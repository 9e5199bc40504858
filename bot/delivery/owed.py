"""What is owed to whom: the day's lesson, a nudge, the end of a course, and queued messages.

The dispatcher hands us one claimed member at a time. For an enrollment we decide what is owed,
count it as delivered and put its messages in the chat's queue in one transaction, then drain
the queue; for a chat we only drain. A crash anywhere leaves the queue for the next attempt.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from redis.asyncio.client import Pipeline

from bot.core import texts, texts_coach
from bot.core.messages import Outgoing
from bot.delivery import answers, quoting, tempo
from bot.delivery.drain import Asked, Drainer
from bot.delivery.export import EXPORT_NAME, export
from bot.delivery.items import course_item, day_items
from bot.delivery.journey import Journey, pausing, stopping
from bot.delivery.senders import Sender
from courses.models import Course
from storage.crypto import UndecryptableText
from storage.enrollments import Read
from storage.keys import chat_member, parse_member
from storage.models import (
    Channel,
    Enrollment,
    EnrollmentStatus,
    Lane,
    Participant,
    QueueItem,
    StoredMessage,
)

log = logging.getLogger(__name__)


class Deliveries:
    def __init__(
        self,
        journey: Journey,
        senders: Mapping[Channel, Sender],
        lock_seconds: float = 15.0,
    ) -> None:
        self.journey = journey
        self.store = journey.store
        self.senders = senders
        self.drainer = Drainer(
            self.store, journey.clock, senders, self.render, self.recipient_gone, lock_seconds,
            counters=journey.counters,
        )  # fmt: skip
        self._missing_reported: set[str] = set()
        #: Other work kept in the due index by name (the operators' watch), and what runs it.
        self.jobs: dict[str, Callable[[], Awaitable[datetime | None]]] = {}
        #: The same for families of members named by a prefix (a trainer's preview, "pv:...",
        #: a broadcast, "bc:...").
        self.prefix_jobs: dict[str, Callable[[str], Awaitable[datetime | None]]] = {}
        #: Whether a coach is there to share an answer with (None: there are no coaches); the
        #: answers asked for with /antwoorden then come with a button that shares them.
        self.coaches: Callable[[], Awaitable[bool]] | None = None

    async def render(self, pid: str, item: QueueItem) -> Outgoing | None:
        """The message a queued item names, read at the moment it is sent."""
        if item.kind == "answers":
            return await self._answers(pid, item)
        if item.kind == "export":
            content = await export(self.store, pid, self.journey.clock.now(), self.senders)
            if content is None:
                return None
            return Outgoing(texts.EXPORT_CAPTION, document=(EXPORT_NAME, content))
        if item.kind == "coach":
            return await self._coach(pid, item)
        course = await self._course(pid, item) if item.course_id else None
        return await quoting.course_message(self.store, course, pid, item)

    async def _course(self, pid: str, item: QueueItem) -> Course | None:
        """The version of the course an item was queued from; for one queued before courses
        had versions, its enrollment's."""
        course_id, version = item.course_id or "", item.version
        if version is None:
            enrollment = await self.store.enrollments.get(pid, course_id)
            version = enrollment.course_version if enrollment is not None else 1
        return await self.journey.catalogue.version(course_id, version)

    async def _coach(self, pid: str, item: QueueItem) -> Outgoing | None:
        """A coach's answer, read from the participant's thread as it is sent."""
        thread = await self.store.threads.get(pid, item.thread or "")
        if thread is None or item.index >= len(thread.messages):
            return None
        participant = await self.store.participants.get(pid)
        whatsapp = participant is not None and participant.channel is Channel.WHATSAPP
        template = texts_coach.COACH_ANSWER_ANY if whatsapp else texts_coach.COACH_ANSWER
        return Outgoing(template.format(text=thread.messages[item.index].text))

    async def _answers(self, pid: str, item: QueueItem) -> Outgoing | None:
        course = await self._course(pid, item)
        if course is None or item.day is None:
            return None
        readable, _ = await self.store.reflections.readable(pid)  # the rest: said at /antwoorden
        # The answers that close a course come unasked (the lesson lane), /antwoorden's asked.
        gentle = item.lane is Lane.LESSON
        blocks = answers.by_day(course, readable, await self.store.checkins.all(pid), gentle)
        text = answers.render(blocks, item.day, item.index, item.part)
        if text is None:
            return None
        if gentle or self.coaches is None or not await self.coaches():
            return Outgoing(text)
        rows = answers.share_rows(course.id, blocks, item.day, item.index, item.part)
        return Outgoing(text, buttons=rows)

    async def on_due(self, member: str) -> datetime | None:
        """Handle one claimed member; returns when it should next be looked at."""
        job = self.jobs.get(member)
        if job is not None:
            return await job()
        for prefix, handler in self.prefix_jobs.items():
            if member.startswith(prefix):
                return await handler(member)
        pid, course_id = parse_member(member)
        if course_id is None:
            await self.drain(pid)
            return None
        return await self._on_enrollment(pid, course_id)

    async def drain(
        self, pid: str, participant: Participant | None = None, asked: Asked | None = None
    ) -> None:
        """Send what the chat is owed now; if that cannot finish, the due index comes back to
        it at the time the drain asks for, ahead of what is merely due (a recheck)."""
        retry = await self.drainer.drain(pid, participant, asked)
        if retry is not None:
            await self.store.due.recheck(chat_member(pid), retry)

    async def _on_enrollment(self, pid: str, course_id: str) -> datetime | None:
        try:
            read = await self.store.enrollments.with_participant(pid, course_id)
        except UndecryptableText:
            await self.drainer.unreachable(pid, "lesson")
            return None  # out of the schedule: no key that is configured will open it
        participant, enrollment = read.participant, read.enrollment
        if participant is None or enrollment is None:
            return None
        active = enrollment.status is EnrollmentStatus.ACTIVE
        # A lesson's write asks for the chat's drain lock in the same step (`Drainer.ask`).
        asked = self.drainer.ask(participant) if active else None
        after = await self._deliver_owed(participant, read, asked) if active else None
        if enrollment.status is EnrollmentStatus.COMPLETED:
            await self._followup(participant, enrollment)
        await self.drain(pid, participant, asked)
        # What a lesson stored: any change since rescheduled the member, which a finish keeps.
        current = after or await self.store.enrollments.get(pid, course_id)
        return None if current is None else current.wake_at()

    async def _deliver_owed(
        self, participant: Participant, read: Read, asked: Asked | None = None
    ) -> Enrollment | None:
        """What is owed now; returns the enrollment as a lesson left it (None: look it up).
        A lesson's write asks for the chat's drain lock too, where `asked` says how."""
        enrollment, now = read.enrollment, self.journey.clock.now()
        assert enrollment is not None
        if enrollment.course_id not in self.journey.courses:
            await self._park(participant, enrollment.course_id, now)
            return None
        if enrollment.next_due is not None and enrollment.next_due <= now:
            version, day = await self.journey.catalogue.moved(enrollment), enrollment.current_day
            return await self._lesson(
                participant, enrollment.course_id, day, now, version, read, asked
            )
        if enrollment.nudge_due is not None and enrollment.nudge_due <= now:
            await self._nudge(participant, enrollment, now)
        return None

    async def _lesson(
        self, participant: Participant, course_id: str, day: int, now: datetime, version: int,
        read: Read | None = None, asked: Asked | None = None,
    ) -> Enrollment | None:  # fmt: skip
        """Day `day` of the course, on `version` (a migration's from this day on); where
        `asked`, the chat's drain lock is asked for in the lesson's own write."""
        course = await self.journey.catalogue.version(course_id, version)
        if course is None:
            await self._park(participant, course_id, now)
            return None
        if day > course.length:  # every day was sent (or the course file lost days)
            await self._complete(participant, course_id, day, now)
            return None
        last = day >= course.length
        items = day_items(course, day)

        def advance(e: Enrollment) -> Enrollment | None:
            if e.status is not EnrollmentStatus.ACTIVE or e.current_day != day:
                return None  # someone else delivered it, or the participant paused or stopped
            if e.next_due is None or e.next_due > now:
                return None
            if not last and tempo.offer_due(e, day):  # after quiet days: a choice of pace
                e.pace_offered = True
            e.last_delivered_day = day
            e.current_day = day + 1
            e.course_version = course.version
            e.care_check = False  # asked, just before this lesson (see `queue` below)
            e.last_delivered_at = now
            if last or self.journey.awaits_reflection(e):
                e.next_due = None  # the last day ends after its answer, or with its nudge
            else:
                e.next_due = self.journey.next_lesson_time(participant, e, now)
            e.nudge_due = self.journey.nudge_time(participant, e, day, now, e.next_due)
            return e

        def queue(pipe: Pipeline, before: Enrollment, after: Enrollment) -> None:
            # After a message that signalled danger, the lesson starts by asking how they are.
            ask = [course_item("care", course_id, day)] if before.care_check else []
            if after.pace_offered and not before.pace_offered:
                ask.append(tempo.offer(course_id))
            self.store.queue.queue(pipe, participant.id, [*ask, *items])

        then = None if asked is None else asked.then
        after = await self.store.enrollments.update(
            participant.id, course_id, advance, queue, read, then
        )
        if after is not None and after.last_delivered_day == day and after.last_delivered_at == now:
            await self.journey.count("lessons_delivered")
        return after

    async def _park(self, participant: Participant, course_id: str, now: datetime) -> None:
        """The course file is gone: pause the enrollment with a kind word, instead of trying
        every tick. /verder works again once the course is back."""
        if course_id not in self._missing_reported:
            self._missing_reported.add(course_id)
            following = sum(
                [await self.store.enrollments.segments.count(course_id, status)
                 for status in (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED)]
            )  # fmt: skip
            log.error(
                "course %s is not loaded, but %d participants follow it; each is paused with a "
                "message until the course file is back", course_id, following,
            )  # fmt: skip
        note = QueueItem(lane=Lane.LESSON, kind="text", message=StoredMessage(
            text=texts.COURSE_CHANGED))  # fmt: skip

        def queue(pipe: Pipeline, _before: Enrollment, _after: Enrollment) -> None:
            self.store.queue.queue(pipe, participant.id, [note])

        await self.store.enrollments.update(
            participant.id, course_id, pausing("course_missing"), queue
        )

    async def _complete(
        self, participant: Participant, course_id: str, day: int, now: datetime
    ) -> None:
        """End a course whose days were all sent, with its end message."""
        course = self.journey.courses.get(course_id)
        last = min(day - 1, course.length) if course is not None else day - 1
        end = [course_item("end", course_id, max(1, last))]

        def complete(e: Enrollment) -> Enrollment | None:
            if e.status is not EnrollmentStatus.ACTIVE or e.current_day != day:
                return None
            self.journey.complete(participant, e, now)
            return e

        def queue(pipe: Pipeline, _before: Enrollment, _after: Enrollment) -> None:
            self.store.queue.queue(pipe, participant.id, end)

        after = await self.store.enrollments.update(participant.id, course_id, complete, queue)
        if after is not None and after.ended_at == now:
            await self.journey.count("completions")

    async def _nudge(self, participant: Participant, enrollment: Enrollment, now: datetime) -> None:
        day = enrollment.last_delivered_day
        course_id = enrollment.course_id
        last = self.journey.past_last_day(enrollment)
        closing = await self.closing_items(participant.id, course_id) if last else []

        def nudge_once(e: Enrollment) -> Enrollment | None:
            if e.nudge_due is None or e.nudge_due > now or e.last_delivered_day != day:
                return None
            e.nudge_due = None
            if e.reflected_day < day and e.nudged_day < day:
                e.nudged_day = day
            if last:  # no answer came to the last day: the course ends with its nudge
                self.journey.complete(participant, e, now)
            return e

        def queue(pipe: Pipeline, before: Enrollment, after: Enrollment) -> None:
            items = []
            if after.nudged_day == day and before.nudged_day != day:
                items.append(course_item("nudge", course_id, day, version=before.course_version))
            if last and after.status is EnrollmentStatus.COMPLETED:
                items.append(course_item("end", course_id, day))
                items += closing
            self.store.queue.queue(pipe, participant.id, items)

        after = await self.store.enrollments.update(
            participant.id, enrollment.course_id, nudge_once, queue
        )
        if last and after is not None and after.ended_at == now:
            await self.journey.count("completions")

    async def closing_items(self, pid: str, course_id: str) -> list[QueueItem]:
        """What follows the end of a course: the personal summary, then their own answers."""
        enrollment = await self.store.enrollments.get(pid, course_id)
        course = await self.journey.catalogue.of(enrollment) if enrollment is not None else None
        if course is None:
            return []
        blocks = answers.by_day(
            course, await self.store.reflections.all(pid), await self.store.checkins.all(pid),
            gentle=True,
        )  # fmt: skip
        summary_item = QueueItem(
            lane=Lane.LESSON, kind="summary", course_id=course_id, day=course.length
        )
        return [summary_item, *answers.queued(course_id, blocks, Lane.LESSON)]

    async def _followup(self, participant: Participant, enrollment: Enrollment) -> None:
        """Some days after the end: one message asking how it goes, and one question."""
        now = self.journey.clock.now()
        course = await self.journey.catalogue.of(enrollment)
        if enrollment.followup_due is None or enrollment.followup_due > now:
            return
        day = max(1, enrollment.last_delivered_day)
        version = enrollment.course_version
        items = (
            [course_item("followup", enrollment.course_id, day, i, version) for i in range(2)]
            if course is not None and course.followup is not None
            else []
        )

        def once(e: Enrollment) -> Enrollment | None:
            if e.followup_due is None or e.followup_due > now:
                return None
            e.followup_due = None
            e.followup_sent_at = now if items else None
            return e

        def queue(pipe: Pipeline, before: Enrollment, _after: Enrollment) -> None:
            if before.followup_due is not None:
                self.store.queue.queue(pipe, participant.id, items)

        await self.store.enrollments.update(participant.id, enrollment.course_id, once, queue)

    async def recipient_gone(self, participant: Participant) -> None:
        """The participant blocked us or left: stop their courses quietly, keep what they wrote."""
        stop = stopping("unreachable", self.journey.clock.now())
        for enrollment in await self.store.enrollments.for_participant(participant.id):
            await self.journey.change(participant.id, enrollment.course_id, stop)
        for queued in await self.store.queue.items(participant.id):
            if queued.broadcast_id is not None:
                await self.store.broadcasts.count(queued.broadcast_id, "blocked")
        await self.store.queue.clear(participant.id)
