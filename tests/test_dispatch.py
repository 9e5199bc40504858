"""Several workers on one Redis: every due lesson goes out exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.delivery import Deliveries
from bot.journey import Journey
from bot.messages import Outgoing
from courses.loader import load_course_dir
from scheduler.clock import FixedClock
from scheduler.dispatcher import Dispatcher
from storage.keys import Keys, enrollment_member
from storage.models import Channel, Enrollment
from storage.store import Store, connect_redis
from tests.journey_kit import RecordingChannel

COURSES = load_course_dir(Path(__file__).resolve().parent.parent / "courses")
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


async def _due_enrollments(store: Store, count: int) -> None:
    for i in range(count):
        p, _ = await store.participants.get_or_create(
            Channel.CONSOLE, str(i), now=NOW - timedelta(days=1), delivery_time=time(7, 0)
        )
        enrollment = Enrollment(participant_id=p.id, course_id="twijfel",
                                started_at=NOW - timedelta(days=1), next_due=NOW)  # fmt: skip
        await store.enrollments.save(enrollment)
        await store.due.schedule(enrollment_member(p.id, "twijfel"), NOW)


def _worker(
    client: aioredis.Redis, keys: Keys, clock: FixedClock, channel: RecordingChannel
) -> Dispatcher:
    store = Store(client, keys)  # one connection pool per worker, as in separate processes
    journey = Journey(store, COURSES, clock, "Europe/Amsterdam")
    deliveries = Deliveries(journey, {Channel.CONSOLE: channel})
    return Dispatcher(store.due, clock, deliveries.on_due, batch=50)


async def test_two_dispatchers_over_a_thousand_due_enrollments_send_each_lesson_once(
    redis_url: str, keys: Keys, store: Store
) -> None:
    await _due_enrollments(store, 1000)
    clock = FixedClock(NOW)
    channel = RecordingChannel()
    first, second = await connect_redis(redis_url), await connect_redis(redis_url)
    try:
        workers = [_worker(first, keys, clock, channel), _worker(second, keys, clock, channel)]
        handled = await asyncio.gather(*(w.tick() for w in workers))
    finally:
        await first.aclose()
        await second.aclose()
    assert sum(handled) == 1000
    assert all(n > 0 for n in handled), f"one worker did everything: {handled}"
    headings = Counter(chat for chat, m in channel.sent if m.heading)
    assert len(headings) == 1000
    assert set(headings.values()) == {1}
    per_day = len(COURSES["twijfel"].day(1).lesson) + 1  # lesson messages and the prompt
    assert len(channel.sent) == 1000 * per_day
    assert await store.due.leased() == 0
    assert await store.due.size() == 1000  # everyone is due again tomorrow


async def test_a_claim_whose_worker_died_is_delivered_once_by_another(
    redis_url: str, keys: Keys, store: Store
) -> None:
    await _due_enrollments(store, 3)
    clock = FixedClock(NOW)
    dead = await store.due.claim(NOW, limit=1, lease_seconds=120)  # then the worker vanished
    assert len(dead) == 1
    channel = RecordingChannel()
    survivor = _worker(store.redis, keys, clock, channel)
    assert await survivor.tick() == 2
    clock.advance(timedelta(seconds=121))
    assert await survivor.tick() == 1
    headings = Counter(chat for chat, m in channel.sent if m.heading)
    assert sorted(headings.values()) == [1, 1, 1]


async def test_a_handler_that_fails_is_retried_later_not_lost(keys: Keys, store: Store) -> None:
    await store.due.schedule("p1/twijfel", NOW)
    clock = FixedClock(NOW)
    calls: list[str] = []

    async def flaky(member: str) -> datetime | None:
        calls.append(member)
        if len(calls) == 1:
            raise RuntimeError("redis hiccup")
        return None

    dispatcher = Dispatcher(store.due, clock, flaky, retry_after_error=60)
    await dispatcher.tick()
    assert dispatcher.stats.failed == 1
    assert await store.due.due_at("p1/twijfel") == NOW + timedelta(seconds=60)
    clock.advance(timedelta(seconds=61))
    await dispatcher.tick()
    assert calls == ["p1/twijfel", "p1/twijfel"]
    assert await store.due.due_at("p1/twijfel") is None


class CrashingChannel(RecordingChannel):
    """Dies (like a killed process) on its first send, after the lesson was counted."""

    crashed: bool = False

    async def send(self, chat_id: str, message: Outgoing) -> None:
        if not self.crashed:
            self.crashed = True
            raise asyncio.CancelledError  # the task ends here, as in a SIGKILL mid-send
        await super().send(chat_id, message)


async def test_a_crash_after_counting_a_lesson_loses_nothing_and_repeats_nothing(
    keys: Keys, store: Store
) -> None:
    await _due_enrollments(store, 1)
    clock = FixedClock(NOW)
    channel = CrashingChannel()
    with pytest.raises(asyncio.CancelledError):
        await _worker(store.redis, keys, clock, channel).tick()
    [enrollment] = await store.enrollments.for_participant(
        (await store.participants.by_chat(Channel.CONSOLE, "0")).id  # type: ignore[union-attr]
    )
    assert enrollment.last_delivered_day == 1  # counted, and its messages wait in the outbox
    assert channel.sent == []

    restarted = _worker(store.redis, keys, clock, channel)
    assert await restarted.tick() == 0  # the dead worker's lease still holds
    clock.advance(timedelta(seconds=121))
    assert await restarted.tick() == 1
    day1 = COURSES["twijfel"].day(1)
    assert [m.text for _, m in channel.sent] == [*day1.lesson, day1.prompt]
