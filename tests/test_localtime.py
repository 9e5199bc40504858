"""Next-due maths: one lesson per local day at the participant's wall time, whatever DST does.

The property tests check `next_delivery` against a brute-force reading of the rules over every
zone in the tz database from 1990 to 2040, with extra weight on the zones that make it hard.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scheduler.localtime import (
    is_known_zone,
    local_day,
    next_delivery,
    parse_time_of_day,
    suggest_zone,
)
from scheduler.places import country_zones

ALL_ZONES = sorted(available_timezones() - {"localtime", "Factory", "posixrules"})
TRICKY_ZONES = [
    "Europe/Amsterdam",
    "America/New_York",
    "Asia/Kolkata",  # half-hour offset
    "Asia/Kathmandu",  # quarter-hour offset
    "Australia/Lord_Howe",  # 30-minute DST
    "Australia/Adelaide",  # southern hemisphere, half-hour offset
    "Pacific/Auckland",
    "Pacific/Chatham",  # +12:45 with DST
    "America/Santiago",  # southern hemisphere, transitions at midnight
    "America/Sao_Paulo",  # DST until 2019, starting at midnight
    "America/Havana",  # transitions at midnight
    "America/Nuuk",  # jumps from 23:00 straight to midnight
    "Asia/Pyongyang",  # jumped from 23:30 to midnight in 2018
    "Pacific/Apia",  # skipped 30 December 2011
    "Pacific/Kiritimati",  # skipped 31 December 1994
    "Europe/Moscow",  # changed offset in 2011 and 2014
    "America/Caracas",  # changed offset in 2007 and 2016
    "Africa/Casablanca",  # DST suspended every Ramadan
    "Europe/Dublin",  # negative DST in the tz database
    "Antarctica/Troll",  # two-hour DST
    "Asia/Tehran",
]
zones = st.sampled_from(TRICKY_ZONES) | st.sampled_from(ALL_ZONES)
instants = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC)
)
wall_times = st.times()

AMSTERDAM = "Europe/Amsterdam"
NEW_YORK = "America/New_York"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def wall(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None, fold=0)


def schedule(start: datetime, zone: str, at: time, steps: int) -> list[datetime]:
    """The first `steps` deliveries after `start`, each found from the one before."""
    out: list[datetime] = []
    for _ in range(steps):
        start = next_delivery(start, zone, at)
        out.append(start)
    return out


def occurrences(day: date, at: time, zone: str) -> list[datetime]:
    """Every instant at which the clocks in `zone` show `at` on `day`, earliest first."""
    naive = datetime.combine(day, at.replace(fold=0))
    found = {
        instant
        for fold in (0, 1)
        if wall(instant := naive.replace(tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC), zone)
        == naive
    }
    return sorted(found)


def last_second_of(day: date, zone: str, later: datetime) -> datetime | None:
    """Scan back from `later` (already past `day`) for the day's last second, if it has one."""
    probe = later.replace(microsecond=0)
    for _ in range(2 * 24 * 60):
        if local_day(probe, zone) <= day:
            break
        probe -= timedelta(minutes=1)
    if local_day(probe, zone) < day:
        return None
    while local_day(probe + timedelta(seconds=1), zone) == day:
        probe += timedelta(seconds=1)
    return probe


def expected_due(day: date, at: time, zone: str) -> datetime | None:
    """The rules read literally: the wall time once, the first time; across a jump, moved forward
    by the jump; if that leaves the day, the day's last second; nothing on a day that never was."""
    found = occurrences(day, at, zone)
    if found:
        return found[0]
    naive = datetime.combine(day, at.replace(fold=0))
    tz = ZoneInfo(zone)
    before = naive.replace(tzinfo=tz, fold=0).utcoffset()
    after = naive.replace(tzinfo=tz, fold=1).utcoffset()
    assert before is not None
    assert after is not None
    assert after > before
    shifted_wall = naive + (after - before)
    shifted = (shifted_wall - after).replace(tzinfo=UTC)
    assert wall(shifted, zone) == shifted_wall
    if shifted_wall.date() == day:
        return shifted
    return last_second_of(day, zone, shifted)


