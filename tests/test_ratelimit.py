"""Pacing is shared through Redis: every worker together stays under the limits."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis.asyncio as aioredis

from scheduler.ratelimit import Rate, RateLimiter, Throttled
from storage.keys import Keys
from storage.models import Lane
from storage.store import connect_redis


def _limiter(client: aioredis.Redis, keys: Keys, overall: Rate, per_chat: Rate) -> RateLimiter:
    return RateLimiter(client, keys, "telegram", overall, per_chat)


async def test_a_chat_gets_its_burst_then_waits_about_one_interval(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    limiter = _limiter(redis_client, keys, Rate(100, 100), Rate(2, 3))
    assert [await limiter.try_acquire("42") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = await limiter.try_acquire("42")
    assert 0.3 < wait <= 0.5
    assert await limiter.try_acquire("43") == 0.0  # another chat has its own budget


async def test_the_overall_rate_binds_across_chats_and_across_connections(
    redis_url: str, redis_client: aioredis.Redis, keys: Keys
) -> None:
    other = await connect_redis(redis_url)
    try:
        # Two a second: the burst is spent long before the next slot, however slow the machine.
        first = _limiter(redis_client, keys, Rate(2, 5), Rate(100, 100))
        second = _limiter(other, keys, Rate(2, 5), Rate(100, 100))
        granted = [await (first if i % 2 else second).try_acquire(str(i)) for i in range(8)]
    finally:
        await other.aclose()
    assert granted[:5] == [0.0] * 5
    assert all(w > 0 for w in granted[5:])


async def test_two_workers_sending_flat_out_stay_under_the_overall_rate(
    redis_url: str, redis_client: aioredis.Redis, keys: Keys
) -> None:
    sent: list[float] = []
    other = await connect_redis(redis_url)

    async def worker(limiter: RateLimiter, chats: range) -> None:
        for chat in chats:
            await limiter.acquire(str(chat), max_wait=5)
            sent.append(time.monotonic())

    try:
        rate = Rate(50, 5)
        await asyncio.gather(
            worker(_limiter(redis_client, keys, rate, Rate(100, 100)), range(0, 30)),
            worker(_limiter(other, keys, rate, Rate(100, 100)), range(30, 60)),
        )
    finally:
        await other.aclose()
    elapsed = max(sent) - min(sent)
    # 60 messages at 50/s with a burst of 5: at least (60 - 5) / 50 = 1.1 s, not much more.
    assert 1.0 <= elapsed < 3.0, elapsed


async def test_a_long_wait_is_handed_back_instead_of_slept(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    limiter = _limiter(redis_client, keys, Rate(100, 100), Rate(0.1, 1))
    await limiter.acquire("7", max_wait=1)
    with pytest.raises(Throttled) as caught:
        await limiter.acquire("7", max_wait=1)
    assert 9 < caught.value.retry_after <= 10


async def test_a_platform_pause_heard_by_one_worker_stops_every_worker(
    redis_url: str, redis_client: aioredis.Redis, keys: Keys
) -> None:
    other = await connect_redis(redis_url)
    try:
        heard = _limiter(redis_client, keys, Rate(100, 100), Rate(100, 100))
        elsewhere = _limiter(other, keys, Rate(100, 100), Rate(100, 100))
        assert await elsewhere.try_acquire("1") == 0.0
        await heard.pause(3)
        wait = await elsewhere.try_acquire("2", Lane.LESSON)
        assert 2.5 < wait <= 3.0
        assert 2.5 < await elsewhere.try_acquire("3", Lane.REPLY) <= 3.0  # replies wait too
        await heard.pause(1)  # a shorter pause never shortens the one in force
        assert await elsewhere.try_acquire("4") > 2.0
    finally:
        await other.aclose()


async def test_replies_find_room_when_lessons_have_used_the_bulk_budget(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    limiter = RateLimiter(
        redis_client, keys, "telegram", Rate(10, 10), Rate(100, 100), bulk=Rate(2, 2)
    )
    lessons = [await limiter.try_acquire(str(chat), Lane.LESSON) for chat in range(3)]
    assert lessons[:2] == [0.0, 0.0]
    assert lessons[2] > 0  # the bulk budget is spent...
    assert await limiter.try_acquire("99", Lane.REPLY) == 0.0  # ...but a reply goes at once


async def test_lessons_leave_the_last_slots_of_the_burst_to_replies(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    # One a second with a burst of five: lessons get three at once, a reply still goes twice.
    limiter = _limiter(redis_client, keys, Rate(1, 5), Rate(100, 100))
    lessons = [await limiter.try_acquire(str(i), Lane.LESSON) for i in range(4)]
    assert lessons[:3] == [0.0, 0.0, 0.0]
    assert lessons[3] > 0
    assert [await limiter.try_acquire(f"r{i}") for i in range(2)] == [0.0, 0.0]
    assert await limiter.try_acquire("r3") > 0


async def test_a_lesson_never_sleeps_on_its_own_chats_pace_and_says_when_the_budget_binds(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    from scheduler.ratelimit import at_budget

    limiter = _limiter(redis_client, keys, Rate(20, 1), Rate(1, 1))
    await limiter.acquire("42", max_wait=5, lane=Lane.LESSON)
    started = time.monotonic()
    with pytest.raises(Throttled) as caught:  # the chat's next slot is a second away
        await limiter.acquire("42", max_wait=5, lane=Lane.LESSON)
    assert time.monotonic() - started < 0.2
    assert 0.5 < caught.value.retry_after <= 1.0
    at_budget.set(False)
    await limiter.acquire("43", max_wait=5, lane=Lane.LESSON)  # waits ~50 ms for the bot's pace
    assert at_budget.get()


async def test_waiting_lessons_of_one_process_go_in_the_order_they_came(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    limiter = _limiter(redis_client, keys, Rate(40, 1), Rate(100, 100))
    order: list[int] = []

    async def one(n: int) -> None:
        await asyncio.sleep(n * 0.002)  # they arrive in this order
        await limiter.acquire(str(n), max_wait=5, lane=Lane.BROADCAST)
        order.append(n)

    await asyncio.gather(*(one(n) for n in range(12)))
    assert order == list(range(12))
