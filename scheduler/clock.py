"""The one clock every part of druppel reads the time from.

Nothing calls `datetime.now` directly: it asks a `Clock`. That lets a demo run a course day in ten
seconds (`SpedUpClock`), and lets tests step through weeks without waiting (`FixedClock`).

A sped-up clock is defined by its anchor alone: at the anchor's real instant it shows the anchor,
and from there it runs `speed` times as fast. Every process given the same anchor therefore shows
the same time, and a restarted process carries on where the old one stopped; the caller keeps the
anchor in Redis for exactly that reason.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

_MAX_REAL_SLICE = 60.0
"""The longest single real sleep, so a corrected system clock is noticed within a minute."""


class Clock(Protocol):
    """What everything that needs the time depends on, so any clock can be swapped in."""

    @property
    def speed(self) -> float:
        """Course seconds that pass per real second."""
        ...

    def now(self) -> datetime:
        """The current course time, tz-aware in UTC."""
        ...

    def to_course_seconds(self, real_seconds: float) -> float:
        """How much course time passes during `real_seconds` of real time."""
        ...

    def to_real_seconds(self, course_seconds: float) -> float:
        """How much real time it takes for `course_seconds` of course time to pass."""
        ...

    async def sleep_until(self, at: datetime) -> None:
        """Return once the clock shows `at` or later; at once if it already does."""
        ...


def _require_aware(value: datetime, what: str) -> datetime:
    """Refuse naive datetimes: they would silently be read in the host's zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {value!r}")
    return value.astimezone(UTC)


def _require_speed(speed: float) -> float:
    if not math.isfinite(speed) or speed <= 0:
        raise ValueError(f"clock speed must be a finite number above 0, got {speed!r}")
    return float(speed)


async def _sleep_until_real(clock: Clock, at: datetime) -> None:
    """Sleep in real time until `clock` shows `at`, re-reading the clock after every slice.

    Re-reading copes with the event loop's monotonic timer and the wall clock drifting apart, and
    with wake-ups a little before the deadline.
    """
    at = _require_aware(at, "sleep_until target")
    while True:
        remaining = (at - clock.now()).total_seconds()
        if remaining <= 0:
            return
        await asyncio.sleep(min(clock.to_real_seconds(remaining), _MAX_REAL_SLICE))


class RealClock:
    """Wall-clock time, for production."""

    @property
    def speed(self) -> float:
        return 1.0

    def now(self) -> datetime:
        return datetime.now(UTC)

    def to_course_seconds(self, real_seconds: float) -> float:
        return real_seconds

    def to_real_seconds(self, course_seconds: float) -> float:
        return course_seconds

    async def sleep_until(self, at: datetime) -> None:
        await _sleep_until_real(self, at)

    def __repr__(self) -> str:
        return "RealClock()"


class _Scaled:
    """What a clock running `speed` times real time says about durations and waiting."""

    _speed: float

    def now(self) -> datetime:
        raise NotImplementedError

    @property
    def speed(self) -> float:
        return self._speed

    def to_course_seconds(self, real_seconds: float) -> float:
        return real_seconds * self._speed

    def to_real_seconds(self, course_seconds: float) -> float:
        return course_seconds / self._speed

    async def sleep_until(self, at: datetime) -> None:
        await _sleep_until_real(self, at)


class SpedUpClock(_Scaled):
    """Course time running `speed` times as fast as real time from a shared anchor.

    Course time is `anchor + (real_now - anchor_epoch) * speed`; `real` returns real seconds since
    the epoch and is only replaced in tests.
    """

    def __init__(
        self, anchor: datetime, speed: float, real: Callable[[], float] = time.time
    ) -> None:
        self._anchor = _require_aware(anchor, "clock anchor")
        self._anchor_epoch = self._anchor.timestamp()
        self._speed = _require_speed(speed)
        self._real = real

    @property
    def anchor(self) -> datetime:
        """The instant at which course time and real time coincide; store it to share the clock."""
        return self._anchor

    def now(self) -> datetime:
        elapsed = self._real() - self._anchor_epoch
        return self._anchor + timedelta(seconds=elapsed * self._speed)

    def __repr__(self) -> str:
        return f"SpedUpClock(anchor={self._anchor.isoformat()}, speed={self._speed:g})"


class SteppingClock(_Scaled):
    """Course time that runs at `speed` from `anchor` and jumps ahead when told: the interactive
    demo's clock, at the reader's pace within a day, on to the next lesson when they ask."""

    def __init__(
        self, anchor: datetime, speed: float = 1.0, real: Callable[[], float] = time.monotonic
    ) -> None:
        self._anchor = _require_aware(anchor, "clock anchor")
        self._speed = _require_speed(speed)
        self._real = real
        self._started = real()
        self._jumped = 0.0

    def now(self) -> datetime:
        elapsed = (self._real() - self._started) * self._speed + self._jumped
        return self._anchor + timedelta(seconds=elapsed)

    def jump_to(self, at: datetime) -> None:
        """Go on to `at`, never back."""
        ahead = (_require_aware(at, "jump target") - self.now()).total_seconds()
        self._jumped += max(0.0, ahead)

    def __repr__(self) -> str:
        return f"SteppingClock({self.now().isoformat()})"


class FixedClock:
    """A clock that only moves when told to, so tests decide exactly what time it is."""

    def __init__(self, at: datetime, speed: float = 1.0) -> None:
        self._now = _require_aware(at, "fixed clock time")
        self._speed = _require_speed(speed)

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock by `delta` and return the new time."""
        self._now += delta
        return self._now

    def set(self, at: datetime) -> None:
        self._now = _require_aware(at, "fixed clock time")

    def to_course_seconds(self, real_seconds: float) -> float:
        return real_seconds * self._speed

    def to_real_seconds(self, course_seconds: float) -> float:
        return course_seconds / self._speed

    async def sleep_until(self, at: datetime) -> None:
        """Jump to `at` (never backwards) and let other tasks run, as a real sleep would."""
        at = _require_aware(at, "sleep_until target")
        self._now = max(self._now, at)
        await asyncio.sleep(0)

    def __repr__(self) -> str:
        return f"FixedClock({self._now.isoformat()})"


def make_clock(speed: float, anchor: datetime | None) -> Clock:
    """The clock the settings ask for: real time at speed 1, otherwise sped up from `anchor`."""
    speed = _require_speed(speed)
    if speed == 1:
        return RealClock()
    if anchor is None:
        raise ValueError(f"a clock running at speed {speed:g} needs an anchor")
    return SpedUpClock(anchor, speed)