def day_exists(day: date, zone: str, low: datetime, high: datetime) -> bool:
    """Whether any instant between `low` and `high` falls on local `day` (ten-minute steps)."""
    probe = low
    while probe <= high:
        if local_day(probe, zone) == day:
            return True
        probe += timedelta(minutes=10)
    return False


@functools.cache
def transitions(zone: str, year: int) -> tuple[tuple[datetime, timedelta, timedelta], ...]:
    """Each offset change in `zone` during `year`: (instant, offset before, offset after)."""
    tz = ZoneInfo(zone)

    def offset(instant: datetime) -> timedelta:
        value = instant.astimezone(tz).utcoffset()
        assert value is not None
        return value

    found = []
    probe = utc(year, 1, 1)
    while probe.year == year:
        step = probe + timedelta(hours=6)
        if offset(step) != offset(probe):
            lo, hi = probe, step
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (lo, mid) if offset(mid) != offset(probe) else (mid, hi)
            found.append((hi, offset(lo), offset(hi)))
        probe = step
    return tuple(found)


def transition_case(data: st.DataObject, kind: str) -> tuple[str, datetime, timedelta, timedelta]:
    zone = data.draw(zones, label="zone")
    year = data.draw(st.integers(1990, 2040), label="year")
    changes = [
        t
        for t in transitions(zone, year)
        if (t[2] > t[1]) == (kind == "gap") and t[0] < utc(2040, 12, 20)
    ]
    assume(changes)
    moment, before, after = data.draw(st.sampled_from(changes), label="transition")
    return zone, moment, before, after


# -- properties over many zones, dates and times ------------------------------------------------


@given(after=instants, zone=zones, at=wall_times, shown_in=zones)
def test_next_lesson_is_strictly_later_than_now_and_in_utc(
    after: datetime, zone: str, at: time, shown_in: str
) -> None:
    due = next_delivery(after.astimezone(ZoneInfo(shown_in)), zone, at)
    assert due > after
    assert due.utcoffset() == timedelta(0)
    assert due - after <= timedelta(days=3)


@given(start=instants, zone=zones, at=wall_times)
@settings(max_examples=150)
def test_lesson_due_once_per_local_day_across_dst(start: datetime, zone: str, at: time) -> None:
    due = schedule(start, zone, at, steps=8)
    days = [local_day(d, zone) for d in due]
    first_possible = local_day(start, zone)
    assert days[0] - first_possible <= timedelta(days=2)
    for (earlier, later), (day, next_day) in zip(pairwise(due), pairwise(days), strict=True):
        assert next_day > day
        for gone in range(1, (next_day - day).days):
            skipped = day + timedelta(days=gone)
            assert not day_exists(skipped, zone, earlier, later), f"{skipped} got no lesson"


@given(start=instants, zone=zones, at=wall_times)
@settings(max_examples=150)
def test_no_due_lesson_is_skipped(start: datetime, zone: str, at: time) -> None:
    due = schedule(start, zone, at, steps=5)
    first_day = local_day(start, zone) - timedelta(days=1)
    expected = [
        e
        for n in range((local_day(due[-1], zone) - first_day).days + 1)
        if (e := expected_due(first_day + timedelta(days=n), at, zone)) is not None
        and start < e <= due[-1]
    ]
    assert due == expected


@given(start=instants, zone=zones, at=wall_times)
def test_lesson_comes_at_the_chosen_wall_time_whenever_it_exists(
    start: datetime, zone: str, at: time
) -> None:
    for due in schedule(start, zone, at, steps=5):
        if occurrences(local_day(due, zone), at, zone):
            assert wall(due, zone).time() == at.replace(fold=0)


