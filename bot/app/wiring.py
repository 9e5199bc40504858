"""Putting druppel together: courses, storage, clock, coach and dispatcher, for any front end.

`druppel run`, `druppel worker`, the demo and the tests all build the engine here, so they run
the same code path; only the channels and the clock's speed differ.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.app.settings import Settings, stored
from bot.conversation import Coach
from bot.conversation.replies import Conversation
from bot.core.counters import Counters
from bot.core.counters import danger as danger_counters
from bot.delivery.catalogue import Catalogue
from bot.delivery.journey import Journey
from bot.delivery.owed import Deliveries
from bot.delivery.senders import Sender
from bot.ops.retention import Retention
from bot.ops.watch import Watch
from bot.safety import Assessment, detector
from bot.staff.commands import Staff
from bot.staff.roles import Roles
from courses.loader import load_course_dir
from scheduler.clock import Clock, RealClock, make_clock
from scheduler.dispatcher import Dispatcher
from scheduler.jobs import TickJob
from storage.models import Channel
from storage.store import Store


async def shared_clock(store: Store, speed: float) -> Clock:
    """The real clock, or a sped-up one whose anchor lives in Redis: every process sharing the
    store sees the same course time, and a restarted process carries on where it was."""
    if speed == 1:
        return make_clock(speed, None)
    anchor = datetime.fromisoformat(await store.clock_anchor(RealClock().now().isoformat()))
    return make_clock(speed, anchor)


@dataclass
class Engine:
    settings: Settings
    store: Store
    #: Every version of every course (as a mapping: each one's newest).
    courses: Catalogue
    clock: Clock
    journey: Journey
    deliveries: Deliveries
    coach: Coach
    conversation: Conversation
    staff: Staff
    watch: Watch
    retention: Retention
    dispatcher: Dispatcher
    senders: dict[Channel, Sender] = field(default_factory=dict)

    def tick_job(self) -> TickJob:
        return TickJob(self.dispatcher.pulse, every=self.settings.tick_seconds)


async def count_danger(journey: Journey, found: Assessment) -> None:
    """Count a message that signalled danger by tier and category; never its words."""
    for name in danger_counters(found.tier, found.category):
        await journey.count(name)


@asynccontextmanager
async def engine(settings: Settings, clock: Clock | None = None) -> AsyncIterator[Engine]:
    """The whole engine on its storage. Add channels to `senders` before anything is due."""
    courses = load_course_dir(settings.courses_dir)
    detector()  # the safety net's vocabulary, checked and compiled before the first message
    async with stored(settings) as store:
        clock = clock or await shared_clock(store, settings.clock_speed)
        counters = Counters(store)
        counters.coalesced = frozenset({"messages_sent", "lessons_delivered"})  # added up first
        catalogue = Catalogue(courses, store.versions)
        await catalogue.refresh()  # the versions published so far
        journey = Journey(store, catalogue, clock, settings.default_timezone, counters)
        senders: dict[Channel, Sender] = {}
        deliveries = Deliveries(journey, senders, lock_seconds=settings.lease_seconds)
        coach = Coach(
            journey,
            on_danger=lambda found: count_danger(journey, found),
            closing=deliveries.closing_items,
            retention_days=settings.retention_days or None,
        )
        staff = Staff(
            deliveries,
            Roles(store, settings.operators, settings.trainers),
            preview_day_seconds=settings.preview_day_seconds,
        )
        staff.ops.max_lag = settings.ready_max_lag_seconds
        # Questions to a coach reach the trainers through the staff's inbox.
        staff.inbox.hours = settings.hours()
        coach.ctx = replace(coach.ctx, desk=staff.inbox)
        deliveries.coaches = staff.inbox.available
        store.blank_copies_with(staff.inbox.blank)
        # Broadcasts keep their chats' queues filled at the pace the platform allows them.
        staff.broadcasts.budget = (
            settings.telegram_paid_per_second
            if settings.telegram_paid_broadcast
            else settings.bulk_per_second
        )
        watch = Watch(
            journey, staff.ops, settings.operators, senders, settings.operator_digest_time
        )
        deliveries.jobs[watch.member] = watch.run
        retention = Retention(journey, settings.retention_days)
        deliveries.jobs[retention.member] = retention.run
        try:
            yield Engine(
                settings=settings, store=store, courses=catalogue, clock=clock, journey=journey,
                deliveries=deliveries, coach=coach, staff=staff, watch=watch, retention=retention,
                conversation=Conversation(coach, deliveries, staff),
                dispatcher=Dispatcher(store.due, clock, deliveries.on_due,
                                      concurrency=settings.worker_concurrency,
                                      lease_seconds=settings.lease_seconds),
                senders=senders,
            )  # fmt: skip
        finally:
            await counters.close()
