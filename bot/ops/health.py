"""How druppel is doing right now, for /health: Redis, the scheduler and the processes.

Every read is cheap (no per-participant scan), and all of them together are bounded by a
time-out, so a stuck Redis becomes a line in the answer rather than a hanging command.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from redis.exceptions import RedisError

from bot.core.counters import Counters
from bot.ops.gauges import due_size, leases_in_flight, scheduler_lag
from bot.ops.workers import druppel_version, workers
from scheduler.clock import Clock
from storage.health import ping
from storage.store import Store
from storage.workers import WorkerBeat

#: Real seconds all of /health's reads may take together.
TIMEOUT = 2.0
#: A process whose last heartbeat is older than this (real time) is silent: it beats every 10 s.
SILENT_AFTER = timedelta(seconds=60)
#: A PING slower than this (seconds) is worth an operator's attention.
SLOW_PING = 0.25
#: Due work waiting longer than this (real seconds) means no worker keeps up; as /readyz's
#: default limit.
MAX_LAG = 120.0


@dataclass(frozen=True, slots=True)
class Process:
    """A process as its last heartbeat shows it, and how long ago that came (real time)."""

    beat: WorkerBeat
    age: timedelta

    @property
    def silent(self) -> bool:
        return self.age > SILENT_AFTER


@dataclass(slots=True)
class Health:
    """What /health found. `redis_error` set means nothing else could be read."""

    version: str
    redis_seconds: float | None = None
    redis_error: str | None = None
    lag_seconds: float = 0.0
    due: int = 0
    leased: int = 0
    parked_last_day: int = 0
    processes: list[Process] = field(default_factory=list)


def _cause(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"geen antwoord binnen {TIMEOUT:g} s"
    first = str(exc).splitlines()[0] if str(exc) else ""
    return first or type(exc).__name__


async def check(store: Store, clock: Clock, real_now: datetime, counters: Counters) -> Health:
    """Read every figure; `clock` is the course clock (for the due index), `real_now` real time
    (heartbeats are real)."""
    health = Health(version=druppel_version())
    try:
        async with asyncio.timeout(TIMEOUT):
            started = time.perf_counter()
            await ping(store.redis)
            health.redis_seconds = time.perf_counter() - started
            health.lag_seconds = await scheduler_lag(store, clock)
            health.due = await due_size(store)
            health.leased = await leases_in_flight(store)
            health.parked_last_day = (await counters.window(24, real_now))["failures_parked"]
            beats = await workers(store, real_now)
    except (RedisError, OSError, TimeoutError) as exc:
        health.redis_error = _cause(exc)
        return health
    for beat in beats:
        age = max(real_now - beat.at, timedelta(0))
        health.processes.append(Process(beat, age))
    return health
