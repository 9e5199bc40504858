"""When a lesson is next due, in the participant's own time zone.

A participant picks a wall time ("7:30") and an IANA zone; the lesson is due once per local
calendar day at that wall time. Daylight saving time bends that rule in three places:

- A wall time that does not exist that day (the clocks jump over it) moves forward by the length
  of the jump: 02:30 on the day Amsterdam jumps from 02:00 to 03:00 is due at 03:30.
- A wall time that happens twice (the clocks fall back) is due once, the first time.
- Where moving forward would leave the local day (Nuuk jumps from 23:00 straight to 00:00), the
  lesson comes in the last second before the jump instead, so every day still gets exactly one.
  A day the zone skips entirely (Samoa dropped 30 December 2011) gets none.

Everything here is a pure function of its arguments and the tz database.
"""

from __future__ import annotations

import functools
import math
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from scheduler.places import fold, zone_for_place

_ONE_DAY = timedelta(days=1)
_ONE_SECOND = timedelta(seconds=1)

_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})
"""Names the tz database ships that are not places: the host's own zone and placeholders."""

_AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
"""Areas of the current tz naming scheme, preferred over legacy names like `US/Eastern`."""


def _zone(name: str) -> ZoneInfo:
    if not is_known_zone(name):
        raise ValueError(f"unknown time zone: {name!r}")
    return ZoneInfo(name)


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {value!r}")


def _local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def _start_of_next_day(day: date, tz: ZoneInfo, low: datetime, high: datetime) -> datetime:
    """The first whole second after `low`, up to `high`, whose local date is past `day`.

    Bisects over whole seconds, which is exact because the tz database changes offsets only on
    whole seconds. Requires `low` to fall on `day` or earlier and `high` after it.
    """
    lo = math.floor(low.timestamp())
    hi = math.ceil(high.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _local_date(datetime.fromtimestamp(mid, UTC), tz) > day:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def _due_on(day: date, at: time, tz: ZoneInfo) -> datetime | None:
    """The instant (UTC) the lesson for local `day` is due, or None if the zone skips that day."""
    first = datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
    if _local_date(first, tz) == day:
        return first
    # The wall time is in a gap and moving forward left the day: take the day's last second.
    before_gap = datetime.combine(day, at, tzinfo=tz).replace(fold=1).astimezone(UTC)
    last_second = _start_of_next_day(day, tz, before_gap, first) - _ONE_SECOND
    return last_second if _local_date(last_second, tz) == day else None


def next_delivery(after: datetime, zone: str, at: time) -> datetime:
    """The first instant strictly after `after` at which the lesson is due, in UTC.

    `at` is the participant's wall time in `zone`; `after` may be in any zone. See the module
    docstring for what happens when daylight saving time moves the clocks.
    """
    _require_aware(after, "after")
    if at.tzinfo is not None:
        raise ValueError(f"the delivery time is a wall time and takes no zone, got {at!r}")
    tz = _zone(zone)
    wall = at.replace(fold=0)
    day = _local_date(after, tz) - _ONE_DAY
    while True:
        due = _due_on(day, wall, tz)
        if due is not None and due > after:
            return due
        day += _ONE_DAY


def local_day(at: datetime, zone: str) -> date:
    """The participant's local calendar date at instant `at`, which decides the course day."""
    _require_aware(at, "at")
    return _local_date(at, _zone(zone))


_TIME_OF_DAY = re.compile(
    r"(?P<h>[0-9]{1,2})(?:\s*[:.hu]\s*(?P<m>[0-9]{2}))?\s*(?:u|uur|h)?"
    r"|(?P<hh>[0-9]{1,2})(?P<mm>[0-9]{2})"
)


#: Longer text is no zone or place name.
MAX_ZONE_CHARS = 100


def parse_time_of_day(text: str) -> time | None:
    """Read a delivery time the way Dutch speakers type one, or None if it is not a time.

    Accepts "7:30", "07:30", "7.30", "19u30", "19u", "19 uur", "7", "0730"; hours 0-23 and
    minutes 0-59, so "24:00" and "7:60" are refused rather than guessed at.
    """
    if len(text) > 40:
        return None
    match = _TIME_OF_DAY.fullmatch(text.strip().lower())
    if match is None:
        return None
    hours = int(match["h"] or match["hh"])
    minutes = int(match["m"] or match["mm"] or 0)
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones() - _NOT_ZONES)


def is_known_zone(name: str) -> bool:
    """Whether `name` is an IANA zone key exactly as stored, so bad input never reaches ZoneInfo."""
    return name in _known_zones()


def _preference(name: str) -> tuple[bool, int, str]:
    """Sort key among equal matches: current-scheme areas, then the most specific, then A-Z."""
    return (name.split("/", 1)[0] not in _AREAS, -name.count("/"), name)


@functools.cache
def _zone_lookup() -> tuple[dict[str, str], dict[str, str]]:
    by_key: dict[str, str] = {}
    by_city: dict[str, str] = {}
    for name in sorted(_known_zones(), key=_preference, reverse=True):
        by_key[fold(name)] = name
        by_city[fold(name.rsplit("/", 1)[-1])] = name
    return by_key, by_city


def suggest_zone(text: str) -> str | None:
    """The zone a participant most likely means by a place or zone name, or None.

    "amsterdam", "Europe/Amsterdam", "new york" and "São Paulo" all work, and so do places in
    Dutch or English (`scheduler.places`: "Brussel", "Den Haag", "België", "Curaçao"); where
    several zones share a city name the current-scheme one wins, and all keep the same time.
    """
    if len(text) > MAX_ZONE_CHARS:
        return None  # no place is named in more; and nothing longer reaches a pattern
    folded = fold(text)
    if not folded:
        return None
    by_key, by_city = _zone_lookup()
    return by_key.get(folded) or by_city.get(folded) or zone_for_place(text)
