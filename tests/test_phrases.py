"""Times of day as Dutch and English speakers type them, and places by the names they use."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.localtime import suggest_zone
from scheduler.phrases import MAX_CHARS, read_time
from scheduler.places import zone_label


def hm(*values: str) -> tuple[time, ...]:
    return tuple(time.fromisoformat(v) for v in values)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        # digital, on the 24-hour clock: one reading
        ("7:30", hm("07:30")), ("07:30", hm("07:30")), ("7.30", hm("07:30")),
        ("19.30", hm("19:30")), ("7u30", hm("07:30")), ("19u", hm("19:00")),
        ("7 uur", hm("07:00")), ("0730", hm("07:30")), ("7", hm("07:00")), ("om 8", hm("08:00")),
        # a part of the day decides
        ("7:30 's avonds", hm("19:30")), ("8 uur 's ochtends", hm("08:00")),
        ("half 8 's avonds", hm("19:30")), ("7 uur in de ochtend", hm("07:00")),
        ("7am", hm("07:00")), ("7:30 pm", hm("19:30")), ("12 am", hm("00:00")),
        ("ten past 8 in the evening", hm("20:10")), ("half 20", hm("19:30")),
        # spoken, on the 12-hour clock: morning or evening, asked once
        ("half 8", hm("07:30", "19:30")), ("om half acht", hm("07:30", "19:30")),
        ("kwart over 7", hm("07:15", "19:15")), ("kwart voor 8", hm("07:45", "19:45")),
        ("tien voor half 9", hm("08:20", "20:20")), ("5 over half 8", hm("07:35", "19:35")),
        ("acht uur", hm("08:00", "20:00")), ("half 1", hm("00:30", "12:30")),
        ("half past 7", hm("07:30", "19:30")), ("quarter to 8", hm("07:45", "19:45")),
        ("8 o'clock", hm("08:00", "20:00")), ("rond kwart over zeven", hm("07:15", "19:15")),
        # not a time
        ("hallo", ()), ("half", ()), ("24:00", ()), ("7:60", ()), ("", ()), ("x" * 70, ()),
    ],
)  # fmt: skip
def test_a_typed_time_is_read_as_people_mean_it(typed: str, meant: tuple[time, ...]) -> None:
    assert read_time(typed) == meant


@given(st.integers(0, 23), st.integers(0, 59))
def test_every_digital_time_reads_as_itself(hours: int, minutes: int) -> None:
    for typed in (f"{hours}:{minutes:02d}", f"{hours:02d}.{minutes:02d}", f"{hours}u{minutes:02d}"):
        assert read_time(typed) == (time(hours, minutes),)


@given(st.integers(1, 12))
def test_half_an_hour_before_the_hour_said_is_morning_or_evening(hour: int) -> None:
    before = (hour - 1) % 12
    assert read_time(f"half {hour}") == (time(before, 30), time(before + 12, 30))
    assert read_time(f"half {hour} 's avonds") == (time(before + 12, 30),)


@given(st.text(max_size=MAX_CHARS * 4))
def test_any_text_is_read_quickly_and_without_error(text: str) -> None:
    assert len(read_time(text)) <= 2


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Brussel", "Europe/Brussels"), ("Antwerpen", "Europe/Brussels"),
        ("Gent", "Europe/Brussels"), ("België", "Europe/Brussels"), ("belgie", "Europe/Brussels"),
        ("Den Haag", "Europe/Amsterdam"), ("Nederland", "Europe/Amsterdam"),
        ("'s-Hertogenbosch", "Europe/Amsterdam"), ("amsterdam", "Europe/Amsterdam"),
        ("Europe/Brussels", "Europe/Brussels"), ("Curaçao", "America/Curacao"),
        ("Bonaire", "America/Kralendijk"), ("Aruba", "America/Aruba"),
        ("Sint Maarten", "America/Lower_Princes"), ("Suriname", "America/Paramaribo"),
        ("Londen", "Europe/London"), ("London", "Europe/London"), ("Duitsland", "Europe/Berlin"),
        ("New York", "America/New_York"),
        # a country that keeps several times, and no place at all
        ("Verenigde Staten", None), ("Spanje", None), ("nergensland", None),
    ],
)  # fmt: skip
def test_a_place_is_found_by_its_dutch_or_english_name(typed: str, zone: str | None) -> None:
    assert suggest_zone(typed) == zone


def test_a_long_run_of_spaces_is_refused_at_once() -> None:
    assert suggest_zone(" " * 20_001 + "/") is None
    assert read_time(" " * 20_001 + "8") == ()


def test_a_zone_is_shown_by_its_dutch_place_name_and_offset() -> None:
    winter, summer = datetime(2026, 12, 6, 12, tzinfo=UTC), datetime(2026, 7, 1, 12, tzinfo=UTC)
    assert zone_label("Europe/Amsterdam", winter) == "Amsterdam (UTC+1)"
    assert zone_label("Europe/Amsterdam", summer) == "Amsterdam (UTC+2)"
    assert zone_label("Europe/Brussels", winter) == "Brussel (UTC+1)"
    assert zone_label("America/Paramaribo", winter) == "Paramaribo (UTC-3)"
    assert zone_label("Europe/London", winter) == "Londen (UTC)"
