"""Loading course files: YAML in, validated `Course` out, or one line that says what is wrong.

A broken file must never reach a participant, so the bot refuses to start with one, and the error
names the file, the day and the field so whoever wrote it can fix it in a minute.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from courses.models import Course

COURSE_SUFFIXES = (".yaml", ".yml")


class CourseFileError(Exception):
    """A course file that cannot be used; `str()` is one line naming file, day and field."""

    def __init__(self, path: Path, where: str, problem: str) -> None:
        self.path = path
        self.where = where
        self.problem = problem
        location = f"{path}: {where}: " if where else f"{path}: "
        super().__init__(f"{location}{problem}")


def where(
    loc: tuple[int | str, ...], day: str = "day", field: str = "field", message: str = "message"
) -> str:
    """('days', 2, 'lesson', 0) -> 'day 3, field lesson (message 1)' (or in other `day`,
    `field` and `message` words)."""
    parts: list[str] = []
    rest = list(loc)
    if len(rest) >= 2 and rest[0] == "days" and isinstance(rest[1], int):
        parts.append(f"{day} {rest[1] + 1}")
        rest = rest[2:]
    if rest:
        name = str(rest[0])
        # A lesson part or a prompt is a text or a quote: which of the two was meant is no news.
        tag = 2 if name == "lesson" else 1
        if name in ("lesson", "prompt") and len(rest) > tag and rest[tag] in ("text", "quote"):
            del rest[tag]
        extra = ""
        if len(rest) > 1 and isinstance(rest[1], int) and name == "lesson":
            more = ", " + ".".join(str(p) for p in rest[2:]) if len(rest) > 2 else ""
            extra = f" ({message} {rest[1] + 1}{more})"
        elif len(rest) > 1:
            extra = " (" + ".".join(str(p) for p in rest[1:]) + ")"
        parts.append(f"{field} {name}{extra}")
    return ", ".join(parts)


def _first_error(path: Path, exc: ValidationError) -> CourseFileError:
    error = exc.errors(include_url=False)[0]
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "is missing"
    elif error["type"] == "extra_forbidden":
        message = "is not a known field"
    more = exc.error_count() - 1
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return CourseFileError(path, where(tuple(error["loc"])), message)


#: libyaml's safe loader where PyYAML has it (a course file in 1 ms instead of 30: every druppel
#: process and every engine reads them all at start), the pure-Python one otherwise; both safe.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_course(path: Path) -> Course:
    """Read and validate one course file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseFileError(path, "", f"cannot be read: {exc}") from exc
    try:
        data: Any = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "is not valid YAML"
        raise CourseFileError(path, where, f"invalid YAML: {problem}") from exc
    if not isinstance(data, dict):
        raise CourseFileError(path, "", "must be a mapping with id, title, days and so on")
    try:
        course = Course.model_validate(data)
    except ValidationError as exc:
        raise _first_error(path, exc) from exc
    if course.id != path.stem:
        raise CourseFileError(
            path, "field id", f"is {course.id!r} but the file is named {path.name}"
        )
    return course


def course_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in COURSE_SUFFIXES)


def load_courses(paths: Iterable[Path]) -> dict[str, Course]:
    """Load several course files; any broken one stops everything."""
    courses: dict[str, Course] = {}
    for path in paths:
        course = load_course(path)
        if course.id in courses:
            raise CourseFileError(path, "field id", f"{course.id!r} is used by two files")
        courses[course.id] = course
    return courses


def load_course_dir(directory: Path) -> dict[str, Course]:
    if not directory.is_dir():
        raise CourseFileError(directory, "", "is not a directory of course files")
    files = course_files(directory)
    if not files:
        raise CourseFileError(directory, "", "holds no course files (*.yaml)")
    return load_courses(files)