@given(data=st.data())
def test_wall_time_skipped_by_spring_forward_moves_forward_by_the_jump(
    data: st.DataObject,
) -> None:
    zone, moment, before, after = transition_case(data, "gap")
    jump = after - before
    into_gap = timedelta(seconds=data.draw(st.integers(0, int(jump.total_seconds()) - 1)))
    missing = (moment + before).replace(tzinfo=None) + into_gap
    at, day = missing.time(), missing.date()
    assert not occurrences(day, at, zone)

    due = schedule(moment - timedelta(days=2), zone, at, steps=5)
    on_day = [d for d in due if local_day(d, zone) == day]
    shifted = moment + into_gap
    if (missing + jump).date() == day:
        assert on_day == [shifted]
        assert wall(shifted, zone) == missing + jump
    else:
        last_second = last_second_of(day, zone, shifted)
        assert on_day == ([] if last_second is None else [last_second])
    assert len({local_day(d, zone) for d in due}) == len(due)


@given(data=st.data())
def test_wall_time_repeated_by_fall_back_is_taken_once_the_first_time(
    data: st.DataObject,
) -> None:
    zone, moment, before, after = transition_case(data, "fold")
    overlap = before - after
    into = timedelta(seconds=data.draw(st.integers(0, int(overlap.total_seconds()) - 1)))
    repeated = (moment + after).replace(tzinfo=None) + into
    at, day = repeated.time(), repeated.date()
    first, second = moment - overlap + into, moment + into
    assert wall(first, zone) == wall(second, zone) == repeated

    due = schedule(moment - timedelta(days=2), zone, at, steps=5)
    assert first in due
    assert second not in due
    assert [d for d in due if local_day(d, zone) == day] == [first]


# -- examples -------------------------------------------------------------------------------------


def test_amsterdam_spring_forward_moves_0230_to_0330_summer_time() -> None:
    due = next_delivery(utc(2026, 3, 28, 12), AMSTERDAM, time(2, 30))
    assert due == utc(2026, 3, 29, 1, 30)
    assert due.astimezone(ZoneInfo(AMSTERDAM)).isoformat() == "2026-03-29T03:30:00+02:00"
    assert next_delivery(due, AMSTERDAM, time(2, 30)) == utc(2026, 3, 30, 0, 30)


def test_amsterdam_fall_back_gives_0230_once_at_the_first_occurrence() -> None:
    due = next_delivery(utc(2026, 10, 24, 12), AMSTERDAM, time(2, 30))
    assert due == utc(2026, 10, 25, 0, 30)
    assert next_delivery(due, AMSTERDAM, time(2, 30)) == utc(2026, 10, 26, 1, 30)


def test_amsterdam_between_the_two_0230s_waits_for_the_next_day() -> None:
    assert next_delivery(utc(2026, 10, 25, 1, 0), AMSTERDAM, time(2, 30)) == utc(
        2026, 10, 26, 1, 30
    )


def test_amsterdam_ordinary_days_keep_the_wall_time_in_winter_and_summer() -> None:
    assert next_delivery(utc(2026, 1, 14, 12), AMSTERDAM, time(7, 30)) == utc(2026, 1, 15, 6, 30)
    assert next_delivery(utc(2026, 7, 14, 12), AMSTERDAM, time(7, 30)) == utc(2026, 7, 15, 5, 30)


@pytest.mark.parametrize(
    ("after", "at", "due"),
    [
        (utc(2026, 1, 15, 12), time(9, 0), utc(2026, 1, 15, 14, 0)),
        (utc(2026, 3, 7, 12), time(2, 30), utc(2026, 3, 8, 7, 30)),
        (utc(2026, 10, 31, 12), time(1, 30), utc(2026, 11, 1, 5, 30)),
        (utc(2026, 11, 1, 5, 30), time(1, 30), utc(2026, 11, 2, 6, 30)),
    ],
    ids=["winter", "spring-forward", "fall-back-first", "day-after-fall-back"],
)
def test_new_york_lessons(after: datetime, at: time, due: datetime) -> None:
    assert next_delivery(after, NEW_YORK, at) == due


def test_lord_howe_half_hour_jump_moves_the_lesson_half_an_hour() -> None:
    due = next_delivery(utc(2026, 10, 3, 0), "Australia/Lord_Howe", time(2, 15))
    assert due.astimezone(ZoneInfo("Australia/Lord_Howe")).isoformat() == (
        "2026-10-04T02:45:00+11:00"
    )


def test_kolkata_half_hour_offset() -> None:
    assert next_delivery(utc(2026, 6, 1, 0), "Asia/Kolkata", time(7, 30)) == utc(2026, 6, 1, 2)


