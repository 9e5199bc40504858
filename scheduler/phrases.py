"""A time of day as people type it, in Dutch or English: "7:30", "half 8", "kwart voor 8".

Digital times are read on the 24-hour clock, as Dutch speakers write them: "7:30", "07.30",
"19u30", "0730", "7" (07:00). Spoken times name an hour of the 12-hour clock and may leave open
whether it is morning or evening: "half 8" (7:30), "kwart over 7", "tien voor half 9", "8 uur",
"om 8", "half past 7", "quarter to 8", "8 o'clock". Such a time is read as both (`read_time`
returns two), unless a part of the day says which: "'s ochtends", "'s avonds", "in the
morning", "pm", or an hour past 12 ("half 20"). The conversation asks once which one is meant.

Input is bounded (`MAX_CHARS`) before any pattern sees it: a time is a few words.
"""

from __future__ import annotations

import re
from datetime import time

from scheduler.localtime import parse_time_of_day

#: Longer input is no time of day; nothing longer reaches a pattern.
MAX_CHARS = 60

_NUMBERS = {
    "een": 1, "één": 1, "eén": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
    "zeven": 7, "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twintig": 20, "twenty": 20,
}  # fmt: skip
_NUMBER = r"(?:\d{1,2}|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + ")"

#: Parts of the day, and whether they put the hour in the afternoon or evening.
_MORNING = r"(?:'s\s*ochtends|'s\s*morgens|s\s*ochtends|s\s*morgens|ochtend|morgen|am|a\.m\.|in the morning|morning|'s\s*nachts|s\s*nachts|nacht|at night)"  # noqa: E501
_EVENING = r"(?:'s\s*avonds|s\s*avonds|avond|'s\s*middags|s\s*middags|middag|pm|p\.m\.|in the evening|evening|in the afternoon|afternoon|tonight)"  # noqa: E501

_LEAD = re.compile(r"^(?:om|rond|tegen|at|around|ongeveer|about)\s+")
_PART = re.compile(rf"\s*(?:in\s+de\s+)?(?:(?P<am>{_MORNING})|(?P<pm>{_EVENING}))\s*$")
_SPOKEN = (
    # "half 8", "tien voor half 9", "5 over half 8"
    re.compile(
        rf"(?:(?P<n>{_NUMBER})\s*(?:minuten\s*)?(?P<dir>over|voor)\s*)?half\s*(?P<h>{_NUMBER})"
    ),
    # "kwart over 7", "10 voor 8", "quarter past 7", "ten to 8", "half past 7"
    re.compile(
        rf"(?P<n>kwart|quarter|half|{_NUMBER})\s*(?:minuten\s*|minutes\s*)?"
        rf"(?P<dir>over|voor|past|after|to|before)\s*(?P<h>{_NUMBER})"
    ),
    # "8 uur", "8 o'clock", "8am" (the part of the day read separately), "acht"
    re.compile(rf"(?P<h>{_NUMBER})\s*(?:uur|u|o'?clock|h)?"),
)


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS[word]


def _spoken(text: str) -> tuple[int, int] | None:
    """Hour (as said) and minutes of a spoken time, or None."""
    for pattern in _SPOKEN:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        hour = _number(match["h"])
        groups = match.groupdict()
        if groups.get("dir") is None:
            # "half 8" is half an hour before eight; "8 uur" is eight
            return _shift(hour, -30) if pattern is _SPOKEN[0] else (hour, 0)
        n = match["n"]
        minutes = 15 if n in ("kwart", "quarter") else 30 if n == "half" else _number(n)
        after = match["dir"] in ("over", "past", "after")
        if pattern is _SPOKEN[0]:
            # "tien voor half 9" is 8:20; "5 over half 8" is 7:35
            return _shift(hour, -30 + (minutes if after else -minutes))
        return _shift(hour, minutes if after else -minutes)
    return None


def _shift(hour: int, minutes: int) -> tuple[int, int]:
    total = (hour * 60 + minutes) % (24 * 60)
    return divmod(total, 60)


def read_time(text: str) -> tuple[time, ...]:
    """The times of day `text` may mean: none (not a time), one, or two (morning and evening
    of a spoken 12-hour time with no part of the day said)."""
    if len(text) > MAX_CHARS:
        return ()
    text = " ".join(text.lower().replace("\u2019", "'").split())
    if not text:
        return ()
    text = _LEAD.sub("", text)
    part = _PART.search(text)
    evening: bool | None = None
    if part is not None and part.start() > 0:
        evening = part["pm"] is not None
        text = text[: part.start()].strip()
    digital = parse_time_of_day(text)
    if digital is not None:
        if evening is None:
            return (digital,)
        return (_twelve(digital.hour, digital.minute, evening),)
    spoken = _spoken(text)
    if spoken is None:
        return ()
    hour, minutes = spoken
    if hour > 12 or (hour == 0 and minutes == 0 and evening is None):
        return (time(hour % 24, minutes),)
    if evening is not None:
        return (_twelve(hour, minutes, evening),)
    morning = time(hour % 12, minutes)
    later = time(hour % 12 + 12, minutes)
    return (morning, later)


def _twelve(hour: int, minutes: int, evening: bool) -> time:
    """An hour of the 12-hour clock in the morning (or night) or in the afternoon/evening."""
    if hour > 12:
        return time(hour, minutes)
    if evening:
        return time(hour % 12 + 12, minutes)
    return time(hour % 12, minutes)
