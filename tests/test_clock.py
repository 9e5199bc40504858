"""The clock: real time in production, a shared sped-up time for demos, a fixed time for tests."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.clock import Clock, FixedClock, RealClock, SpedUpClock, make_clock

ANCHOR = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


class FakeRealTime:
    """Real seconds since the epoch that only move when a test moves them."""

    def __init__(self, start: datetime) -> None:
        self.seconds = start.timestamp()

    def __call__(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


def test_every_clock_is_a_clock() -> None:
    clocks: list[Clock] = [RealClock(), SpedUpClock(ANCHOR, 60), FixedClock(ANCHOR)]
    assert [c.speed for c in clocks] == [1, 60, 1]


def test_real_clock_shows_the_current_time_in_utc() -> None:
    before = datetime.now(UTC)
    shown = RealClock().now()
    assert shown.tzinfo is UTC
    assert before <= shown <= datetime.now(UTC)


def test_sped_up_clock_shows_the_anchor_at_the_anchors_real_instant() -> None:
    real = FakeRealTime(ANCHOR)
    assert SpedUpClock(ANCHOR, 8640, real).now() == ANCHOR


def test_at_8640x_a_course_day_lasts_ten_real_seconds() -> None:
    real = FakeRealTime(ANCHOR)
    clock = SpedUpClock(ANCHOR, 8640, real)
    real.advance(10)
    assert clock.now() == ANCHOR + timedelta(days=1)
    assert clock.to_course_seconds(10) == 86_400
    assert clock.to_real_seconds(86_400) == 10


def test_two_clocks_sharing_an_anchor_agree_whenever_they_were_started() -> None:
    real = FakeRealTime(ANCHOR)
    real.advance(3.25)
    first = SpedUpClock(ANCHOR, 8640, real)
    real.advance(7)
    second = SpedUpClock(ANCHOR, 8640, real)
    real.advance(1.5)
    assert first.now() == second.now() == ANCHOR + timedelta(seconds=11.75 * 8640)


def test_a_restarted_process_continues_where_the_old_clock_was() -> None:
    real = FakeRealTime(ANCHOR)
    before_restart = SpedUpClock(ANCHOR, 100, real)
    real.advance(60)
    last_seen = before_restart.now()
    real.advance(5)
    after_restart = SpedUpClock(before_restart.anchor, before_restart.speed, real)
    assert after_restart.now() == last_seen + timedelta(seconds=5 * 100)


def test_the_anchor_may_be_given_in_any_zone_and_is_kept_in_utc() -> None:
    amsterdam = ANCHOR.astimezone(ZoneInfo("Europe/Amsterdam"))
    clock = SpedUpClock(amsterdam, 2, FakeRealTime(ANCHOR))
    assert clock.anchor == ANCHOR
    assert clock.anchor.tzinfo is UTC
    assert clock.now().tzinfo is UTC


@given(
    speed=st.floats(min_value=0.001, max_value=1e6),
    seconds=st.floats(min_value=0, max_value=1e7),
)
def test_course_and_real_seconds_convert_back_and_forth(speed: float, seconds: float) -> None:
    for clock in (SpedUpClock(ANCHOR, speed), FixedClock(ANCHOR, speed)):
        assert clock.to_course_seconds(seconds) == pytest.approx(seconds * speed)
        assert clock.to_real_seconds(clock.to_course_seconds(seconds)) == pytest.approx(seconds)


async def test_sped_up_sleep_until_waits_the_real_time_the_course_time_needs() -> None:
    clock = SpedUpClock(datetime.now(UTC), 8640)
    target = clock.now() + timedelta(seconds=0.2 * 8640)
    started = time.monotonic()
    await asyncio.wait_for(clock.sleep_until(target), timeout=5)
    waited = time.monotonic() - started
    assert clock.now() >= target
    assert 0.17 <= waited < 1.0


async def test_real_sleep_until_waits_until_the_instant() -> None:
    clock = RealClock()
    target = clock.now() + timedelta(milliseconds=100)
    started = time.monotonic()
    await asyncio.wait_for(clock.sleep_until(target), timeout=5)
    assert clock.now() >= target
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("speed", [1, 8640])
async def test_sleep_until_a_past_instant_returns_at_once(speed: float) -> None:
    clock = make_clock(speed, datetime.now(UTC))
    started = time.monotonic()
    await clock.sleep_until(clock.now() - timedelta(hours=1))
    assert time.monotonic() - started < 0.05


async def test_sleep_until_refuses_a_naive_instant() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await RealClock().sleep_until(datetime(2026, 1, 1))


def test_fixed_clock_only_moves_when_told() -> None:
    clock = FixedClock(ANCHOR)
    assert clock.now() == clock.now() == ANCHOR
    assert clock.advance(timedelta(hours=3)) == ANCHOR + timedelta(hours=3)
    assert clock.now() == ANCHOR + timedelta(hours=3)
    clock.set(datetime(2027, 1, 1, tzinfo=UTC))
    assert clock.now() == datetime(2027, 1, 1, tzinfo=UTC)


async def test_fixed_clock_sleep_jumps_to_the_instant_and_lets_other_tasks_run() -> None:
    clock = FixedClock(ANCHOR)
    ran: list[str] = []

    async def other() -> None:
        ran.append("other")

    task = asyncio.create_task(other())
    await clock.sleep_until(ANCHOR + timedelta(days=2))
    assert clock.now() == ANCHOR + timedelta(days=2)
    assert ran == ["other"]
    await task


async def test_fixed_clock_sleep_until_the_past_never_turns_the_clock_back() -> None:
    clock = FixedClock(ANCHOR)
    await clock.sleep_until(ANCHOR - timedelta(days=1))
    assert clock.now() == ANCHOR


def test_make_clock_gives_real_time_at_speed_one_and_ignores_the_anchor() -> None:
    assert isinstance(make_clock(1, None), RealClock)
    assert isinstance(make_clock(1.0, ANCHOR), RealClock)


def test_make_clock_speeds_up_from_the_anchor() -> None:
    clock = make_clock(8640, ANCHOR)
    assert isinstance(clock, SpedUpClock)
    assert clock.anchor == ANCHOR
    assert clock.speed == 8640


def test_make_clock_needs_an_anchor_to_speed_up() -> None:
    with pytest.raises(ValueError, match="anchor"):
        make_clock(8640, None)


@pytest.mark.parametrize("speed", [0, -1, float("nan"), float("inf")])
def test_a_clock_speed_must_be_positive_and_finite(speed: float) -> None:
    with pytest.raises(ValueError, match="speed"):
        make_clock(speed, ANCHOR)
    with pytest.raises(ValueError, match="speed"):
        FixedClock(ANCHOR, speed)


def test_clocks_refuse_naive_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        SpedUpClock(datetime(2026, 1, 1), 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(ANCHOR).set(datetime(2026, 1, 1))
