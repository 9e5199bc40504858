"""The coach: the whole conversation with a participant, for every channel.

It hears channel-neutral `Incoming` events and answers with `Outgoing` messages; it never imports
a messaging SDK. Sign-up is a short sequence of steps (course, time, time zone) whose position is
stored on the participant, so a restart in the middle of it loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import time, timedelta

from bot import texts, texts_care
from bot.delivery import answers
from bot.delivery.items import outgoing
from bot.journey import Journey
from bot.messages import Button, Incoming, Kind, Outgoing
from bot.safety import NONE, Assessment, assess
from bot.safety import reply as care
from bot.texts_care import Country
from courses.models import Course
from courses.render import render_day
from scheduler.localtime import parse_time_of_day, suggest_zone
from storage.keys import chat_member, enrollment_member
from storage.models import (
    MAX_REFLECTION_CHARS,
    CheckIn,
    Enrollment,
    EnrollmentStatus,
    Lane,
    Participant,
    QueueItem,
    ReflectionEntry,
)

log = logging.getLogger(__name__)

Replies = list[Outgoing]
COMMON_TIMES = ["07:00", "08:00", "12:30", "19:00", "21:00"]
#: Real seconds after which a chat whose queue was filled here is looked at again, should the
#: process die before it was drained.
QUEUE_SAFETY = 15.0


async def _nothing(_pid: str, _course_id: str) -> list[QueueItem]:
    return []


def _first_told(replies: Replies, told: bool) -> Replies:
    """With the first answer kept, the thanks also say plainly who reads it: no one."""
    if not told or not replies:
        return replies
    first = replies[0]
    noted = Outgoing(f"{first.text}\n\n{texts.PRIVACY_FIRST}", first.heading, first.buttons)
    return [noted, *replies[1:]]


def _ask_how_they_are(e: Enrollment) -> Enrollment | None:
    """After a danger signal, the next lesson of a running course starts by asking how they are."""
    if e.status not in (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED) or e.care_check:
        return None
    e.care_check = True
    return e


def _running(enrollment: Enrollment | None) -> bool:
    """Whether a course is sending lessons now, so that pausing it means something."""
    return enrollment is not None and enrollment.status is EnrollmentStatus.ACTIVE


def _say(text: str, *rows: tuple[Button, ...]) -> Replies:
    return [Outgoing(text, buttons=tuple(rows))]


class Coach:
    def __init__(
        self,
        journey: Journey,
        on_danger: Callable[[Assessment], Awaitable[None]] | None = None,
        closing: Callable[[str, str], Awaitable[list[QueueItem]]] | None = None,
        retention_days: int | None = None,
    ) -> None:
        self.journey = journey
        self.retention_days = retention_days
        #: What follows the end of a course (the summary, their answers), as queue items.
        self.closing = closing or _nothing
        #: Told the tier and category (never the words) of each message that signals danger.
        self.on_danger = on_danger
        self.store = journey.store
        self.courses = journey.courses
        self._commands: dict[str, Callable[[Participant, tuple[str, ...]], Awaitable[Replies]]] = {
            "tijd": self._time, "time": self._time,
            "tijdzone": self._zone, "timezone": self._zone,
            "pauze": self._pause, "pause": self._pause,
            "verder": self._resume, "resume": self._resume,
            "vandaag": self._today, "today": self._today,
            "voortgang": self._progress, "progress": self._progress,
            "antwoorden": self._answers, "answers": self._answers,
            "dag": self._day, "day": self._day,
            "stop": self._stop,
        }  # fmt: skip

    # -- entry point ------------------------------------------------------------------------
    async def handle(self, event: Incoming) -> Replies:
        """Answer one thing a participant did. Unknown people only get a pointer to /start.

        Every free text is read by the safety net first, whatever the step. A message that
        signals danger gets help and nothing routine in the same turn: what it was meant to be
        still happens (an answer is kept, a sign-up step stays where it was), but its thanks and
        "your next lesson comes" are held back, and the next lesson starts by asking how they are.
        """
        found = assess(event.text) if event.kind is Kind.TEXT else NONE
        if not found.danger:
            return await self._handle(event)
        if self.on_danger is not None:
            await self.on_danger(found)
        routine = await self._handle(event)
        known, live, country = await self._care_context(event)
        if known is not None and live is not None:
            await self.journey.change(known.id, live.course_id, _ask_how_they_are)
        replies = care.replies(found, country, can_pause=_running(live))
        # What the course owes at its end (the summary) is not routine chatter: it still comes,
        # after the help, unless the moment is acute.
        owed = [r for r in routine if r.named is not None] if found.tier == "concern" else []
        return [*replies, *owed]

    async def _handle(self, event: Incoming) -> Replies:
        if event.kind is Kind.COMMAND and event.command in ("hulp", "helpline"):
            return care.hulp()
        if event.kind is Kind.BUTTON and (event.data or "").startswith(care.PREFIXES):
            return await self._care_button(event)
        if event.kind is Kind.COMMAND and event.command == "privacy":
            how_long = (
                texts.PRIVACY_RETENTION.format(days=self.retention_days)
                if self.retention_days
                else texts.PRIVACY_KEPT
            )
            return _say(texts.PRIVACY.format(how_long=how_long))
        if event.kind is Kind.COMMAND and event.command in ("mijngegevens", "export"):
            known = await self.store.participants.by_chat(event.channel, event.chat_id)
            if known is None:
                return _say(texts.DELETE_NOTHING)
            item = QueueItem(lane=Lane.REPLY, kind="export")
            return [Outgoing(texts.EXPORT_CAPTION, named=item)]
        if event.kind is Kind.COMMAND and event.command in ("wisgegevens", "delete"):
            if await self.store.participants.by_chat(event.channel, event.chat_id) is None:
                return _say(texts.DELETE_NOTHING)
            return _say(
                texts.DELETE_ASK,
                (Button(texts.DELETE_YES, "w:ja"),), (Button(texts.DELETE_NO, "w:nee"),),
            )  # fmt: skip
        if event.kind is Kind.BUTTON and event.data in ("w:ja", "w:nee"):
            return await self._delete(event, confirmed=event.data == "w:ja")
        if event.kind is Kind.COMMAND and event.command == "start":
            participant, _ = await self.store.participants.get_or_create(
                event.channel, event.chat_id, now=self.journey.clock.now(),
                first_name=event.first_name[:64] if event.first_name else None,
                timezone=self.journey.default_timezone,
            )  # fmt: skip
            return await self._start(participant, event.args)
        if event.kind is Kind.COMMAND and event.command == "help":
            return _say(texts.HELP)
        known = await self.store.participants.by_chat(event.channel, event.chat_id)
        if known is None:
            return _say(texts.NOT_STARTED)
        if event.kind is Kind.COMMAND:
            handler = self._commands.get(event.command or "")
            if handler is None:
                return _say(texts.UNKNOWN_COMMAND)
            return await handler(known, event.args)
        if event.kind is Kind.BUTTON:
            return await self._button(known, event.data or "")
        if event.kind is Kind.UNSUPPORTED:
            what = texts.UNSUPPORTED_WHAT.get(event.what or "", "bijlagen")
            return _say(texts.UNSUPPORTED.format(what=what))
        return await self._text(known, event.text)

    async def _care_button(self, event: Incoming) -> Replies:
        """The buttons under a help reply: an exercise, someone to reach, a pause, and the
        answers to "Ben je nu veilig?"."""
        kind, _, value = (event.data or "").partition(":")
        if kind == care.HELP and value == care.GROUNDING:
            return _say(texts_care.GROUNDING)
        if kind == care.HELP and value == care.TRUSTED:
            return _say(texts_care.TRUSTED)
        known, live, country = await self._care_context(event)
        if kind == care.HELP and value == care.PAUSE:
            if known is None or live is None:
                return _say(texts.NO_COURSE)
            paused = await self._pause(known, ())
            done = [r.text for r in paused] == [texts.PAUSED]
            return _say(texts_care.PAUSED_FOR_CARE) if done else paused
        answered = None
        if kind == care.SAFE:
            answered = care.safe_answer(value, country, can_pause=_running(live))
        return answered if answered is not None else _say(texts.STALE_BUTTON)

    async def _care_context(
        self, event: Incoming
    ) -> tuple[Participant | None, Enrollment | None, Country]:
        """Who wrote (if known), their running course (if any), and the country whose services
        fit them (Belgium for Europe/Brussels)."""
        known = await self.store.participants.by_chat(event.channel, event.chat_id)
        live = await self._live(known.id) if known is not None else None
        zone = known.timezone if known is not None else self.journey.default_timezone
        return known, live, care.country_of(zone)

    async def _delete(self, event: Incoming, *, confirmed: bool) -> Replies:
        """Erase everything about the participant, after they confirmed it."""
        known = await self.store.participants.by_chat(event.channel, event.chat_id)
        if known is None:
            return _say(texts.DELETE_NOTHING)
        if not confirmed:
            return _say(texts.DELETE_KEPT)
        await self.store.delete_participant(known.id)
        log.info("participant %s erased everything about themselves", known.id)
        return _say(texts.DELETE_DONE)

    # -- helpers ----------------------------------------------------------------------------
    async def _set_step(
        self, participant: Participant, step: str | None, course_id: str | None = None
    ) -> Participant:
        def change(p: Participant) -> Participant:
            p.step = step
            p.pending_course = course_id
            return p

        return await self.store.participants.update(participant.id, change) or participant

    def _course_buttons(self) -> tuple[tuple[Button, ...], ...]:
        return tuple((Button(c.button, f"c:{c.id}"),) for c in self.courses.values())

    def _time_buttons(self) -> tuple[tuple[Button, ...], ...]:
        buttons = [Button(t, f"t:{t}") for t in COMMON_TIMES] + [Button(texts.OTHER_TIME, "t:?")]
        return (tuple(buttons[:3]), tuple(buttons[3:]))

    async def _live(self, pid: str) -> Enrollment | None:
        """The enrollment that still sends lessons (active or paused), if any."""
        current = await self.journey.current(pid)
        live = (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED)
        return current if current is not None and current.status in live else None

    def _next_when(self, participant: Participant, enrollment: Enrollment) -> str | None:
        if enrollment.status is not EnrollmentStatus.ACTIVE or enrollment.next_due is None:
            return None
        return self.journey.when(participant, enrollment.next_due)

    # -- sign-up ----------------------------------------------------------------------------
    async def _start(self, participant: Participant, args: tuple[str, ...]) -> Replies:
        wanted = args[0].lower() if args else None
        course_id = wanted if wanted in self.courses else None
        live = await self._live(participant.id)
        if live is not None:
            await self._set_step(participant, "restart", course_id)
            course = self.courses.get(live.course_id)
            title = course.title if course else live.course_id
            length = course.length if course else live.current_day
            day = min(live.current_day, length)
            return _say(
                texts.ALREADY_FOLLOWING.format(title=title, day=day, length=length),
                (Button(texts.RESTART_YES, "r:yes"),), (Button(texts.RESTART_NO, "r:no"),),
            )  # fmt: skip
        if course_id is not None:
            return await self._choose_course(participant, course_id)
        await self._set_step(participant, "course")
        intro = f"{texts.greeting(participant.first_name)} {texts.WELCOME}"
        if wanted is not None:
            intro = f"{texts.UNKNOWN_COURSE}\n\n{intro}"
        return _say(intro, *self._course_buttons())

    async def _choose_course(self, participant: Participant, course_id: str) -> Replies:
        course = self.courses[course_id]
        await self._set_step(participant, "time", course_id)
        chosen = texts.COURSE_CHOSEN.format(title=course.title, description=course.description)
        return [Outgoing(chosen), Outgoing(texts.ASK_TIME, buttons=self._time_buttons())]

    async def _set_time(self, participant: Participant, at: time) -> Replies:
        signing_up = participant.pending_course is not None and participant.step in (
            "time", "type_time", "zone", "type_zone",
        )  # fmt: skip

        def change(p: Participant) -> Participant:
            p.delivery_time = at
            p.step = "zone" if signing_up else None
            return p

        updated = await self.store.participants.update(participant.id, change) or participant
        if signing_up:
            return _say(
                texts.ASK_ZONE.format(zone=updated.timezone),
                (Button(texts.ZONE_OK, "z:ok"),), (Button(texts.OTHER_ZONE, "z:?"),),
            )  # fmt: skip
        return await self._rescheduled(updated, texts.TIME_SET)

    async def _set_zone(self, participant: Participant, zone: str) -> Replies:
        def change(p: Participant) -> Participant:
            p.timezone = zone
            return p

        updated = await self.store.participants.update(participant.id, change) or participant
        if updated.pending_course is not None and updated.step in ("zone", "type_zone"):
            return await self._enroll(updated, updated.pending_course)
        await self._set_step(updated, None)
        return await self._rescheduled(updated, texts.TIME_SET)

    async def _rescheduled(self, participant: Participant, template: str) -> Replies:
        """After a change of time or zone: move the next lesson, and say when it comes."""
        await self._set_step(participant, None)
        live = await self._live(participant.id)
        at, zone = texts.hhmm(participant.delivery_time), participant.timezone
        if live is None or live.status is not EnrollmentStatus.ACTIVE or live.next_due is None:
            return _say(texts.TIME_SET_NO_COURSE.format(time=at, zone=zone))
        now = self.journey.clock.now()

        def move(e: Enrollment) -> Enrollment | None:
            if e.status is not EnrollmentStatus.ACTIVE or e.next_due is None:
                return None
            e.next_due = self.journey.next_lesson_time(participant, e, now)
            return e

        moved = await self.journey.change(participant.id, live.course_id, move) or live
        when = self._next_when(participant, moved) or ""
        return _say(template.format(time=at, zone=zone, when=when))

    async def _enroll(self, participant: Participant, course_id: str) -> Replies:
        """Start a course from day 1. Whatever course ran before ends here, answers kept."""
        course = self.courses.get(course_id)
        if course is None:
            await self._set_step(participant, "course")
            return _say(texts.UNKNOWN_COURSE, *self._course_buttons())
        now = self.journey.clock.now()

        def end(e: Enrollment) -> Enrollment | None:
            if e.status not in (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED):
                return None
            e.status, e.end_reason, e.ended_at = EnrollmentStatus.STOPPED, "restarted", now
            e.next_due = e.nudge_due = None
            return e

        participant = await self._set_step(participant, None)
        enrollment = self.journey.new_enrollment(participant, course)
        # The new course is in the due index before it exists, and the old ones end in the same
        # step as it is saved: a crash anywhere leaves either the old course or the new one.
        member = enrollment_member(participant.id, course.id)
        await self.store.due.wake(member, enrollment.next_due or now)
        await self.store.queue.drop(participant.id, course.id)
        ended = await self.store.enrollments.start(enrollment, end)
        for old in ended:
            await self.journey.reschedule(old)
            await self.store.queue.drop(participant.id, old.course_id)
        await self.journey.reschedule(enrollment)
        log.info("participant %s enrolled in %s", participant.id, course.id)
        await self.journey.count("signups")
        when = self.journey.when(participant, enrollment.next_due or now)
        return _say(texts.ENROLLED.format(title=course.title, when=when, zone=participant.timezone))

    # -- buttons ----------------------------------------------------------------------------
    async def _button(self, participant: Participant, data: str) -> Replies:
        kind, _, value = data.partition(":")
        if kind == "c" and value in self.courses:
            if participant.step != "course" and await self._live(participant.id) is not None:
                return await self._start(participant, (value,))
            return await self._choose_course(participant, value)
        if kind == "t" and value == "?":
            await self._set_step(participant, "type_time", participant.pending_course)
            return _say(texts.TYPE_TIME)
        if kind == "t" and (at := parse_time_of_day(value)) is not None:
            return await self._set_time(participant, at)
        if kind == "z" and value == "ok":
            return await self._set_zone(participant, participant.timezone)
        if kind == "z" and value == "?":
            await self._set_step(participant, "type_zone", participant.pending_course)
            return _say(texts.TYPE_ZONE)
        if kind == "r" and participant.step == "restart":
            if value == "yes":
                if participant.pending_course is not None:
                    return await self._choose_course(participant, participant.pending_course)
                await self._set_step(participant, "course")
                return _say(texts.WELCOME, *self._course_buttons())
            await self._set_step(participant, None)
            return await self._keep_going(participant)
        if kind == "k":
            return await self._checkin(participant, value)
        return _say(texts.STALE_BUTTON)

    async def _keep_going(self, participant: Participant) -> Replies:
        live = await self._live(participant.id)
        if live is None:
            return _say(texts.NO_COURSE)
        when = self._next_when(participant, live)
        if when is None:
            return _say(texts.KEEP_GOING_PAUSED)
        return _say(texts.KEEP_GOING.format(when=when))

    async def _checkin(self, participant: Participant, value: str) -> Replies:
        course_id, _, rest = value.partition(":")
        day_text, _, score_text = rest.partition(":")
        enrollment = None
        if course_id in self.courses:
            enrollment = await self.store.enrollments.get(participant.id, course_id)
        if (
            enrollment is None
            or not (day_text.isascii() and day_text.isdigit() and len(day_text) <= 3)
            or not 1 <= int(day_text) <= enrollment.last_delivered_day
            or score_text not in {"1", "2", "3", "4", "5"}
        ):
            return _say(texts.CHECKIN_STALE)
        checkin = CheckIn(course_id=course_id, day=int(day_text), score=int(score_text),
                          at=self.journey.clock.now())  # fmt: skip
        await self.store.checkins.record(participant.id, checkin)
        await self.journey.count("checkins_received")
        return _say(texts.CHECKIN_SAVED.format(score=checkin.score))

    # -- free text --------------------------------------------------------------------------
    async def _text(self, participant: Participant, text: str) -> Replies:
        step = participant.step
        if step in ("time", "type_time"):
            at = parse_time_of_day(text)
            return _say(texts.BAD_TIME) if at is None else await self._set_time(participant, at)
        if step in ("zone", "type_zone"):
            zone = suggest_zone(text)
            return _say(texts.BAD_ZONE) if zone is None else await self._set_zone(participant, zone)
        if step == "course":
            wanted = text.strip().lower()
            for course in self.courses.values():
                if wanted in (course.id, course.title.lower(), course.button.lower()):
                    return await self._choose_course(participant, course.id)
            return _say(texts.UNKNOWN_COURSE, *self._course_buttons())
        if step == "restart":
            await self._set_step(participant, None)
        return await self._reflection(participant, text)

    async def _reflection(self, participant: Participant, text: str) -> Replies:
        enrollment = await self.journey.current(participant.id)
        if enrollment is None:
            return _say(texts.NO_COURSE)
        if enrollment.last_delivered_day == 0:
            when = self._next_when(participant, enrollment)
            return (
                _say(texts.FIRST_LESSON_COMING.format(when=when))
                if when
                else _say(texts.PROGRESS_PAUSED)
            )
        if len(text) > MAX_REFLECTION_CHARS:
            return _say(texts.TOO_LONG.format(limit=MAX_REFLECTION_CHARS))
        if not text.strip():
            return []
        day = enrollment.last_delivered_day
        now = self.journey.clock.now()
        followup = (
            enrollment.status is EnrollmentStatus.COMPLETED
            and enrollment.followup_sent_at is not None
        )
        told = False
        if not participant.privacy_told:

            def tell(p: Participant) -> Participant:
                p.privacy_told = True
                return p

            await self.store.participants.update(participant.id, tell)
            told = True
        entry = ReflectionEntry(
            course_id=enrollment.course_id, day=day, text=text, at=now, followup=followup
        )
        await self.store.reflections.add(participant.id, entry)
        await self.journey.count("reflections_received")
        if followup:
            return _first_told(_say(texts.FOLLOWUP_SAVED), told)

        def reflected(e: Enrollment) -> Enrollment:
            e.reflected_day = max(e.reflected_day, e.last_delivered_day)
            e.nudge_due = None
            if e.status is not EnrollmentStatus.ACTIVE:
                return e
            if self.journey.past_last_day(e):  # the last answer: the course is done
                self.journey.complete(participant, e, now)
            elif e.next_due is None:
                e.next_due = self.journey.next_lesson_time(participant, e, now)
            return e

        updated = await self.journey.change(participant.id, enrollment.course_id, reflected)
        return _first_told(await self._saved(participant, enrollment, updated, day), told)

    async def _saved(
        self, participant: Participant, before: Enrollment, updated: Enrollment | None, day: int
    ) -> Replies:
        """The thanks for an answer: with when the next lesson comes, or the end of the course."""
        replies = _say(texts.REFLECTION_SAVED.format(day=day))
        if updated is None:
            return replies
        enrollment = before
        if (
            updated.status is EnrollmentStatus.COMPLETED
            and enrollment.status is EnrollmentStatus.ACTIVE
        ):
            await self.journey.count("completions")
            course = self.courses.get(updated.course_id)
            title = course.title if course else updated.course_id
            closing = [
                Outgoing(texts.SUMMARY_STAND_IN, named=item)
                for item in await self.closing(participant.id, updated.course_id)
            ]
            return [*replies, Outgoing(texts.COURSE_DONE.format(title=title)), *closing]
        when = self._next_when(participant, updated)
        if when is not None:
            replies = _say(f"{replies[0].text} {texts.NEXT_LESSON.format(when=when)}")
        return replies

    # -- commands ---------------------------------------------------------------------------
    async def _time(self, participant: Participant, args: tuple[str, ...]) -> Replies:
        if args:
            at = parse_time_of_day(" ".join(args))
            return _say(texts.BAD_TIME) if at is None else await self._set_time(participant, at)
        await self._set_step(participant, "time")
        current = texts.CURRENT_TIME.format(
            time=texts.hhmm(participant.delivery_time), zone=participant.timezone
        )
        return _say(current, *self._time_buttons())

    async def _zone(self, participant: Participant, args: tuple[str, ...]) -> Replies:
        if args:
            zone = suggest_zone(" ".join(args))
            return _say(texts.BAD_ZONE) if zone is None else await self._set_zone(participant, zone)
        await self._set_step(participant, "type_zone")
        return _say(texts.TYPE_ZONE)

    async def _pause(self, participant: Participant, _args: tuple[str, ...]) -> Replies:
        live = await self._live(participant.id)
        if live is None:
            return _say(texts.NO_COURSE)
        if live.status is EnrollmentStatus.PAUSED:
            return _say(texts.ALREADY_PAUSED)

        def pause(e: Enrollment) -> Enrollment | None:
            if e.status is not EnrollmentStatus.ACTIVE:
                return None
            e.status = EnrollmentStatus.PAUSED
            e.next_due = e.nudge_due = None
            return e

        await self.journey.change(participant.id, live.course_id, pause)
        # Whatever of the course is still queued waits for /verder: nothing of it may arrive
        # after the confirmation below.
        await self.store.queue.hold(participant.id, live.course_id)
        return _say(texts.PAUSED)

    async def _resume(self, participant: Participant, _args: tuple[str, ...]) -> Replies:
        live = await self._live(participant.id)
        if live is None:
            return _say(texts.NO_COURSE)
        if live.course_id not in self.courses:
            return _say(texts.COURSE_CHANGED)
        now = self.journey.clock.now()

        def resume(e: Enrollment) -> Enrollment | None:
            if e.status is not EnrollmentStatus.PAUSED:
                return None
            e.status = EnrollmentStatus.ACTIVE
            awaiting = self.journey.awaits_reflection(e)
            e.next_due = None if awaiting else self.journey.next_lesson_time(participant, e, now)
            return e

        was_paused = live.status is EnrollmentStatus.PAUSED
        resumed = await self.journey.change(participant.id, live.course_id, resume)
        if resumed is None:
            return _say(texts.NO_COURSE)
        when = self._next_when(participant, resumed)
        if when is None:
            return _say(texts.WAITING_FOR_REFLECTION.format(day=resumed.last_delivered_day))
        if not was_paused:
            return _say(texts.NOT_PAUSED.format(when=when))
        resumed_text = texts.RESUMED.format(day=resumed.current_day, when=when)
        if await self.store.queue.held(participant.id):
            resumed_text = f"{resumed_text} {texts.REST_OF_LESSON}"
        return _say(resumed_text)

    async def _stop(self, participant: Participant, _args: tuple[str, ...]) -> Replies:
        live = await self._live(participant.id)
        if live is None:
            return _say(texts.NO_COURSE)
        now = self.journey.clock.now()

        def stop(e: Enrollment) -> Enrollment:
            e.status, e.end_reason, e.ended_at = EnrollmentStatus.STOPPED, "participant", now
            e.next_due = e.nudge_due = None
            return e

        await self.journey.change(participant.id, live.course_id, stop)
        await self.store.queue.drop(participant.id, live.course_id)
        await self._set_step(participant, None)
        return _say(texts.STOPPED)

    async def _today(self, participant: Participant, _args: tuple[str, ...]) -> Replies:
        enrollment = await self.journey.current(participant.id)
        course = self.courses.get(enrollment.course_id) if enrollment else None
        if enrollment is None or course is None:
            return _say(texts.NO_COURSE)
        day = min(enrollment.last_delivered_day, course.length)  # a course may have shrunk
        if day == 0:
            when = self._next_when(participant, enrollment)
            if when is None:
                return _say(texts.PROGRESS_PAUSED)
            return _say(texts.FIRST_LESSON_COMING.format(when=when))
        return [outgoing(m, course.id, day) for m in render_day(course, day)]

    async def _answers(self, participant: Participant, _args: tuple[str, ...]) -> Replies:
        """Every answered day of the current course: the question, then their own words.

        The words are not put in the queue: it names the days, and they are read from the
        stored answers when the message is sent (see bot/delivery/answers.py).
        """
        enrollment = await self.journey.current(participant.id)
        course = self.courses.get(enrollment.course_id) if enrollment else None
        if enrollment is None or course is None:
            return _say(texts.NO_COURSE)
        blocks = answers.by_day(
            course,
            await self.store.reflections.all(participant.id),
            await self.store.checkins.all(participant.id),
        )
        if not blocks:
            return _say(texts.ANSWERS_NONE)
        items = [
            QueueItem(lane=Lane.REPLY, kind="answers", course_id=course.id, day=first,
                      index=last, part=part)
            for first, last, part in answers.plan(blocks)
        ]  # fmt: skip
        clock = self.journey.clock
        later = clock.now() + timedelta(seconds=clock.to_course_seconds(QUEUE_SAFETY))
        await self.store.due.recheck(chat_member(participant.id), later)
        await self.store.queue.put(participant.id, items)
        return []

    async def _day(self, participant: Participant, args: tuple[str, ...]) -> Replies:
        """Read a day again that has already arrived."""
        enrollment = await self.journey.current(participant.id)
        course = self.courses.get(enrollment.course_id) if enrollment else None
        if enrollment is None or course is None:
            return _say(texts.NO_COURSE)
        received = min(enrollment.last_delivered_day, course.length)
        number = args[0] if len(args) == 1 else ""
        if not (number.isascii() and number.isdigit() and len(number) <= 3):
            return _say(texts.DAY_USAGE.format(last=max(received, 1)))
        day = int(number)
        if not 1 <= day <= received:
            if received == 0:
                return _say(texts.DAY_NONE_YET)
            return _say(texts.DAY_NOT_YET.format(day=day, last=received))
        return [outgoing(m, course.id, day) for m in render_day(course, day)]

    async def _progress(self, participant: Participant, _args: tuple[str, ...]) -> Replies:
        enrollment = await self.journey.current(participant.id)
        course = self.courses.get(enrollment.course_id) if enrollment else None
        if enrollment is None or course is None:
            return _say(texts.NO_COURSE)
        answered = {
            r.day for r in await self.store.reflections.all(participant.id)
            if r.course_id == course.id
        }  # fmt: skip
        scores = [
            c for c in await self.store.checkins.all(participant.id) if c.course_id == course.id
        ]
        summary = texts.PROGRESS.format(
            title=course.title, done=min(enrollment.last_delivered_day, course.length),
            length=course.length, answers=len(answered),
            status=self._status_line(participant, enrollment, course),
        )  # fmt: skip
        if scores:
            listed = ", ".join(
                texts.PROGRESS_SCORE.format(day=c.day, score=c.score) for c in scores
            )
            summary = f"{summary}\n\n{texts.PROGRESS_SCORES.format(scores=listed)}"
        if answered:
            summary = f"{summary}\n\n{texts.PROGRESS_LOOK_BACK}"
        return _say(summary)

    def _status_line(self, participant: Participant, e: Enrollment, course: Course) -> str:
        if e.status is EnrollmentStatus.ACTIVE and e.current_day > course.length:
            return texts.PROGRESS_LAST_ANSWER.format(day=course.length)
        if e.status is EnrollmentStatus.COMPLETED:
            return texts.PROGRESS_DONE
        if e.status is EnrollmentStatus.PAUSED:
            return texts.PROGRESS_PAUSED
        if e.status is EnrollmentStatus.STOPPED:
            return texts.PROGRESS_STOPPED
        when = self._next_when(participant, e)
        if when is None:
            return texts.PROGRESS_AWAITING.format(day=e.last_delivered_day)
        return texts.PROGRESS_ACTIVE.format(when=when)
