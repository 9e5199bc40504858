"""At broadcast scale druppel paces itself: Telegram never has to say 429.

Forty participants are due at the same moment and two workers send to a fake Bot API that
enforces Telegram's limits (about 30 messages a second per bot, about one a second per chat
after a burst of three). Everyone gets their lesson exactly once, no request is refused, and
the wait is shared: everyone's first message goes before anyone's third.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.channels.telegram.adapter import TelegramChannel
from bot.channels.telegram.rates import chat_rate
from bot.core.messages import Incoming
from bot.delivery.journey import Journey
from bot.delivery.owed import Deliveries
from courses.loader import load_course_dir
from scheduler.clock import FixedClock
from scheduler.dispatcher import Dispatcher
from scheduler.ratelimit import Rate, RateLimiter
from storage.crypto import TextCipher
from storage.keys import Keys, enrollment_member
from storage.models import Channel, Enrollment
from storage.store import Store, connect_redis
from tests.fakes.telegram_api import FakeTelegram
from tests.journey_kit import TEST_KEY

COURSES = load_course_dir(Path(__file__).resolve().parent.parent / "courses")
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
TOKEN = "5550002:pacing"
PEOPLE = 40


class NoConversation:
    async def answer(self, event: Incoming, kept: Callable[[], None] | None = None) -> None:
        return None


async def _worker(
    client: aioredis.Redis, keys: Keys, clock: FixedClock, tg: FakeTelegram
) -> tuple[Dispatcher, TelegramChannel]:
    store = Store(client, keys, TextCipher([TEST_KEY]))
    limiter = RateLimiter(client, keys, "telegram", Rate.steady(25), chat_rate(3))
    channel = TelegramChannel(TOKEN, tg.root, NoConversation(), limiter=limiter)
    await channel.start_sending_only()
    deliveries = Deliveries(Journey(store, COURSES, clock, "Europe/Amsterdam"),
                            {Channel.TELEGRAM: channel})  # fmt: skip
    # Fewer slots than participants, as at a real 07:00: who goes next is the due index's call.
    return Dispatcher(store.due, clock, deliveries.on_due, batch=20, concurrency=8), channel


@pytest.mark.quiet  # the order of first and later messages is timed: not beside other tests
async def test_forty_lessons_due_at_once_go_out_without_a_single_429(
    redis_url: str, keys: Keys, store: Store
) -> None:
    async with FakeTelegram(TOKEN, rate_limits=True) as tg:
        for chat in range(PEOPLE):
            tg.user_sends(9000 + chat, "/start")  # Telegram only knows chats that started
            p, _ = await store.participants.get_or_create(Channel.TELEGRAM, str(9000 + chat),
                                                          now=NOW)  # fmt: skip
            await store.enrollments.save(Enrollment(participant_id=p.id, course_id="twijfel",
                                                    started_at=NOW, next_due=NOW))  # fmt: skip
            await store.due.schedule(enrollment_member(p.id, "twijfel"), NOW)
        clock = FixedClock(NOW)
        clients = [await connect_redis(redis_url) for _ in range(2)]
        workers = [await _worker(c, keys, clock, tg) for c in clients]
        started = time.monotonic()
        try:
            per_day = len(COURSES["twijfel"].day(1).lesson) + 1
            while len(tg.sent) < PEOPLE * per_day and time.monotonic() - started < 40:
                # course time follows real time, so lessons handed back for later come due
                clock.set(NOW + timedelta(seconds=time.monotonic() - started))
                await asyncio.gather(*(d.tick() for d, _ in workers))
                await asyncio.sleep(0.05)
            elapsed = time.monotonic() - started
        finally:
            for _, channel in workers:
                await channel.stop()
            for client in clients:
                await client.aclose()

        assert tg.flood_count == 0, f"Telegram refused {tg.flood_count} sends"
        headings = Counter(m.chat_id for m in tg.sent if m.text.startswith("Dag 1 van 9"))
        assert len(headings) == PEOPLE
        assert set(headings.values()) == {1}
        assert len(tg.sent) == PEOPLE * per_day
        # 200 messages at 25 a second take about 8 seconds; flat out they would take one.
        assert elapsed >= (len(tg.sent) - 5) / 25 * 0.9
        # At the limit the wait is shared fairly: everyone's first message before anyone's third.
        # (A chat may get ahead in the first moments, while the others are still being claimed
        # and the budget does not bind yet: 0 to 5 thirds in runs on a quiet or a busy machine.
        # Sending each chat's lesson whole, 32 thirds did; a fifth of the chats is the line.)
        nth: Counter[int] = Counter()
        order = []
        for m in tg.sent:
            nth[m.chat_id] += 1
            order.append(nth[m.chat_id])
        last_first = max(i for i, n in enumerate(order) if n == 1)
        thirds = order[:last_first].count(3)
        assert thirds <= PEOPLE // 5, f"{thirds} thirds came before the last first message"
