"""A handler that ends with its member due at once claims it again in the same step as it lets
go of it: the second run is its worker's as the first was."""

from __future__ import annotations

import asyncio
from datetime import datetime

from scheduler.clock import RealClock
from storage.keys import Keys
from storage.store import Store
from tests.rivals import held_against_a_rival


async def test_a_member_due_again_at_once_is_handled_again_under_a_lease_still_kept(
    redis_url: str, keys: Keys, store: Store
) -> None:
    """A handler that ends with its member due at once claims it again in the same step as it
    lets go of it: the second run is the worker's like the first, its lease kept."""
    clock = RealClock()
    await store.due.schedule("p1/twijfel", clock.now())
    calls: list[str] = []

    async def twice(member: str) -> datetime | None:
        calls.append(member)
        if len(calls) == 1:
            return clock.now()  # more to do at once (a chat with more queued, say)
        await asyncio.sleep(1.8)  # three leases long: only the heartbeat keeps it ours
        return None

    holder = await held_against_a_rival(redis_url, keys, store, twice, concurrency=1)
    assert calls == ["p1/twijfel", "p1/twijfel"]
    assert holder.stats.handled == 2
    assert await store.due.leased() == 0
