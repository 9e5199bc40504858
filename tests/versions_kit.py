"""A shipped course as a trainer edits it for a new version: the file's text, with the first
lesson part of some days rewritten (for the version tests, in the kit and end to end)."""

from __future__ import annotations

from typing import Any

import yaml

from courses.models import Course


def new_lesson(day: int, version: int) -> str:
    return f"Nieuw in versie {version}: dag {day} begint met een ander verhaal."


def edited(course: Course, version: int, days: tuple[int, ...] = (2, 3)) -> str:
    """The course file with `version: <version>` and the first lesson part of `days` new."""
    data: dict[str, Any] = course.model_dump(mode="json", exclude_none=True)
    data["version"] = version
    for day in days:
        data["days"][day - 1]["lesson"][0] = new_lesson(day, version)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
