"""How the system stands right now, read from Redis when asked (a scrape, /health, /readyz).

Unlike counters these are not kept anywhere: each is one cheap read of state that exists anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.clock import Clock
from storage.store import Store


async def due_size(store: Store) -> int:
    """Members in the due index: every active enrollment, and chats whose queue needs a look."""
    return await store.due.size()


async def leases_in_flight(store: Store) -> int:
    """Members some worker has claimed and not finished yet."""
    return await store.due.leased()


async def participants(store: Store) -> int:
    return await store.participants.count()


async def scheduler_lag(store: Store, clock: Clock) -> float:
    """Real seconds the longest-waiting due member is late; 0 when nothing waits.

    Workers claim what is due about once a second, so this stays near the tick while they keep
    up; it grows when none runs, or when they cannot keep pace.
    """
    now = clock.now()
    oldest = await store.due.due_before(now, 1)
    if not oldest:
        return 0.0
    return max(0.0, clock.to_real_seconds((now - oldest[0].due_at).total_seconds()))


@dataclass(frozen=True, slots=True)
class Gauges:
    due: int
    leased: int
    lag_seconds: float
    participants: int


async def read_gauges(store: Store, clock: Clock) -> Gauges:
    return Gauges(
        due=await due_size(store),
        leased=await leases_in_flight(store),
        lag_seconds=await scheduler_lag(store, clock),
        participants=await participants(store),
    )
