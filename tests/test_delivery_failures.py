"""When Telegram has a bad moment, each kind of failure gets its own answer.

Real python-telegram-bot sends to the fake Bot API over HTTP; the fake fails the way Telegram
does (a 500 envelope, the proxy's 502 page, a dropped connection, an answer slower than the read
timeout, "user is deactivated", 429 with retry_after), and the lesson still arrives in full and
in order, or the participant's course stops with their data kept.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.channels.telegram import connections
from bot.channels.telegram.adapter import TelegramChannel
from bot.channels.telegram.rates import chat_rate
from bot.core.messages import Incoming
from bot.delivery.journey import Journey
from bot.delivery.owed import Deliveries
from courses.loader import load_course_dir
from courses.render import render_day
from scheduler.clock import FixedClock
from scheduler.dispatcher import Dispatcher
from scheduler.ratelimit import Rate, RateLimiter
from storage.crypto import TextCipher
from storage.keys import Keys, chat_member, enrollment_member
from storage.models import Channel, Enrollment, EnrollmentStatus
from storage.store import Store, connect_redis
from tests.fakes.telegram_api import FakeTelegram
from tests.journey_kit import TEST_KEY

COURSES = load_course_dir(Path(__file__).resolve().parent.parent / "courses")
DAY1 = render_day(COURSES["twijfel"], 1)
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
TOKEN = "5550003:failures"


class NoConversation:
    async def answer(self, event: Incoming, kept: Callable[[], None] | None = None) -> None:
        return None


@dataclass
class Worker:
    store: Store
    deliveries: Deliveries
    dispatcher: Dispatcher
    channel: TelegramChannel


@asynccontextmanager
async def worker(client: aioredis.Redis, keys: Keys, clock: FixedClock, tg: FakeTelegram):  # type: ignore[no-untyped-def]
    store = Store(client, keys, TextCipher([TEST_KEY]))
    limiter = RateLimiter(client, keys, "telegram", Rate.steady(1000), chat_rate(100))
    channel = TelegramChannel(TOKEN, tg.root, NoConversation(), limiter=limiter)
    await channel.start_sending_only()
    deliveries = Deliveries(Journey(store, COURSES, clock, "Europe/Amsterdam"),
                            {Channel.TELEGRAM: channel})  # fmt: skip
    try:
        yield Worker(store, deliveries, Dispatcher(store.due, clock, deliveries.on_due), channel)
    finally:
        await channel.stop()


async def _due(store: Store, tg: FakeTelegram, chat: int) -> str:
    tg.user_sends(chat, "/start")  # Telegram only knows chats that started the bot
    p, _ = await store.participants.get_or_create(Channel.TELEGRAM, str(chat), now=NOW)
    await store.enrollments.save(
        Enrollment(participant_id=p.id, course_id="twijfel", started_at=NOW, next_due=NOW)
    )
    await store.due.schedule(enrollment_member(p.id, "twijfel"), NOW)
    return p.id


def _lesson_texts(tg: FakeTelegram, chat: int) -> list[str]:
    return [m.raw_text for m in tg.messages_to(chat) if not m.is_edit]


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN) as fake:
        yield fake


@pytest.mark.parametrize("kind", ["500", "502", "drop"])
async def test_a_transient_failure_backs_off_then_the_lesson_arrives_whole_and_once(
    kind: str, tg: FakeTelegram, redis_client: aioredis.Redis, keys: Keys
) -> None:
    clock = FixedClock(NOW)
    async with worker(redis_client, keys, clock, tg) as w:
        pid = await _due(w.store, tg, 501)
        tg.fail_next(kind, chat_id=501)
        await w.dispatcher.tick()
        assert tg.messages_to(501) == []
        retry = await w.store.due.due_at(chat_member(pid))
        assert retry is not None
        assert NOW + timedelta(seconds=1) <= retry <= NOW + timedelta(seconds=2)
        clock.set(retry)
        await w.dispatcher.tick()
        assert len(_lesson_texts(tg, 501)) == len(DAY1)
        assert tg.messages_to(501)[0].text.startswith("Dag 1 van 9")
        assert w.deliveries.drainer.stats.transient == 1
        [failure] = await w.store.failures.recent()
        assert (failure.kind, failure.message_kind) == ("transient", "day")
        assert failure.participant == pid
        assert failure.cause  # the platform's reason, for operators' /errors


async def test_an_answer_slower_than_the_read_timeout_is_retried_and_at_most_repeated_once(
    tg: FakeTelegram, redis_client: aioredis.Redis, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connections, "READ_TIMEOUT", 0.3)
    clock = FixedClock(NOW)
    async with worker(redis_client, keys, clock, tg) as w:
        pid = await _due(w.store, tg, 502)
        tg.fail_next("slow", chat_id=502, delay=1.0)
        await w.dispatcher.tick()
        retry = await w.store.due.due_at(chat_member(pid))
        assert retry is not None
        clock.set(retry)
        await w.dispatcher.tick()
    texts = _lesson_texts(tg, 502)
    # Telegram did deliver the first part before its answer timed out: that one message may
    # come twice (at least once, in order); nothing else repeats and nothing is missing.
    assert texts[0] == texts[1]
    assert len(texts) == len(DAY1) + 1


async def test_a_deactivated_user_stops_the_course_and_keeps_the_data(
    tg: FakeTelegram, redis_client: aioredis.Redis, keys: Keys
) -> None:
    clock = FixedClock(NOW)
    async with worker(redis_client, keys, clock, tg) as w:
        pid = await _due(w.store, tg, 503)
        tg.fail_next("deactivated", chat_id=503)
        await w.dispatcher.tick()
        enrollment = await w.store.enrollments.get(pid, "twijfel")
        assert enrollment is not None
        assert enrollment.status is EnrollmentStatus.STOPPED
        assert enrollment.end_reason == "unreachable"
        assert await w.store.participants.get(pid) is not None  # the data stays
        assert await w.store.queue.size(pid) == 0
        clock.advance(timedelta(days=2))
        await w.dispatcher.tick()
    assert tg.messages_to(503) == []


async def test_a_429_seen_by_one_worker_pauses_the_other(
    tg: FakeTelegram, redis_url: str, redis_client: aioredis.Redis, keys: Keys
) -> None:
    clock = FixedClock(NOW)
    other = await connect_redis(redis_url)
    try:
        async with (
            worker(redis_client, keys, clock, tg) as first,
            worker(other, keys, clock, tg) as second,
        ):
            await _due(first.store, tg, 601)
            tg.force_flood(1, retry_after=2, chat_id=601)
            await first.dispatcher.tick()  # Telegram says: wait two seconds
            flooded_at = time.monotonic()
            await _due(second.store, tg, 602)
            await second.dispatcher.tick()  # the other worker waits out the same two seconds
            while time.monotonic() - flooded_at < 3:
                clock.set(NOW + timedelta(seconds=time.monotonic() - flooded_at))
                await second.dispatcher.tick()
                await first.dispatcher.tick()
    finally:
        await other.aclose()
    first_send = min(m.at for m in tg.sent if m.chat_id == 602)
    assert first_send - flooded_at >= 1.8
    assert tg.flood_count == 1
    for chat in (601, 602):
        assert len(_lesson_texts(tg, chat)) == len(DAY1)
