"""What happened, counted in Redis: every process adds to the same totals and hourly buckets.

Counting must never get in the way of what is counted: `Counters.add` is one round trip, bounded
by a short time-out, and a Redis error costs a warning line (at most one per 10 seconds), never
an exception in the caller. The names are fixed here, so a typo is a type error, not a new
counter nobody reads.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from scheduler.clock import Clock, RealClock
from storage.counters import HOUR_TTL_SECONDS, CounterRepo
from storage.keys import Keys
from storage.store import Store

log = logging.getLogger(__name__)

CounterName = Literal[
    "lessons_delivered",  # a day's lesson was queued for a participant (counted once per day)
    "messages_sent",  # the platform accepted one message, of any kind
    "failures_transient",  # a send failed and will be tried again (network, time-out, 5xx)
    "failures_rate_limited",  # the platform said "retry after N"
    "failures_gone",  # blocked, chat not found, deactivated: the enrollment stopped
    "failures_rejected",  # the platform refused the message itself; it was skipped
    "failures_parked",  # a message failed too often and was set aside for operators
    "reflections_received",  # a participant answered a day's question
    "checkins_received",  # a participant tapped a check-in score
    "signups",  # a participant started a course
    "completions",  # a participant reached the end of a course
    "danger_signals",  # a message suggested danger; only the count is kept, never the words
    # ...and by tier and by category (bot/safety): counts only, never the words
    "danger_acute",
    "danger_concern",
    "danger_suicide_plan",
    "danger_violence",
    "danger_threat",
    "danger_children",
    "danger_sexual",
    "danger_suicide",
    "danger_selfharm",
    "danger_stalking",
    "danger_fear",
    "danger_control",
    # ...and what the webhooks dropped as too old to be anything but a replay, by channel
    "webhook_stale_whatsapp",
]
"""Every counter druppel keeps. Add a name here (and its help in bot/app/web/metrics.py) to
add one."""

COUNTER_NAMES: tuple[CounterName, ...] = get_args(CounterName)

FailureKind = Literal["transient", "rate_limited", "gone", "rejected", "parked"]
_FAILURES: dict[str, CounterName] = {
    "transient": "failures_transient",
    "rate_limited": "failures_rate_limited",
    "gone": "failures_gone",
    "rejected": "failures_rejected",
    "parked": "failures_parked",
}

#: Real seconds an increment may take before it is given up; a slow Redis must not slow sends.
ADD_TIMEOUT = 1.0
#: Real seconds a coalesced counter waits before it is written.
COALESCE = 0.5
#: Real seconds between two warnings about counters that could not be written.
WARN_EVERY = 10.0
#: The longest window there are buckets for.
MAX_WINDOW_HOURS = HOUR_TTL_SECONDS // 3600


def failure(kind: FailureKind | str) -> CounterName:
    """The counter of a failure kind: `transient`, `rate_limited`, `gone`, `rejected`, `parked`."""
    try:
        return _FAILURES[kind]
    except KeyError:
        raise ValueError(f"unknown failure kind {kind!r}; known: {', '.join(_FAILURES)}") from None


DANGER_PREFIX = "danger_"
DANGER_TIERS: tuple[CounterName, ...] = ("danger_acute", "danger_concern")
DANGER_CATEGORIES: tuple[CounterName, ...] = tuple(
    n
    for n in COUNTER_NAMES
    if n.startswith(DANGER_PREFIX) and n not in (*DANGER_TIERS, "danger_signals")
)


def danger(tier: str, category: str | None) -> list[CounterName]:
    """The counters one message that signalled danger adds to: the total, its tier, its
    category."""
    names = [n for n in (f"danger_{tier}", f"danger_{category}") if n in COUNTER_NAMES]
    return ["danger_signals", *names]


def hour_of(at: datetime) -> str:
    """The UTC hour an instant falls in, as its bucket names it (`YYYYMMDDHH`)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a counted instant must carry a time zone, got {at!r}")
    return at.astimezone(UTC).strftime("%Y%m%d%H")


def _known(counts: dict[str, int]) -> dict[str, int]:
    """Every known name with its count (0 when never counted); names of a newer release aside."""
    return {name: counts.get(name, 0) for name in COUNTER_NAMES}


