"""Signing up: /start, a course, a delivery time and a time zone, then the course begins.

The same time and zone answers serve /tijd and /tijdzone later: outside a sign-up they move the
next lesson instead. Starting again while a course runs is asked first, and ends the old course.
"""

from __future__ import annotations

import logging
from datetime import time

from bot.conversation.buttons import (
    OTHER,
    CourseChoice,
    RestartAnswer,
    TimeChoice,
    ZoneChoice,
    ZonePick,
    course_rows,
    restart_rows,
    time_rows,
    zone_rows,
)
from bot.conversation.context import Command, Context, ForAnyone, Replies, say
from bot.conversation.steps import TIME_STEPS, ZONE_STEPS, Step, set_step, step_of
from bot.core import texts
from bot.core.messages import Incoming, Outgoing
from bot.delivery.journey import stopping
from scheduler.localtime import suggest_zone
from scheduler.phrases import read_time
from scheduler.places import country_zones
from storage.keys import enrollment_member
from storage.models import Enrollment, EnrollmentStatus, Participant

log = logging.getLogger(__name__)


async def start(ctx: Context, event: Incoming) -> Replies:
    """/start, and /start <course> from a deep link: anyone may, and becomes a participant."""
    participant, _ = await ctx.store.participants.get_or_create(
        event.channel, event.chat_id, now=ctx.journey.clock.now(),
        first_name=event.first_name[:64] if event.first_name else None,
        timezone=ctx.journey.default_timezone,
    )  # fmt: skip
    return await begin(ctx, participant, event.args)


async def begin(ctx: Context, participant: Participant, args: tuple[str, ...]) -> Replies:
    """The course choice; or straight to the time with a known course; or, while a course
    runs, the question whether to start again."""
    wanted = args[0].lower() if args else None
    await ctx.journey.catalogue.refresh()  # the course list names each course's newest version
    course_id = wanted if wanted in ctx.courses else None
    live = await ctx.live(participant.id)
    if live is not None:
        await set_step(ctx.store, participant, Step.RESTART, course_id)
        course = ctx.journey.course_of(live)  # the version they read
        title = course.title if course else live.course_id
        length = course.length if course else live.current_day
        day = min(live.current_day, length)
        return say(
            texts.ALREADY_FOLLOWING.format(title=title, day=day, length=length), *restart_rows()
        )
    if course_id is not None:
        return await choose_course(ctx, participant, course_id)
    await set_step(ctx.store, participant, Step.COURSE)
    intro = f"{texts.greeting(participant.first_name)} {texts.WELCOME}"
    if wanted is not None:
        intro = f"{texts.UNKNOWN_COURSE}\n\n{intro}"
    return say(intro, *course_rows(ctx.courses))


async def choose_course(ctx: Context, participant: Participant, course_id: str) -> Replies:
    course = await ctx.journey.catalogue.newest(course_id) or ctx.courses[course_id]
    await set_step(ctx.store, participant, Step.TIME, course_id)
    chosen = texts.COURSE_CHOSEN.format(title=course.title, description=course.description)
    return [Outgoing(chosen), Outgoing(texts.ASK_TIME, buttons=time_rows())]


async def set_time(ctx: Context, participant: Participant, at: time) -> Replies:
    """A delivery time: in a sign-up, the zone comes next; otherwise the next lesson moves."""
    step = step_of(participant)
    signing_up = participant.pending_course is not None and (
        step in TIME_STEPS or step in ZONE_STEPS
    )

    def change(p: Participant) -> Participant:
        p.delivery_time = at
        p.step = Step.ZONE.value if signing_up else None
        return p

    updated = await ctx.store.participants.update(participant.id, change) or participant
    if signing_up:
        return say(texts.ASK_ZONE.format(zone=ctx.zone(updated.timezone)), *zone_rows())
    return await rescheduled(ctx, updated, texts.TIME_SET)


async def set_zone(ctx: Context, participant: Participant, zone: str) -> Replies:
    """A time zone: in a sign-up, the course begins; otherwise the next lesson moves."""

    def change(p: Participant) -> Participant:
        p.timezone = zone
        return p

    updated = await ctx.store.participants.update(participant.id, change) or participant
    if updated.pending_course is not None and step_of(updated) in ZONE_STEPS:
        return await enroll(ctx, updated, updated.pending_course)
    await set_step(ctx.store, updated, None)
    return await rescheduled(ctx, updated, texts.TIME_SET)


async def rescheduled(ctx: Context, participant: Participant, template: str) -> Replies:
    """After a change of time or zone: move the next lesson, and say when it comes."""
    await set_step(ctx.store, participant, None)
    live = await ctx.live(participant.id)
    at, zone = texts.hhmm(participant.delivery_time), ctx.zone(participant.timezone)
    if live is None or live.status is not EnrollmentStatus.ACTIVE or live.next_due is None:
        return say(texts.TIME_SET_NO_COURSE.format(time=at, zone=zone))
    now = ctx.journey.clock.now()

    def move(e: Enrollment) -> Enrollment | None:
        if e.status is not EnrollmentStatus.ACTIVE or e.next_due is None:
            return None
        e.next_due = ctx.journey.next_lesson_time(participant, e, now)
        return e

    moved = await ctx.journey.change(participant.id, live.course_id, move) or live
    when = ctx.next_when(participant, moved) or ""
    return say(template.format(time=at, zone=zone, when=when))


