"""A member held past its lease by a slow handler, while a second worker keeps asking for it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

from scheduler.clock import RealClock
from scheduler.dispatcher import Dispatcher
from storage.crypto import TextCipher
from storage.keys import Keys
from storage.store import Store, connect_redis
from tests.journey_kit import TEST_KEY

Handler = Callable[[str], Awaitable[datetime | None]]


async def held_against_a_rival(
    redis_url: str, keys: Keys, store: Store, handler: Handler, *, concurrency: int = 32
) -> Dispatcher:
    """Runs the due members with `handler` under leases of 0.6 s (a heartbeat a fifth of a
    second late on a busy machine is no loss) while a rival worker on a connection of its own
    asks every 0.1 s for 1.6 s and is never given one; the holder, settled."""
    clock = RealClock()
    other = await connect_redis(redis_url)
    try:
        holder = Dispatcher(store.due, clock, handler, lease_seconds=0.6, concurrency=concurrency)
        rival = Dispatcher(
            Store(other, keys, TextCipher([TEST_KEY])).due, clock, handler, lease_seconds=0.6
        )
        await holder.pulse()
        for _ in range(16):
            await asyncio.sleep(0.1)
            assert await rival.pulse() == 0
        await holder.settle()
    finally:
        await other.aclose()
    return holder
