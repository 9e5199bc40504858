"""What a participant answers: a reflection on the day's question, and a check-in score.

An answer is kept (the first time with a word on who reads it: no one), counted, and thanked with
when the next lesson comes; the answer to the last day ends the course, with what follows it.
"""

from __future__ import annotations

from bot.conversation.buttons import KeepAnswer, RunCommand
from bot.conversation.context import Context, Replies, say
from bot.core import texts
from bot.core.button_data import MAX_BYTES
from bot.core.messages import Outgoing
from bot.delivery import tempo
from bot.delivery.items import CheckInScore
from courses.render import day_of
from storage.models import (
    MAX_REFLECTION_CHARS,
    CheckIn,
    Enrollment,
    EnrollmentStatus,
    Participant,
    ReflectionEntry,
)


def _first_told(replies: Replies, told: bool) -> Replies:
    """With the first answer kept, the thanks also say plainly who reads it: no one."""
    if not told or not replies:
        return replies
    first = replies[0]
    noted = Outgoing(f"{first.text}\n\n{texts.PRIVACY_FIRST}", first.heading, first.buttons)
    return [noted, *replies[1:]]


async def reflection(
    ctx: Context, participant: Participant, text: str, *, confirmed: bool = False,
    replied_to: str | None = None,
) -> Replies:  # fmt: skip
    """Free text with no step to answer: a reflection on the day whose message it replies to
    (`replied_to`), the day /dag opened, or the last day that came. A greeting or a test is no
    answer; signs alone are kept when they say so (`confirmed`)."""
    journey = ctx.journey
    enrollment = await journey.current(participant.id)
    if enrollment is None:
        return say(texts.NO_COURSE)
    if enrollment.last_delivered_day == 0:
        when = ctx.next_when(participant, enrollment)
        return (
            say(texts.FIRST_LESSON_COMING.format(when=when)) if when else say(texts.PROGRESS_PAUSED)
        )
    if len(text) > MAX_REFLECTION_CHARS:
        return say(texts.TOO_LONG.format(limit=MAX_REFLECTION_CHARS))
    if not text.strip():
        return []
    day = answering(participant, enrollment)
    course = await journey.catalogue.of(enrollment)
    if replied_to and course is not None:
        day = day_of(course, replied_to, enrollment.last_delivered_day) or day
    if not confirmed:
        if _no_answer(text):
            return _not_an_answer(day, today=day == enrollment.last_delivered_day)
        if _signs_only(text):
            keep = KeepAnswer(day=day, keep="ja", text=text.strip())
            if len(keep.pack().encode()) <= MAX_BYTES:
                drop = KeepAnswer(day=day, keep="nee", text=text.strip())
                return say(
                    texts.KEEP_THIS.format(day=day),
                    (keep.button(texts.KEEP_YES), drop.button(texts.KEEP_NO)),
                )
    if day != enrollment.last_delivered_day:
        return await _earlier(ctx, participant, enrollment, day, text)
    now = journey.clock.now()
    followup = (
        enrollment.status is EnrollmentStatus.COMPLETED and enrollment.followup_sent_at is not None
    )
    told = False
    if not participant.privacy_told:

        def tell(p: Participant) -> Participant:
            p.privacy_told = True
            return p

        await ctx.store.participants.update(participant.id, tell)
        told = True
    entry = ReflectionEntry(
        course_id=enrollment.course_id, day=day, text=text, at=now, followup=followup
    )
    grown = await ctx.store.reflections.add(participant.id, entry)
    await journey.count("reflections_received")
    if followup:
        return _first_told(say(texts.FOLLOWUP_SAVED), told)

    def reflected(e: Enrollment) -> Enrollment:
        e.reflected_day = max(e.reflected_day, e.last_delivered_day)
        e.nudge_due = None
        if e.status is not EnrollmentStatus.ACTIVE:
            return e
        if journey.past_last_day(e):  # the last answer: the course is done
            journey.complete(participant, e, now)
        elif e.next_due is None:
            e.next_due = journey.next_lesson_time(participant, e, now)
        return e

    updated = await journey.change(participant.id, enrollment.course_id, reflected)
    saved = await _saved(ctx, participant, enrollment, updated, day, grown)
    return _first_told(saved, told)


def answering(participant: Participant, enrollment: Enrollment) -> int:
    """The day an answer belongs to: the one /dag opened while no newer lesson came (every
    message then, so an answer in several messages stays together, until /vandaag), or the
    last day that came."""
    chosen = participant.answer_day
    last = enrollment.last_delivered_day
    if chosen is not None and participant.answer_after == last and 1 <= chosen <= last:
        return chosen
    return last


