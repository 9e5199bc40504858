"""The lease runner's promises to its owner: settled or stopped, nothing of it is still at work.

The owner closes its Redis connection right after `settle` or `stop`; a claim or a hand-back
still in flight then would run on a closed client (redis-py's cluster client even opens itself
again, and is left open). The leases here are kept in memory: what is pinned is the runner's
own bookkeeping, not a store (the Redis-backed leases are in test_dispatch.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from scheduler.leases import LeaseRunner


@dataclass(frozen=True)
class _Claim:
    member: str


class _SlowLeases:
    """Members to claim, each claim and hand-back taking a while, as a round trip does."""

    def __init__(self, members: list[str], delay: float = 0.02) -> None:
        self.free = list(members)
        self.handed_back: list[str] = []
        self.delay = delay
        self.in_flight = 0

    async def claim(self, limit: int) -> Sequence[_Claim]:
        self.in_flight += 1
        try:
            await asyncio.sleep(self.delay)
            taken, self.free = self.free[:limit], self.free[limit:]
            return [_Claim(m) for m in taken]
        finally:
            self.in_flight -= 1

    async def extend(self, members: Sequence[str]) -> set[str]:
        return set()

    async def hand_back(self, claim: _Claim) -> None:
        self.in_flight += 1
        try:
            await asyncio.sleep(self.delay)
            self.handed_back.append(claim.member)
        finally:
            self.in_flight -= 1


async def test_settled_the_runner_has_done_what_its_freed_slots_claimed() -> None:
    leases = _SlowLeases([f"m{i}" for i in range(7)])
    done: list[str] = []

    async def work(claim: _Claim) -> None:
        await asyncio.sleep(0.005)
        done.append(claim.member)

    runner = LeaseRunner(leases, work, lease_seconds=10, concurrency=2)
    assert await runner.fill() == 2  # two slots; each that frees claims the next itself
    await runner.settle()
    assert sorted(done) == [f"m{i}" for i in range(7)]
    assert leases.in_flight == 0
    assert runner.running == 0


async def test_stopped_the_runner_has_handed_back_what_came_for_ending_work() -> None:
    leases = _SlowLeases(["a"])
    release = asyncio.Event()

    async def work(claim: _Claim) -> None:
        await release.wait()

    runner = LeaseRunner(leases, work, lease_seconds=10, concurrency=1)
    assert await runner.fill() == 1
    # "a" is due again while its work ends: the new claim waits for that work to end.
    await runner.adopt([_Claim("a")], 1)
    stopping = asyncio.create_task(runner.stop(grace=1))
    await asyncio.sleep(0)
    release.set()  # the work ends after the stop began: the second claim goes back
    await stopping
    assert leases.handed_back == ["a"]
    assert leases.in_flight == 0
