"""The coaches' hours as people write them (`ma-vr 09:00-17:00`), in DEFAULT_TIMEZONE."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.app.settings import Settings
from scheduler.hours import parse_hours

AMS = ZoneInfo("Europe/Amsterdam")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in Amsterdam in the week of Monday 30 November 2026."""
    return datetime(2026, 11, 29, hour, minute, tzinfo=AMS) + timedelta(days=day)


def test_weekdays_nine_to_five_are_open_and_the_next_opening_is_named() -> None:
    hours = parse_hours("ma-vr 09:00-17:00", "Europe/Amsterdam")
    assert hours.is_open(at(1, 9))
    assert hours.is_open(at(5, 16, 59))
    assert not hours.is_open(at(5, 17))
    assert not hours.is_open(at(6, 12))  # Saturday
    assert hours.next_open(at(5, 18)) == at(8, 9)  # Friday evening: Monday nine
    assert hours.next_open(at(2, 7)) == at(2, 9)  # Tuesday early: that morning
    assert hours.next_open(at(2, 10)) == at(2, 10)  # open now: now


def test_several_spans_lists_of_days_and_every_day() -> None:
    hours = parse_hours("ma,wo 10.00-12:00; za 10:00-11:00", "Europe/Amsterdam")
    assert hours.is_open(at(3, 11))
    assert not hours.is_open(at(2, 11))
    assert hours.is_open(at(6, 10, 30))
    assert parse_hours("08:00-20:00", "Europe/Amsterdam").is_open(at(7, 19))


def test_the_hours_are_read_in_their_own_time_zone() -> None:
    hours = parse_hours("ma-vr 09:00-17:00", "Europe/Amsterdam")
    assert hours.is_open(datetime(2026, 11, 30, 8, 30, tzinfo=ZoneInfo("UTC")))  # 09:30 there


@pytest.mark.parametrize("wrong", ["maandag 9-17", "ma-vr 17:00-09:00", "xx 09:00-10:00", ";"])
def test_hours_that_do_not_read_are_refused_at_start(wrong: str) -> None:
    with pytest.raises(ValidationError, match=r"coach_hours|COACH_HOURS"):
        Settings.model_validate({"COACH_HOURS": wrong})


def test_coach_hours_from_the_environment_in_the_default_time_zone() -> None:
    settings = Settings.model_validate({"COACH_HOURS": "ma-vr 09:00-17:00"})
    hours = settings.hours()
    assert hours is not None
    assert hours.zone == ZoneInfo(settings.default_timezone)
    assert Settings.model_validate({}).hours() is None
