"""Looking back: today's lesson again (/vandaag), any day that came (/dag N), one's own answers
(/antwoorden), and how far one is (/voortgang)."""

from __future__ import annotations

from datetime import timedelta

from bot.conversation.context import Command, Context, ForParticipant, Replies, say
from bot.core import texts, texts_pace
from bot.core.messages import Outgoing
from bot.delivery import answers as own_answers
from bot.delivery import tempo
from bot.delivery.journey import LIVE
from bot.delivery.quoting import day_again
from courses.models import Course
from storage.keys import chat_member
from storage.models import Enrollment, EnrollmentStatus, Lane, Participant

#: Real seconds after which a chat whose queue was filled here is looked at again, should the
#: process die before it was drained.
QUEUE_SAFETY = 15.0


async def _following(ctx: Context, participant: Participant) -> tuple[Enrollment, Course] | None:
    """Their current enrollment and its course, while both exist."""
    enrollment = await ctx.journey.current(participant.id)
    course = await ctx.journey.catalogue.of(enrollment) if enrollment else None
    return None if enrollment is None or course is None else (enrollment, course)


async def today(ctx: Context, participant: Participant, _args: tuple[str, ...]) -> Replies:
    following = await _following(ctx, participant)
    if following is None:
        return say(texts.NO_COURSE)
    enrollment, course = following
    await back_to_today(ctx, participant)
    day = min(enrollment.last_delivered_day, course.length)  # a course may have shrunk
    if day == 0:
        when = ctx.next_when(participant, enrollment)
        if when is None:
            return say(texts.PROGRESS_PAUSED)
        return say(texts.FIRST_LESSON_COMING.format(when=when))
    return day_again(course, day)


async def back_to_today(ctx: Context, participant: Participant) -> None:
    """What they type answers the last day that came again, not a day /dag opened."""
    if participant.answer_day is None:
        return

    def today_again(p: Participant) -> Participant:
        p.answer_day = p.answer_after = None
        return p

    await ctx.store.participants.update(participant.id, today_again)


async def answers(ctx: Context, participant: Participant, _args: tuple[str, ...]) -> Replies:
    """Every answered day of the current course: the question, then their own words.

    The words are not put in the queue: it names the days, and they are read from the
    stored answers when the message is sent (see bot/delivery/answers.py).
    """
    following = await _following(ctx, participant)
    if following is None:
        return say(texts.NO_COURSE)
    _, course = following
    readable, unreadable = await ctx.store.reflections.readable(participant.id)
    blocks = own_answers.by_day(course, readable, await ctx.store.checkins.all(participant.id))
    lost = say(texts.answers_unreadable(unreadable)) if unreadable else []
    if not blocks:
        return [*say(texts.ANSWERS_NONE), *lost]
    clock = ctx.journey.clock
    later = clock.now() + timedelta(seconds=clock.to_course_seconds(QUEUE_SAFETY))
    await ctx.store.due.recheck(chat_member(participant.id), later)
    await ctx.store.queue.put(participant.id, own_answers.queued(course.id, blocks, Lane.REPLY))
    return lost


async def day(ctx: Context, participant: Participant, args: tuple[str, ...]) -> Replies:
    """Read a day again that has already arrived."""
    following = await _following(ctx, participant)
    if following is None:
        return say(texts.NO_COURSE)
    enrollment, course = following
    received = min(enrollment.last_delivered_day, course.length)
    number = args[0] if len(args) == 1 else ""
    if not (number.isascii() and number.isdigit() and len(number) <= 3):
        return say(texts.DAY_USAGE.format(last=max(received, 1)))
    wanted = int(number)
    if not 1 <= wanted <= received:
        if received == 0:
            return say(texts.DAY_NONE_YET)
        return say(texts.DAY_NOT_YET.format(day=wanted, last=received))
    shown = day_again(course, wanted)
    if wanted == enrollment.last_delivered_day:
        await back_to_today(ctx, participant)
        return shown

    def answer_there(p: Participant) -> Participant:
        p.answer_day, p.answer_after = wanted, enrollment.last_delivered_day
        return p

    # What they type now answers the day they read again, not the last one.
    await ctx.store.participants.update(participant.id, answer_there)
    return [*shown, Outgoing(texts.ANSWER_FOR_DAY.format(day=wanted))]


async def progress(ctx: Context, participant: Participant, _args: tuple[str, ...]) -> Replies:
    following = await _following(ctx, participant)
    if following is None:
        return say(texts.NO_COURSE)
    enrollment, course = following
    answered = {
        r.day for r in await ctx.store.reflections.all(participant.id)
        if r.course_id == course.id
    }  # fmt: skip
    scores = [c for c in await ctx.store.checkins.all(participant.id) if c.course_id == course.id]
    summary = texts.PROGRESS.format(
        title=course.title, done=min(enrollment.last_delivered_day, course.length),
        length=course.length, answers=len(answered),
        status=_status_line(ctx, participant, enrollment, course),
    )  # fmt: skip
    if enrollment.status in LIVE:
        summary += " " + texts_pace.PACE_NOW.format(pace=tempo.described(course, enrollment))
    if scores:
        listed = "\n".join(
            texts.PROGRESS_SCORE.format(theme=_theme(course, c.day), day=c.day, score=c.score)
            for c in scores
        )
        summary = f"{summary}\n\n{texts.PROGRESS_SCORES.format(scores=listed)}"
    if answered:
        summary = f"{summary}\n\n{texts.PROGRESS_LOOK_BACK}"
    return say(summary)


def _theme(course: Course, day: int) -> str:
    """The theme a check-in was about: the day's title, when the day is still in the course."""
    return course.day(day).title if 1 <= day <= course.length else f"dag {day}"


def _status_line(ctx: Context, participant: Participant, e: Enrollment, course: Course) -> str:
    if e.status is EnrollmentStatus.ACTIVE and e.current_day > course.length:
        return texts.PROGRESS_LAST_ANSWER.format(day=course.length)
    if e.status is EnrollmentStatus.COMPLETED:
        return texts.PROGRESS_DONE
    if e.status is EnrollmentStatus.PAUSED:
        return texts.PROGRESS_PAUSED
    if e.status is EnrollmentStatus.STOPPED:
        return texts.PROGRESS_STOPPED
    when = ctx.next_when(participant, e)
    if when is None:
        return texts.PROGRESS_AWAITING.format(day=e.last_delivered_day)
    return texts.PROGRESS_ACTIVE.format(when=when)


#: The commands this module answers.
COMMANDS: tuple[Command, ...] = (
    ForParticipant(("vandaag", "today"), today),
    ForParticipant(("dag", "day"), day),
    ForParticipant(("antwoorden", "answers"), answers),
    ForParticipant(("voortgang", "progress"), progress),
)
