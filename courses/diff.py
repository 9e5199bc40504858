"""What changed between two versions of a course, day by day and part by part: what a trainer
reads before publishing, and what tells whether running enrollments can move to the new one.

Days are compared by their number: a day inserted in the middle changes every day after it,
which is what a participant on one of those days would notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from courses.models import Course, Day


class DayPart(StrEnum):
    TITLE = "title"
    LESSON = "lesson"
    CHECKIN = "checkin"
    PROMPT = "prompt"
    NUDGE = "nudge"


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


#: Course-wide fields, in the order a change to them is told: every field of a course but its
#: id, its version and its days (told day by day), read from the model so none is forgotten.
COURSE_FIELDS = tuple(f for f in Course.model_fields if f not in ("id", "version", "days"))


@dataclass(frozen=True, slots=True)
class DayChange:
    """One day that differs: added, removed, or changed in these parts (a lesson part by its
    number, counting from 1)."""

    day: int
    change: Change
    parts: tuple[tuple[DayPart, int | None], ...] = ()


@dataclass(frozen=True, slots=True)
class CourseDiff:
    old: Course
    new: Course
    days: tuple[DayChange, ...]
    #: Course-wide fields that differ (names from COURSE_FIELDS).
    fields: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.days and not self.fields

    @property
    def first_changed_day(self) -> int | None:
        """The first day of the new version that reads differently (added or changed)."""
        return next((d.day for d in self.days if d.change is not Change.REMOVED), None)

    def count(self, change: Change) -> int:
        return sum(1 for d in self.days if d.change is change)


def _day_parts(old: Day, new: Day) -> tuple[tuple[DayPart, int | None], ...]:
    parts: list[tuple[DayPart, int | None]] = []
    if old.title != new.title:
        parts.append((DayPart.TITLE, None))
    for i in range(max(len(old.lesson), len(new.lesson))):
        before = old.lesson[i] if i < len(old.lesson) else None
        after = new.lesson[i] if i < len(new.lesson) else None
        if before != after:
            parts.append((DayPart.LESSON, i + 1))
    for part in (DayPart.CHECKIN, DayPart.PROMPT, DayPart.NUDGE):
        if getattr(old, part.value) != getattr(new, part.value):
            parts.append((part, None))
    return tuple(parts)


def diff(old: Course, new: Course) -> CourseDiff:
    days: list[DayChange] = []
    for number in range(1, max(old.length, new.length) + 1):
        if number > old.length:
            days.append(DayChange(number, Change.ADDED))
        elif number > new.length:
            days.append(DayChange(number, Change.REMOVED))
        elif parts := _day_parts(old.day(number), new.day(number)):
            days.append(DayChange(number, Change.CHANGED, parts))
    fields = tuple(f for f in COURSE_FIELDS if getattr(old, f) != getattr(new, f))
    return CourseDiff(old, new, tuple(days), fields)


def day_ranges(days: list[int]) -> str:
    """[2, 3, 4, 7] -> "2-4, 7"."""
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _part_words(part: DayPart, index: int | None) -> str:
    name = {DayPart.TITLE: "title", DayPart.LESSON: "lesson part", DayPart.CHECKIN: "check-in",
            DayPart.PROMPT: "prompt", DayPart.NUDGE: "nudge"}[part]  # fmt: skip
    return f"{name} {index}" if index is not None else name


def describe(found: CourseDiff) -> list[str]:
    """The change in words, a line each, for the command line (the chat's are Dutch)."""
    if found.empty:
        return ["nothing changed"]
    lines: list[str] = []
    for change in (Change.ADDED, Change.REMOVED):
        numbers = [d.day for d in found.days if d.change is change]
        if numbers:
            label = "day" if len(numbers) == 1 else "days"
            lines.append(f"{label} {day_ranges(numbers)} {change.value}")
    for day in found.days:
        if day.change is Change.CHANGED:
            parts = ", ".join(_part_words(p, i) for p, i in day.parts)
            lines.append(f"day {day.day} changed: {parts}")
    if found.fields:
        lines.append(f"course changed: {', '.join(found.fields)}")
    return lines


def lines_up(old: Course, new: Course) -> str | None:
    """Why enrollments on `old` cannot move to `new` from their next day on, or None when they
    can: every day must stay the day it was, so both have the same number of days."""
    if old.length == new.length:
        return None
    return (
        f"version {old.version} has {old.length} days and version {new.version} has "
        f"{new.length}: a participant's next day would not be the day that follows theirs"
    )