def test_nuuk_late_lesson_on_the_night_the_clocks_skip_to_midnight_comes_just_before() -> None:
    due = schedule(utc(2026, 3, 27, 12), "America/Nuuk", time(23, 30), steps=3)
    assert [d.astimezone(ZoneInfo("America/Nuuk")).isoformat() for d in due] == [
        "2026-03-27T23:30:00-02:00",
        "2026-03-28T22:59:59-02:00",
        "2026-03-29T23:30:00-01:00",
    ]


def test_samoa_day_that_never_happened_gets_no_lesson() -> None:
    due = schedule(utc(2011, 12, 28, 0), "Pacific/Apia", time(10, 0), steps=3)
    assert [local_day(d, "Pacific/Apia") for d in due] == [
        date(2011, 12, 28),
        date(2011, 12, 29),
        date(2011, 12, 31),
    ]


def test_after_may_be_given_in_any_zone() -> None:
    tokyo = utc(2026, 3, 28, 12).astimezone(ZoneInfo("Asia/Tokyo"))
    assert next_delivery(tokyo, AMSTERDAM, time(2, 30)) == utc(2026, 3, 29, 1, 30)


def test_a_lesson_due_right_now_is_not_due_again_until_tomorrow() -> None:
    now = utc(2026, 5, 1, 5, 0)
    assert next_delivery(now, AMSTERDAM, time(7, 0)) == utc(2026, 5, 2, 5, 0)
    assert next_delivery(now - timedelta(microseconds=1), AMSTERDAM, time(7, 0)) == now


def test_next_delivery_refuses_naive_instants_unknown_zones_and_zoned_wall_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_delivery(datetime(2026, 1, 1), AMSTERDAM, time(7))
    with pytest.raises(ValueError, match="unknown time zone"):
        next_delivery(utc(2026, 1, 1), "Mars/Olympus_Mons", time(7))
    with pytest.raises(ValueError, match="wall time"):
        next_delivery(utc(2026, 1, 1), AMSTERDAM, time(7, tzinfo=UTC))


def test_local_day_is_the_participants_date() -> None:
    assert local_day(utc(2026, 3, 28, 23, 30), AMSTERDAM) == date(2026, 3, 29)
    assert local_day(utc(2026, 3, 28, 23, 30), NEW_YORK) == date(2026, 3, 28)
    assert local_day(utc(2026, 3, 28, 23, 30), "Pacific/Kiritimati") == date(2026, 3, 29)
    with pytest.raises(ValueError, match="timezone-aware"):
        local_day(datetime(2026, 1, 1), AMSTERDAM)


# -- reading what participants type ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7:30", time(7, 30)),
        ("07:30", time(7, 30)),
        ("7.30", time(7, 30)),
        ("19u", time(19)),
        ("19 uur", time(19)),
        ("19u30", time(19, 30)),
        ("19h30", time(19, 30)),
        ("19:30 uur", time(19, 30)),
        ("7", time(7)),
        ("0730", time(7, 30)),
        ("730", time(7, 30)),
        ("  8:05  ", time(8, 5)),
        ("0:00", time(0)),
        ("23:59", time(23, 59)),
    ],
)
def test_parse_time_of_day_accepts_how_people_type_times(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "24:00",
        "7:60",
        "",
        "   ",
        "morgen",
        "7:5",
        "25",
        "2400",
        "12345",
        "-7",
        "7:30:00",
        "\u0667:\u0663\u0660",
    ],
)
def test_parse_time_of_day_refuses_what_is_not_a_time(text: str) -> None:
    assert parse_time_of_day(text) is None


@given(hour=st.integers(0, 23), minute=st.integers(0, 59), style=st.sampled_from(range(4)))
def test_every_valid_time_reads_back(hour: int, minute: int, style: int) -> None:
    text = [f"{hour}:{minute:02}", f"{hour:02}.{minute:02}", f"{hour:02}{minute:02}", f"{hour}u"]
    expected = time(hour, 0 if style == 3 else minute)
    assert parse_time_of_day(text[style]) == expected


