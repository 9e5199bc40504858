"""Counters, gauges and heartbeats live in Redis: every process adds to and reads the same ones."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis.asyncio as aioredis

from bot.core.counters import COUNTER_NAMES, Counters, failure
from bot.ops.gauges import read_gauges, scheduler_lag
from bot.ops.workers import druppel_version, heartbeat, retire, workers
from scheduler.clock import FixedClock
from storage.keys import Keys
from storage.store import Store, connect_redis

NOON = datetime(2031, 6, 2, 12, 30, tzinfo=UTC)


@pytest.mark.quiet  # 61 writes at once, each given 1 s (ADD_TIMEOUT): not on a busy machine
async def test_counts_from_two_clients_add_up(store: Store, redis_url: str) -> None:
    other = await connect_redis(redis_url)
    try:
        mine, theirs = Counters(store), Counters(other, store.keys)
        await asyncio.gather(
            *(mine.add("messages_sent", at=NOON) for _ in range(30)),
            *(theirs.add("messages_sent", 2, at=NOON) for _ in range(30)),
            theirs.add("signups", at=NOON),
        )
        for reader in (mine, theirs):
            totals = await reader.totals()
            assert totals["messages_sent"] == 90
            assert totals["signups"] == 1
    finally:
        await other.aclose()


async def test_a_busy_counter_is_added_up_and_written_within_its_delay(store: Store) -> None:
    counters = Counters(store)
    counters.coalesced = frozenset({"messages_sent"})
    counters.coalesce = 0.05
    for _ in range(40):
        await counters.add("messages_sent", at=NOON)
    await counters.add("signups", at=NOON)  # not coalesced: written at once
    assert (await counters.totals())["signups"] == 1
    await asyncio.sleep(0.2)
    assert (await counters.totals())["messages_sent"] == 40
    assert (await counters.window(1, NOON))["messages_sent"] == 40
    await counters.add("messages_sent", 2, at=NOON)
    await counters.close()  # a process on its way out writes what is pending
    assert (await counters.totals())["messages_sent"] == 42


@pytest.mark.parametrize("turns", [0, 1, 2, 3, 5, 8])
async def test_closing_at_any_moment_of_a_write_loses_no_count(store: Store, turns: int) -> None:
    """A process on its way out while its counts are waiting, or being written: `close` writes
    what waits, whatever the moment it comes (before the flusher wakes, or a few turns of the
    event loop later, while the first three are being written)."""
    counters = Counters(store)
    counters.coalesced = frozenset({"messages_sent"})
    counters.coalesce = 0
    await counters.add("messages_sent", 3, at=NOON)
    for _ in range(turns):
        await asyncio.sleep(0)
    await counters.add("messages_sent", 2, at=NOON)  # perhaps while the first three are written
    await counters.close()
    assert (await Counters(store).totals())["messages_sent"] == 5


async def test_totals_name_every_counter_even_when_never_counted(store: Store) -> None:
    assert await Counters(store).totals() == dict.fromkeys(COUNTER_NAMES, 0)


async def test_a_window_sums_the_hours_inside_it_and_no_others(store: Store) -> None:
    counters = Counters(store)
    await counters.add("lessons_delivered", 1, at=NOON - timedelta(hours=3))
    await counters.add("lessons_delivered", 10, at=NOON - timedelta(hours=1))
    await counters.add("lessons_delivered", 100, at=NOON.replace(minute=0))
    await counters.add("lessons_delivered", 1000, at=NOON.replace(minute=59, second=59))
    await counters.add("lessons_delivered", 10000, at=NOON + timedelta(hours=1))

    assert (await counters.window(1, NOON))["lessons_delivered"] == 1100
    assert (await counters.window(2, NOON))["lessons_delivered"] == 1110
    assert (await counters.window(4, NOON))["lessons_delivered"] == 1111
    assert (await counters.totals())["lessons_delivered"] == 11111


async def test_hours_are_utc_hours_whatever_the_zone_of_the_instant(store: Store) -> None:
    counters = Counters(store)
    half_past_two_in_amsterdam = datetime(2031, 6, 2, 14, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
    await counters.add("checkins_received", at=half_past_two_in_amsterdam)
    assert (await counters.window(1, NOON))["checkins_received"] == 1


async def test_an_hour_bucket_is_kept_about_eight_days(
    store: Store, redis_client: aioredis.Redis, keys: Keys
) -> None:
    await Counters(store).add("completions", at=NOON)
    ttl = await redis_client.ttl(keys.stats_hour("2031060212"))
    assert timedelta(days=7) < timedelta(seconds=ttl) <= timedelta(days=8)
    assert await redis_client.ttl(keys.stats_total()) == -1  # totals never expire


async def test_a_window_without_buckets_is_refused(store: Store) -> None:
    counters = Counters(store)
    with pytest.raises(ValueError, match="1 to 192 hours"):
        await counters.window(0, NOON)
    with pytest.raises(ValueError, match="1 to 192 hours"):
        await counters.window(24 * 9, NOON)


async def test_an_unknown_counter_name_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="unknown counter 'lesson_sent'"):
        await Counters(store).add("lesson_sent", at=NOON)  # type: ignore[arg-type]


def test_each_failure_kind_has_its_counter() -> None:
    assert [failure(k) for k in ("transient", "rate_limited", "gone", "rejected", "parked")] == [
        "failures_transient", "failures_rate_limited", "failures_gone", "failures_rejected",
        "failures_parked",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="unknown failure kind 'lost'"):
        failure("lost")


async def test_counting_against_an_unreachable_redis_never_raises_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    dead = aioredis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        counters = Counters(dead, Keys("nowhere"))
        with caplog.at_level(logging.WARNING, logger="bot.core.counters"):
            for _ in range(5):
                await counters.add("messages_sent")
    finally:
        await dead.aclose()
    warnings = [r for r in caplog.records if r.name == "bot.core.counters"]
    assert len(warnings) == 1
    assert "could not count messages_sent" in warnings[0].getMessage()


# -- gauges -----------------------------------------------------------------------------------


async def test_scheduler_lag_is_how_late_the_oldest_due_member_is_in_real_seconds(
    store: Store,
) -> None:
    clock = FixedClock(NOON)
    assert await scheduler_lag(store, clock) == 0.0
    await store.due.schedule("a/twijfel", NOON + timedelta(minutes=5))  # not due yet
    assert await scheduler_lag(store, clock) == 0.0
    await store.due.schedule("b/twijfel", NOON - timedelta(seconds=30))
    await store.due.schedule("c/twijfel", NOON - timedelta(seconds=90))
    assert await scheduler_lag(store, clock) == pytest.approx(90.0)
    # With the course clock ten times as fast, 90 course seconds late is 9 real seconds late.
    assert await scheduler_lag(store, FixedClock(NOON, speed=10)) == pytest.approx(9.0)


async def test_gauges_count_due_members_leases_and_participants(store: Store) -> None:
    clock = FixedClock(NOON)
    for name in ("a", "b", "c"):
        await store.due.schedule(f"{name}/twijfel", NOON - timedelta(seconds=1))
    await store.due.claim(NOON, 1, lease_seconds=15, token="w1")
    gauges = await read_gauges(store, clock)
    assert (gauges.due, gauges.leased, gauges.participants) == (2, 1, 0)


# -- heartbeats -------------------------------------------------------------------------------


async def test_heartbeats_show_each_worker_once_with_its_latest_beat(store: Store) -> None:
    await heartbeat(store, "worker", "host:worker:1", NOON)
    await heartbeat(store, "run", "host:run:2", NOON)
    await heartbeat(store, "worker", "host:worker:1", NOON + timedelta(seconds=10))
    beats = await workers(store)
    assert [(b.id, b.role, b.at) for b in beats] == [
        ("host:run:2", "run", NOON),
        ("host:worker:1", "worker", NOON + timedelta(seconds=10)),
    ]
    assert {b.version for b in beats} == {druppel_version()}


async def test_a_retired_worker_leaves_and_a_long_silent_one_is_forgotten(store: Store) -> None:
    await heartbeat(store, "worker", "stopped", NOON)
    await heartbeat(store, "worker", "died", NOON - timedelta(days=2))
    await heartbeat(store, "worker", "alive", NOON)
    await retire(store, "stopped")
    assert [b.id for b in await workers(store, NOON)] == ["alive"]
    assert [b.id for b in await workers(store)] == ["alive"]  # "died" is gone for good