async def enroll(ctx: Context, participant: Participant, course_id: str) -> Replies:
    """Start a course from day 1, on its newest version. Whatever course ran before ends here,
    answers kept."""
    course = await ctx.journey.catalogue.newest(course_id)
    if course is None:
        await set_step(ctx.store, participant, Step.COURSE)
        return say(texts.UNKNOWN_COURSE, *course_rows(ctx.courses))
    store, journey = ctx.store, ctx.journey
    now = journey.clock.now()
    participant = await set_step(store, participant, None)
    enrollment = journey.new_enrollment(participant, course)
    # The new course is in the due index before it exists, and the old ones end in the same
    # step as it is saved: a crash anywhere leaves either the old course or the new one.
    member = enrollment_member(participant.id, course.id)
    await store.due.wake(member, enrollment.next_due or now)
    await store.queue.drop(participant.id, course.id)
    ended = await store.enrollments.start(enrollment, stopping("restarted", now))
    for old in ended:
        await journey.reschedule(old)
        await store.queue.drop(participant.id, old.course_id)
    await journey.reschedule(enrollment)
    log.info("participant %s enrolled in %s", participant.id, course.id)
    await journey.count("signups")
    when = journey.when(participant, enrollment.next_due or now)
    return say(
        texts.ENROLLED.format(title=course.title, when=when, zone=ctx.zone(participant.timezone))
    )


# -- taps ---------------------------------------------------------------------------------------
async def course_tapped(ctx: Context, participant: Participant, tap: CourseChoice) -> Replies:
    """A course from the list; while another runs (an old list), first the restart question."""
    if tap.course not in ctx.courses:
        return say(texts.STALE_BUTTON)
    if step_of(participant) is not Step.COURSE and await ctx.live(participant.id) is not None:
        return await begin(ctx, participant, (tap.course,))
    return await choose_course(ctx, participant, tap.course)


async def time_tapped(ctx: Context, participant: Participant, tap: TimeChoice) -> Replies:
    if isinstance(tap.at, time):
        return await set_time(ctx, participant, tap.at)
    await set_step(ctx.store, participant, Step.TYPE_TIME, participant.pending_course)
    return say(texts.TYPE_TIME)


async def zone_picked(ctx: Context, participant: Participant, tap: ZonePick) -> Replies:
    """One of a country's zones, from the question which."""
    if suggest_zone(tap.zone) != tap.zone:
        return say(texts.STALE_BUTTON)
    return await set_zone(ctx, participant, tap.zone)


async def zone_tapped(ctx: Context, participant: Participant, tap: ZoneChoice) -> Replies:
    if tap.choice == OTHER:
        await set_step(ctx.store, participant, Step.TYPE_ZONE, participant.pending_course)
        return say(texts.TYPE_ZONE)
    return await set_zone(ctx, participant, participant.timezone)


async def restart_answered(ctx: Context, participant: Participant, tap: RestartAnswer) -> Replies:
    """Start again (with the course of the deep link, if one came), or keep going."""
    if step_of(participant) is not Step.RESTART:
        return say(texts.STALE_BUTTON)
    if tap.answer == "yes":
        if participant.pending_course is not None:
            return await choose_course(ctx, participant, participant.pending_course)
        await set_step(ctx.store, participant, Step.COURSE)
        return say(texts.WELCOME, *course_rows(ctx.courses))
    await set_step(ctx.store, participant, None)
    live = await ctx.live(participant.id)
    if live is None:
        return say(texts.NO_COURSE)
    when = ctx.next_when(participant, live)
    if when is None:
        return say(texts.KEEP_GOING_PAUSED)
    return say(texts.KEEP_GOING.format(when=when))


# -- typed --------------------------------------------------------------------------------------
async def typed_time(ctx: Context, participant: Participant, text: str) -> Replies:
    """A time as people type it ("7:30", "half 8", "kwart voor 8 's avonds"); a spoken time
    that may be morning or evening is asked about once, with a button for each."""
    options = read_time(text)
    if not options:
        return say(texts.BAD_TIME)
    if len(options) == 1:
        return await set_time(ctx, participant, options[0])
    morning, evening = options
    return say(
        texts.WHICH_TIME,
        (
            TimeChoice(at=morning).button(texts.TIME_MORNING.format(time=texts.hhmm(morning))),
            TimeChoice(at=evening).button(texts.TIME_EVENING.format(time=texts.hhmm(evening))),
        ),
    )


async def typed_zone(ctx: Context, participant: Participant, text: str) -> Replies:
    """A place as people name it ("Brussel", "Den Haag", "België"); a country that keeps
    several times ("Spanje") is asked about, with a button for each of its times."""
    zone = suggest_zone(text)
    if zone is not None:
        return await set_zone(ctx, participant, zone)
    several = country_zones(text)
    if several is None:
        return say(texts.BAD_ZONE)
    country, zones = several
    rows = [(ZonePick(zone=z).button(ctx.zone(z)),) for z in zones]
    return say(texts.WHICH_ZONE.format(country=country), *rows)


async def typed_course(ctx: Context, participant: Participant, text: str) -> Replies:
    """A course by its id, title or button label, typed instead of tapped."""
    wanted = text.strip().lower()
    for course in ctx.courses.values():
        if wanted in (course.id, course.title.lower(), course.button.lower()):
            return await choose_course(ctx, participant, course.id)
    return say(texts.UNKNOWN_COURSE, *course_rows(ctx.courses))


#: The commands this module answers.
COMMANDS: tuple[Command, ...] = (ForAnyone(("start",), start),)