@given(text=st.text(max_size=12))
def test_parse_time_of_day_never_raises(text: str) -> None:
    parse_time_of_day(text)


# -- zones ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "known"),
    [
        ("Europe/Amsterdam", True),
        ("Asia/Kolkata", True),
        ("UTC", True),
        ("europe/amsterdam", False),
        ("Mars/Olympus_Mons", False),
        ("", False),
        ("../../etc/passwd", False),
        ("localtime", False),
    ],
)
def test_is_known_zone_takes_exact_iana_keys_only(name: str, known: bool) -> None:
    assert is_known_zone(name) is known


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("amsterdam", "Europe/Amsterdam"),
        ("Amsterdam", "Europe/Amsterdam"),
        ("Europe/Amsterdam", "Europe/Amsterdam"),
        ("europe / amsterdam", "Europe/Amsterdam"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("Asia/Tokyo", "Asia/Tokyo"),
        ("tokyo", "Asia/Tokyo"),
        ("São Paulo", "America/Sao_Paulo"),
        ("port au prince", "America/Port-au-Prince"),
        ("buenos aires", "America/Argentina/Buenos_Aires"),
        ("utc", "UTC"),
    ],
)
def test_suggest_zone_finds_the_zone_people_mean(text: str, zone: str) -> None:
    assert suggest_zone(text) == zone


@pytest.mark.parametrize("text", ["", "  ", "morgen", "Mars/Olympus_Mons", "amsterdamm", "local"])
def test_suggest_zone_says_nothing_when_nothing_matches(text: str) -> None:
    assert suggest_zone(text) is None


@given(zone=st.sampled_from(ALL_ZONES))
def test_every_zone_is_known_and_found_by_its_name_in_any_case(zone: str) -> None:
    assert is_known_zone(zone)
    assert suggest_zone(zone.upper()) == zone
    assert suggest_zone(zone.lower()) == zone


AREAS = {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe"}
AREA_ZONES = [z for z in ALL_ZONES if z.split("/", 1)[0] in AREAS | {"Indian", "Pacific"}]


@given(zone=st.sampled_from(AREA_ZONES))
def test_a_city_name_finds_a_zone_that_keeps_the_same_time(zone: str) -> None:
    suggested = suggest_zone(zone.rsplit("/", 1)[-1].replace("_", " "))
    assert suggested is not None
    for moment in (utc(2026, 1, 1), utc(2026, 7, 1)):
        here = moment.astimezone(ZoneInfo(zone)).utcoffset()
        assert moment.astimezone(ZoneInfo(suggested)).utcoffset() == here


@pytest.mark.parametrize(
    ("text", "country", "zones"),
    [
        ("Spanje", "Spanje", ("Europe/Madrid", "Atlantic/Canary")),
        ("Spain", "Spanje", ("Europe/Madrid", "Atlantic/Canary")),
        ("brazilie", "Brazilië", ("America/Sao_Paulo", "America/Noronha")),
        ("Verenigde Staten", "Verenigde Staten", ("America/New_York", "America/Chicago")),
        ("United States", "Verenigde Staten", ("America/Los_Angeles", "Pacific/Honolulu")),
        ("Australië", "Australië", ("Australia/Sydney", "Australia/Perth")),
    ],
)
def test_a_country_with_several_times_offers_one_zone_for_each(
    text: str, country: str, zones: tuple[str, ...]
) -> None:
    """ "Spanje" is no one time: the question is which, with the zones people know by name."""
    assert suggest_zone(text) is None
    found = country_zones(text)
    assert found is not None
    name, offered = found
    assert name == country
    assert set(zones) <= set(offered)
    assert len(offered) <= 10  # a WhatsApp list holds ten rows
    moments = (datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 7, 15, tzinfo=UTC))
    times = {tuple(m.astimezone(ZoneInfo(z)).utcoffset() for m in moments) for z in offered}
    assert len(times) == len(offered)  # each button another time


@pytest.mark.parametrize("text", ["Nederland", "België", "Duitsland", "Amsterdam", "Atlantis"])
def test_a_place_with_one_time_or_none_is_no_question(text: str) -> None:
    assert country_zones(text) is None
