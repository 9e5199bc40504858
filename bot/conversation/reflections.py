"""What a participant answers: a reflection on the day's question, and a check-in score.

An answer is kept (the first time with a word on who reads it: no one), counted, and thanked with
when the next lesson comes; the answer to the last day ends the course, with what follows it.
"""

from __future__ import annotations

from bot.conversation.context import Context, Replies, say
from bot.core import texts
from bot.core.messages import Outgoing
from bot.delivery.items import CheckInScore
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


async def reflection(ctx: Context, participant: Participant, text: str) -> Replies:
    """Free text with no step to answer: a reflection on the last day that came."""
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
    day = enrollment.last_delivered_day
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
    await ctx.store.reflections.add(participant.id, entry)
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
    return _first_told(await _saved(ctx, participant, enrollment, updated, day), told)


async def _saved(
    ctx: Context, participant: Participant, before: Enrollment, updated: Enrollment | None, day: int
) -> Replies:
    """The thanks for an answer: with when the next lesson comes, or the end of the course."""
    replies = say(texts.REFLECTION_SAVED.format(day=day))
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
    return say(texts.CHECKIN_SAVED.format(score=checkin.score))
