"""The APScheduler wrapper ticks on its own and lets the tick in hand finish when stopping."""

from __future__ import annotations

import asyncio

from scheduler.jobs import TickJob


async def test_ticks_repeat_and_a_failing_tick_does_not_stop_them() -> None:
    calls = 0

    async def tick() -> int:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("one bad tick")
        return 0

    job = TickJob(tick, every=0.01)
    job.start()
    for _ in range(200):
        if calls >= 4:
            break
        await asyncio.sleep(0.01)
    assert await job.stop(grace=1)
    assert calls >= 4


async def test_stop_waits_for_the_running_tick() -> None:
    started, finished = asyncio.Event(), asyncio.Event()

    async def slow_tick() -> int:
        started.set()
        await asyncio.sleep(0.2)
        finished.set()
        return 1

    job = TickJob(slow_tick, every=10)
    job.start()
    await asyncio.wait_for(started.wait(), timeout=5)
    assert await job.stop(grace=5) is True
    assert finished.is_set()