class Counters:
    """The counters of one installation: `Counters(store)` or `Counters(redis, keys)`.

    Hours are real (UTC) hours from `clock`, the real clock unless a test passes another: how
    busy the system was is a question about real time, whatever speed the course clock runs at.
    """

    def __init__(
        self, store_or_redis: Store | aioredis.Redis, keys: Keys | None = None, *,
        clock: Clock | None = None,
    ) -> None:  # fmt: skip
        if isinstance(store_or_redis, Store):
            redis, keys = store_or_redis.redis, keys or store_or_redis.keys
        elif keys is None:
            raise TypeError("Counters(redis, keys) needs the keys of the installation")
        else:
            redis = store_or_redis
        self._repo = CounterRepo(redis, keys)
        self._clock = clock or RealClock()
        self._warned_at: float | None = None
        self._unwritten = 0
        #: Counters added up here and written together at most `coalesce` seconds later (the
        #: busiest ones: one Redis call per message sent would cost more than the counting is
        #: worth). `flush` writes them at once; a process that is killed loses at most that.
        self.coalesced: frozenset[CounterName] = frozenset()
        self.coalesce = COALESCE
        self._pending: dict[tuple[CounterName, str], int] = {}
        #: The flusher waiting to write, and every flusher not done yet (one may be writing).
        self._flusher: asyncio.Task[None] | None = None
        self._flushers: set[asyncio.Task[None]] = set()

    async def add(self, name: CounterName, n: int = 1, at: datetime | None = None) -> None:
        """Count `n` events of `name` at `at` (now). Never raises for Redis trouble."""
        if name not in COUNTER_NAMES:
            raise ValueError(f"unknown counter {name!r}; known: {', '.join(COUNTER_NAMES)}")
        hour = hour_of(at or self._clock.now())
        if name in self.coalesced:
            self._pending[(name, hour)] = self._pending.get((name, hour), 0) + n
            if self._flusher is None or self._flusher.done():
                self._flusher = asyncio.create_task(self._flush_later(), name="counters")
                self._flushers.add(self._flusher)
                self._flusher.add_done_callback(self._flushers.discard)
            return
        await self._write({name: n}, hour)

    async def _write(self, counts: dict[str, int], hour: str) -> None:
        try:
            async with asyncio.timeout(ADD_TIMEOUT):
                await self._repo.add(counts, hour)
        except (RedisError, OSError, TimeoutError) as exc:
            self._unwritten += sum(counts.values())
            self._warn(", ".join(counts), exc)

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.coalesce)
        self._flusher = None  # writing now: `close` waits for it rather than cut it off
        await self.flush()

    async def flush(self) -> None:
        """Write what was added up so far."""
        pending, self._pending = self._pending, {}
        by_hour: dict[str, dict[str, int]] = {}
        for (name, hour), n in pending.items():
            by_hour.setdefault(hour, {})[name] = n
        for hour, counts in by_hour.items():
            await self._write(counts, hour)

    async def close(self) -> None:
        """Write what is pending and stop the timer; for a process on its way out. Nothing of
        the counters touches Redis after this (the caller closes it next)."""
        flusher, self._flusher = self._flusher, None
        if flusher is not None and not flusher.done():
            flusher.cancel()  # still waiting to write: what it would write is written here
            await asyncio.gather(flusher, return_exceptions=True)
        await asyncio.gather(*self._flushers, return_exceptions=True)  # a write under way ends
        await self.flush()

    def _warn(self, name: str, exc: BaseException) -> None:
        now = time.monotonic()
        if self._warned_at is not None and now - self._warned_at < WARN_EVERY:
            return
        self._warned_at = now
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        log.warning(
            "counters: could not count %s (%d events uncounted so far): %s",
            name, self._unwritten, reason,
        )  # fmt: skip

    async def totals(self) -> dict[str, int]:
        """Every counter's total since the installation began (what this process added up and
        has not written yet is written first: it reads its own counts)."""
        await self.flush()
        return _known(await self._repo.totals())

    async def window(self, hours: int, now: datetime | None = None) -> dict[str, int]:
        """Every counter summed over the last `hours` UTC hours, the one `now` falls in included."""
        if not 1 <= hours <= MAX_WINDOW_HOURS:
            raise ValueError(f"a window is 1 to {MAX_WINDOW_HOURS} hours, not {hours}")
        await self.flush()  # this process's own counts first, as in `totals`
        end = now or self._clock.now()
        names = [hour_of(end - timedelta(hours=back)) for back in range(hours)]
        summed: dict[str, int] = {}
        for bucket in await self._repo.hours(names):
            for name, n in bucket.items():
                summed[name] = summed.get(name, 0) + n
        return _known(summed)
