"""The commands that steer a running course: /tijd, /tijdzone, /pauze, /verder, /stop; and /help.

Each answers whatever state the participant is in: with no course running they hear so, kindly.
"""

from __future__ import annotations

from bot.conversation.buttons import time_rows
from bot.conversation.context import Command, Context, ForAnyone, ForParticipant, Replies, say
from bot.conversation.signup import typed_time, typed_zone
from bot.conversation.steps import Step, set_step
from bot.core import texts
from bot.core.messages import Incoming
from bot.delivery.journey import pausing, stopping
from storage.models import Enrollment, EnrollmentStatus, Participant


async def show_help(_ctx: Context, event: Incoming) -> Replies:
    """/help: what one can do, for anyone; with one English part for a visitor."""
    return say(f"{texts.HELP}\n\n{texts.HELP_ENGLISH}" if event.visitor else texts.HELP)


async def time(ctx: Context, participant: Participant, args: tuple[str, ...]) -> Replies:
    """/tijd 07:30 sets the time; /tijd alone shows it and offers the common ones."""
    if args:
        return await typed_time(ctx, participant, " ".join(args))
    await set_step(ctx.store, participant, Step.TIME)
    current = texts.CURRENT_TIME.format(
        time=texts.hhmm(participant.delivery_time), zone=ctx.zone(participant.timezone)
    )
    return say(current, *time_rows())


async def zone(ctx: Context, participant: Participant, args: tuple[str, ...]) -> Replies:
    """/tijdzone Amsterdam sets the zone; /tijdzone alone asks for one."""
    if args:
        return await typed_zone(ctx, participant, " ".join(args))
    await set_step(ctx.store, participant, Step.TYPE_ZONE)
    return say(texts.TYPE_ZONE)


async def pause(ctx: Context, participant: Participant, _args: tuple[str, ...]) -> Replies:
    live = await ctx.live(participant.id)
    if live is None:
        return say(texts.NO_COURSE)
    if live.status is EnrollmentStatus.PAUSED:
        return say(texts.ALREADY_PAUSED)
    await ctx.journey.change(participant.id, live.course_id, pausing())
    # Whatever of the course is still queued waits for /verder: nothing of it may arrive
    # after the confirmation below.
    await ctx.store.queue.hold(participant.id, live.course_id)
    return say(texts.PAUSED)


async def resume(ctx: Context, participant: Participant, _args: tuple[str, ...]) -> Replies:
    live = await ctx.live(participant.id)
    if live is None:
        return say(texts.NO_COURSE)
    if live.course_id not in ctx.courses:
        return say(texts.COURSE_CHANGED)
    journey = ctx.journey
    now = journey.clock.now()

    def resume(e: Enrollment) -> Enrollment | None:
        if e.status is not EnrollmentStatus.PAUSED:
            return None
        e.status = EnrollmentStatus.ACTIVE
        awaiting = journey.awaits_reflection(e)
        e.next_due = None if awaiting else journey.next_lesson_time(participant, e, now)
        return e

    was_paused = live.status is EnrollmentStatus.PAUSED
    resumed = await journey.change(participant.id, live.course_id, resume)
    if resumed is None:
        return say(texts.NO_COURSE)
    when = ctx.next_when(participant, resumed)
    if when is None:
        return say(texts.WAITING_FOR_REFLECTION.format(day=resumed.last_delivered_day))
    if not was_paused:
        return say(texts.NOT_PAUSED.format(when=when))
    resumed_text = texts.RESUMED.format(day=resumed.current_day, when=when)
    if await ctx.store.queue.held(participant.id):
        resumed_text = f"{resumed_text} {texts.REST_OF_LESSON}"
    return say(resumed_text)


async def stop(ctx: Context, participant: Participant, _args: tuple[str, ...]) -> Replies:
    live = await ctx.live(participant.id)
    if live is None:
        return say(texts.NO_COURSE)
    stopped = stopping("participant", ctx.journey.clock.now())
    await ctx.journey.change(participant.id, live.course_id, stopped)
    await ctx.store.queue.drop(participant.id, live.course_id)
    await set_step(ctx.store, participant, None)
    return say(texts.STOPPED)


#: The commands this module answers.
COMMANDS: tuple[Command, ...] = (
    ForAnyone(("help",), show_help),
    ForParticipant(("tijd", "time"), time),
    ForParticipant(("tijdzone", "timezone"), zone),
    ForParticipant(("pauze", "pause"), pause),
    ForParticipant(("verder", "resume"), resume),
    ForParticipant(("stop",), stop),
)
