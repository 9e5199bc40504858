"""Opening hours written as people write them, `ma-vr 09:00-17:00`: when the coaches are in.

Days are Dutch two-letter abbreviations (ma di wo do vr za zo), a range or a list (`ma,wo,vr`),
or left out for every day; the times are local to one time zone. Several spans are separated by
`;` (`ma-vr 09:00-17:00; za 10:00-12:00`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
_SPAN = re.compile(
    r"^\s*(?:(?P<days>[a-z]{2}(?:\s*[-,]\s*[a-z]{2})*)\s+)?"
    r"(?P<start>\d{1,2}[:.]\d{2})\s*-\s*(?P<end>\d{1,2}[:.]\d{2})\s*$"
)


def _time(value: str) -> time:
    hours, minutes = re.split(r"[:.]", value)
    return time(int(hours), int(minutes))


def _days(value: str | None) -> frozenset[int]:
    if value is None:
        return frozenset(range(7))
    found: set[int] = set()
    for part in value.replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(f"unknown day in {value!r}; use {' '.join(DAYS)}")
        a, b = DAYS.index(first), DAYS.index(last or first)
        found.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return frozenset(found)


@dataclass(frozen=True)
class Span:
    days: frozenset[int]
    start: time
    end: time


@dataclass(frozen=True)
class Hours:
    spans: tuple[Span, ...]
    zone: ZoneInfo

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        return any(
            local.weekday() in s.days and s.start <= local.time() < s.end for s in self.spans
        )

    def next_open(self, moment: datetime) -> datetime:
        """The next moment the hours begin (or `moment` itself when they are open now)."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(self.zone)
        for ahead in range(8):
            day = local.date() + timedelta(days=ahead)
            starts = sorted(
                datetime.combine(day, s.start, self.zone)
                for s in self.spans
                if day.weekday() in s.days
            )
            for start in starts:
                if start > local:
                    return start
        raise ValueError("opening hours without any open moment")


def parse_hours(value: str, zone: str) -> Hours:
    """`ma-vr 09:00-17:00` in `zone`; ValueError with what is wrong."""
    spans: list[Span] = []
    for written in filter(str.strip, value.lower().split(";")):
        found = _SPAN.match(written)
        if found is None:
            raise ValueError(f"not opening hours: {written.strip()!r} (e.g. 'ma-vr 09:00-17:00')")
        start, end = _time(found["start"]), _time(found["end"])
        if start >= end:
            raise ValueError(f"the hours must start before they end: {written.strip()!r}")
        spans.append(Span(_days(found["days"]), start, end))
    if not spans:
        raise ValueError("no opening hours given")
    return Hours(tuple(spans), ZoneInfo(zone))