async def _earlier(
    ctx: Context, participant: Participant, enrollment: Enrollment, day: int, text: str
) -> Replies:
    """An answer to a day before the last one (after /dag): kept with that day; the course's
    pace does not change."""
    entry = ReflectionEntry(
        course_id=enrollment.course_id, day=day, text=text, at=ctx.journey.clock.now()
    )
    grown = await ctx.store.reflections.add(participant.id, entry)
    await ctx.journey.count("reflections_received")
    await ctx.store.enrollments.update(participant.id, enrollment.course_id, tempo.heard)
    return say(_thanks(day, grown))


def _thanks(day: int, grown: bool) -> str:
    """Thanks that name the day; a second message to a day joins the answer already there."""
    return (texts.REFLECTION_ADDED if grown else texts.REFLECTION_SAVED).format(day=day)


#: Short messages that say hello or test the bot, not answer a question.
_GREETINGS = frozenset(
    {"hallo", "hoi", "hey", "hi", "hello", "hallo daar", "test", "testing", "testje", "ben je er",
     "werkt dit", "werkt het", "is er iemand", "yo", "dag", "goedemorgen", "goedenavond", "ok",
     "oke", "oké", "okay"}
)  # fmt: skip


def _no_answer(text: str) -> bool:
    """A greeting, a test or only question marks: no answer to a day's question."""
    plain = text.strip().lower().rstrip("?!. ").strip()
    return not plain.strip("?") or plain in _GREETINGS


def _not_an_answer(day: int, today: bool) -> Replies:
    """What the bot is for, kindly, with a tap to read the question again (today's) and one
    for everything it can do."""
    again = (RunCommand(name="vandaag").button(texts.QUESTION_AGAIN),) if today else ()
    return say(
        texts.NOT_AN_ANSWER.format(day=day),
        (*again, RunCommand(name="help").button(texts.WHAT_I_DO)),
    )


def _signs_only(text: str) -> bool:
    """Only emoji, signs or a number, no word: it may be an answer, or not (a "3" meant for a
    check-in scale); asked first."""
    return not any(c.isalpha() for c in text)


async def keep_tapped(ctx: Context, participant: Participant, tap: KeepAnswer) -> Replies:
    """The answer to "keep this as your answer?": kept with its day, or let go."""
    if tap.keep == "nee":
        return say(texts.KEEP_NOT)
    enrollment = await ctx.journey.current(participant.id)
    if enrollment is None or not 1 <= tap.day <= enrollment.last_delivered_day:
        return say(texts.STALE_BUTTON)
    if tap.day != answering(participant, enrollment):
        return await _earlier(ctx, participant, enrollment, tap.day, tap.text)
    return await reflection(ctx, participant, tap.text, confirmed=True)


async def _saved(
    ctx: Context, participant: Participant, before: Enrollment, updated: Enrollment | None,
    day: int, grown: bool,
) -> Replies:  # fmt: skip
    """The thanks for an answer: with when the next lesson comes, or the end of the course."""
    replies = say(_thanks(day, grown))
    if updated is None:
        return replies
    if updated.status is EnrollmentStatus.COMPLETED and before.status is EnrollmentStatus.ACTIVE:
        await ctx.journey.count("completions")
        course = ctx.courses.get(updated.course_id)
        title = course.title if course else updated.course_id
        owed = await ctx.closing(participant.id, updated.course_id) if ctx.closing else []
        closing = [Outgoing(texts.SUMMARY_STAND_IN, named=item) for item in owed]
        return [*replies, Outgoing(texts.COURSE_DONE.format(title=title)), *closing]
    when = ctx.next_when(participant, updated)
    if when is not None:
        replies = say(f"{replies[0].text} {texts.NEXT_LESSON.format(when=when)}")
    return replies


async def checked_in(ctx: Context, participant: Participant, tap: CheckInScore) -> Replies:
    """A score on a day's check-in scale, for a day that came."""
    enrollment = None
    if tap.course in ctx.courses:
        enrollment = await ctx.store.enrollments.get(participant.id, tap.course)
    if enrollment is None or tap.day > enrollment.last_delivered_day:
        return say(texts.CHECKIN_STALE)
    checkin = CheckIn(
        course_id=tap.course, day=tap.day, score=tap.score, at=ctx.journey.clock.now()
    )
    await ctx.store.checkins.record(participant.id, checkin)
    await ctx.journey.count("checkins_received")
    await ctx.store.enrollments.update(participant.id, tap.course, tempo.heard)
    return say(texts.CHECKIN_SAVED.format(score=checkin.score, day=tap.day))
