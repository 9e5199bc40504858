"""A question to a human coach: /coach, the question typed after it, a reply to a coach's
answer, and /coach stop.

Only what a participant sends after /coach (or as a reply to a coach's answer) reaches a coach;
their course answers never do. The safety net has read every such message first (router.py):
a danger signal gets the help at once and marks the thread urgent, with what it heard.
"""

from __future__ import annotations

from bot.conversation.buttons import CoachTap
from bot.conversation.context import Command, Context, ForParticipant, Replies, say
from bot.conversation.reflections import answering
from bot.conversation.steps import Step, set_step, step_of
from bot.core import texts_coach
from bot.delivery.answers import ShareAnswer
from bot.safety import Assessment, assess
from storage.models import Channel, Participant
from storage.threads import MAX_MESSAGE, Thread, ThreadMessage, Who

STOP_WORDS = frozenset({"stop", "klaar", "sluit", "sluiten"})
#: Under the intro and the first confirmation: the same as /coach stop.
_STOP = (CoachTap(action="stop").button(texts_coach.STOP_BUTTON),)


async def coach(ctx: Context, participant: Participant, args: tuple[str, ...]) -> Replies:
    """/coach: who reads it, what reaches them, when an answer comes; then the question."""
    if args and args[0].lower() in STOP_WORDS:
        return await stop(ctx, participant)
    desk = ctx.desk
    if desk is None or not await desk.available():
        return say(texts_coach.COACH_NONE)
    await set_step(ctx.store, participant, Step.COACH)
    later = texts_coach.later(desk.opens(ctx.journey.clock.now()))
    return say(texts_coach.COACH_INTRO.format(later=later), _STOP)


async def tapped(ctx: Context, participant: Participant, tap: CoachTap) -> Replies:
    """The stop button: /coach stop."""
    return await stop(ctx, participant)


async def stop(ctx: Context, participant: Participant) -> Replies:
    """/coach stop: the open thread closes (and a question not yet typed is not awaited)."""
    waiting = step_of(participant) is Step.COACH
    if waiting:
        await set_step(ctx.store, participant, None)
    thread = await ctx.store.threads.current(participant.id)
    if thread is None:
        return say(texts_coach.COACH_STOPPED if waiting else texts_coach.COACH_NOTHING_OPEN)
    closed = await ctx.store.threads.close(participant.id, thread.id, "participant")
    if closed is not None and ctx.desk is not None:
        await ctx.desk.closed(participant, closed)
    return say(texts_coach.COACH_STOPPED)


async def for_coach(ctx: Context, participant: Participant, replied_to: str | None) -> bool:
    """Whether a typed text goes to a coach: the question after /coach, a reply to a coach's
    answer, or on WhatsApp (which has no replies we hear) any text while their thread is open
    and no question of their course waits for an answer."""
    step = step_of(participant)
    if step is Step.COACH:
        return True
    if replied_to is not None and replied_to.startswith(texts_coach.COACH_ANSWER_MARK):
        return True
    if participant.channel is not Channel.WHATSAPP or step is not None:
        return False
    if await ctx.store.threads.current(participant.id) is None:
        return False
    return not await _question_waits(ctx, participant)


async def _question_waits(ctx: Context, participant: Participant) -> bool:
    """Whether a day's question is still to be answered: the last lesson's, or the day /dag
    opened."""
    enrollment = await ctx.live(participant.id)
    if enrollment is None:
        return False
    if answering(participant, enrollment) != enrollment.last_delivered_day:
        return True
    return enrollment.reflected_day < enrollment.last_delivered_day


async def _thread(ctx: Context, participant: Participant) -> Thread:
    """Their open thread, or a new one that knows the course and day they are on."""
    found = await ctx.store.threads.current(participant.id)
    if found is not None:
        return found
    current = await ctx.journey.current(participant.id)
    day = current.last_delivered_day if current is not None else 0
    return await ctx.store.threads.open(
        participant.id,
        ctx.journey.clock.now(),
        current.course_id if current is not None else None,
        day or None,
    )


async def share_tapped(ctx: Context, participant: Participant, tap: ShareAnswer) -> Replies:
    """A day's own answer shared with a coach: asked under /antwoorden, confirmed first; then
    into their thread as their message, and nothing else of theirs."""
    if tap.step == "nee":
        return say(texts_coach.SHARE_NOT)
    desk = ctx.desk
    if desk is None or not await desk.available():
        return say(texts_coach.COACH_NONE)
    course = ctx.courses.get(tap.course)
    mine = [
        r.text for r in await ctx.store.reflections.all(participant.id)
        if r.course_id == tap.course and r.day == tap.day and not r.followup
    ]  # fmt: skip
    if course is None or not mine or tap.day > course.length:
        return say(texts_coach.SHARE_GONE)
    if tap.step == "vraag":
        rows = (
            ShareAnswer(step="ja", day=tap.day, course=tap.course).button(texts_coach.SHARE_YES),
            ShareAnswer(step="nee", day=tap.day, course=tap.course).button(texts_coach.SHARE_NO),
        )
        return say(texts_coach.SHARE_ASK.format(day=tap.day), rows)
    title = course.day(tap.day).title
    shared = texts_coach.SHARED.format(day=tap.day, title=title, text="\n\n".join(mine))
    replies = await asked(ctx, participant, shared, assess(shared))
    if not replies or replies[0].text == texts_coach.COACH_NOTHING_OPEN:
        return replies
    return say(texts_coach.SHARE_DONE.format(day=tap.day), _STOP)


async def asked(ctx: Context, participant: Participant, words: str, found: Assessment) -> Replies:
    """A message to a coach: into the participant's thread, then to the coaches."""
    if step_of(participant) is Step.COACH:
        await set_step(ctx.store, participant, None)
    desk = ctx.desk
    if desk is None or not await desk.available():
        return say(texts_coach.COACH_NONE)
    thread = await _thread(ctx, participant)
    if found.danger:

        def urgent(t: Thread) -> Thread:
            t.urgent, t.category = True, found.category
            return t

        await ctx.store.threads.update(participant.id, thread.id, urgent)
    now = ctx.journey.clock.now()
    message = ThreadMessage(who=Who.PARTICIPANT, at=now, text=words.strip()[:MAX_MESSAGE] or "…")
    joined = await ctx.store.threads.add(participant.id, thread.id, message)
    if joined is None:  # closed meanwhile: it starts a thread of its own
        joined = await ctx.store.threads.add(
            participant.id, (await _thread(ctx, participant)).id, message
        )
    if joined is None:
        return say(texts_coach.COACH_NOTHING_OPEN)
    await desk.asked(participant, joined)
    if sum(m.who is Who.PARTICIPANT for m in joined.messages) > 1:
        return say(texts_coach.COACH_ADDED)
    return say(texts_coach.COACH_SENT.format(later=texts_coach.later(desk.opens(now))), _STOP)


#: The commands this module answers.
COMMANDS: tuple[Command, ...] = (ForParticipant(("coach",), coach),)
