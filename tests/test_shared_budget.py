"""The budget every chat shares, reserved by each process a batch at a time: together the
processes still never send faster than the bot may, replies keep their room, and a 429 stops
what a process holds."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis.asyncio as aioredis

from scheduler.ratelimit import Rate, RateLimiter, Throttled
from storage.keys import Keys
from storage.models import Lane
from storage.store import connect_redis


def _limiter(client: aioredis.Redis, keys: Keys, overall: Rate) -> RateLimiter:
    return RateLimiter(client, keys, "telegram", overall, Rate(100, 100))


async def _lesson(limiter: RateLimiter, max_wait: float = 5.0) -> None:
    """A lesson's message whose chat's turn its queue already took: the shared budget only."""
    await limiter.acquire("any", max_wait, Lane.LESSON, chat=False)


async def test_two_workers_spending_reserved_slots_never_exceed_the_bots_rate(
    redis_url: str, redis_client: aioredis.Redis, keys: Keys
) -> None:
    rate = Rate(50, 10)
    other = await connect_redis(redis_url)
    sent: list[float] = []

    async def worker(limiter: RateLimiter) -> None:
        async def handler() -> None:  # a worker's handlers send side by side
            for _ in range(10):
                await _lesson(limiter)
                sent.append(time.monotonic())

        await asyncio.gather(*(handler() for _ in range(8)))

    try:
        await asyncio.gather(
            worker(_limiter(redis_client, keys, rate)), worker(_limiter(other, keys, rate))
        )
    finally:
        await other.aclose()
    sent.sort()
    assert len(sent) == 160
    # 160 messages at 50 a second with a burst of 10: at least 3 s, and not much more.
    assert 2.9 <= sent[-1] - sent[0] < 6.0, sent[-1] - sent[0]
    # No second holds more than a second's worth and the burst (a little for the clock).
    busiest = max(sum(1 for t in sent[i:] if t < start + 1.0) for i, start in enumerate(sent))
    assert busiest <= 50 + 10 + 2, busiest


async def test_lessons_leave_the_last_slots_of_the_burst_to_replies(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    # One a second with a burst of five: lessons stop short of the last two slots (and of a
    # slot they reserve ahead), while two replies still go at once.
    limiter = _limiter(redis_client, keys, Rate(1, 5))
    lessons = 0
    while lessons < 5:
        try:
            await _lesson(limiter, max_wait=0.1)
        except Throttled:
            break
        lessons += 1
    assert 1 <= lessons <= 3
    started = time.monotonic()
    for _ in range(2):
        await limiter.acquire("r", 0.1, Lane.REPLY, chat=False)
    assert time.monotonic() - started < 0.1


async def test_a_429_heard_by_a_worker_stops_the_slots_it_holds(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    limiter = _limiter(redis_client, keys, Rate(100, 100))
    for _ in range(10):  # sending fast, it reserves ahead: the next would go at once
        await _lesson(limiter)
    await limiter.pause(1.5)
    started = time.monotonic()
    await _lesson(limiter)
    assert time.monotonic() - started > 1.2


async def test_a_slot_further_off_than_the_wait_allowed_is_handed_back_as_throttled(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    limiter = _limiter(redis_client, keys, Rate(0.5, 1))
    await _lesson(limiter)
    with pytest.raises(Throttled) as caught:
        await _lesson(limiter, max_wait=1)
    assert 1.5 < caught.value.retry_after <= 2.0
