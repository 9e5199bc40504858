"""Putting druppel together: courses, storage, clock, coach and dispatcher, for any front end.

`druppel run`, `druppel worker`, the demo and the tests all build the engine here, so they run
the same code path; only the channels and the clock's speed differ.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from bot.coach import Coach
from bot.delivery import Deliveries, Sender
from bot.journey import Journey
from bot.settings import Settings
from courses.loader import load_course_dir
from courses.models import Course
from scheduler.clock import Clock, RealClock, make_clock
from scheduler.dispatcher import Dispatcher
from scheduler.jobs import TickJob
from storage.models import Channel
from storage.records import text
from storage.store import Store, open_store


async def shared_clock(store: Store, speed: float) -> Clock:
    """The real clock, or a sped-up one whose anchor lives in Redis: every process sharing the
    store sees the same course time, and a restarted process carries on where it was."""
    if speed == 1:
        return make_clock(speed, None)
    key = store.keys.clock_anchor()
    await store.redis.set(key, RealClock().now().isoformat(), nx=True)
    raw = await store.redis.get(key)
    if raw is None:
        raise RuntimeError(f"the clock anchor {key} vanished right after it was set")
    anchor = datetime.fromisoformat(text(raw))
    return make_clock(speed, anchor)


@dataclass
class Engine:
    settings: Settings
    store: Store
    courses: dict[str, Course]
    clock: Clock
    journey: Journey
    deliveries: Deliveries
    coach: Coach
    dispatcher: Dispatcher
    senders: dict[Channel, Sender] = field(default_factory=dict)

    def tick_job(self) -> TickJob:
        return TickJob(self.dispatcher.tick, every=self.settings.tick_seconds)


@asynccontextmanager
async def engine(settings: Settings, clock: Clock | None = None) -> AsyncIterator[Engine]:
    """The whole engine on its storage. Add channels to `senders` before anything is due."""
    courses = load_course_dir(settings.courses_dir)
    async with open_store(settings.redis_url, settings.data_dir, settings.key_prefix) as store:
        clock = clock or await shared_clock(store, settings.clock_speed)
        journey = Journey(store, courses, clock, settings.default_timezone)
        senders: dict[Channel, Sender] = {}
        deliveries = Deliveries(journey, senders)
        yield Engine(
            settings=settings, store=store, courses=courses, clock=clock, journey=journey,
            deliveries=deliveries, coach=Coach(journey, deliveries),
            dispatcher=Dispatcher(store.due, clock, deliveries.on_due,
                                  lease_seconds=settings.lease_seconds),
            senders=senders,
        )  # fmt: skip
