"""`druppel courses ...`: check course files, read a course as a participant does, publish a
new version, list the versions, and move running enrollments to a newer one.

Publishing here and from a trainer's chat take the same steps (bot/staff/versions.py).
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from bot.app.settings import Settings, stored
from bot.core.errors import SetupError
from bot.delivery.catalogue import Catalogue
from bot.staff import versions
from courses.diff import describe
from courses.loader import course_files, load_course_dir
from courses.problems import Problem, check_text
from courses.render import preview as preview_text
from scheduler.clock import RealClock
from storage.store import Store


def _problems(path: Path, problems: tuple[Problem, ...]) -> None:
    for problem in problems:
        print(f"druppel: {path}: {problem}", file=sys.stderr)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SetupError(f"cannot read {path}: {exc}") from exc


def validate(settings: Settings, files: list[Path]) -> int:
    """Every file, and every problem of each with its line; 2 when any has one."""
    code = 0
    for path in files or course_files(settings.courses_dir):
        checked = check_text(_read(path), path.stem)
        if checked.course is None:
            _problems(path, checked.problems)
            code = 2
            continue
        course = checked.course
        print(f"ok  {path}: {course.id} version {course.version}, {course.length} days")
    return code


def _whence(by: str | None, at: datetime | None) -> str:
    """Where a version came from: the shipped file, or who published it and when."""
    when = "" if at is None else f" on {at:%Y-%m-%d %H:%M} UTC"
    return "the shipped file" if by is None else f"by {by}{when}"


async def preview(settings: Settings, course_id: str, day: int | None) -> int:
    """The course's newest version (a published one when there is one) as a participant reads
    it, under a line that says which version it is."""
    async with _catalogue(settings) as (store, catalogue):
        course = await catalogue.newest(course_id)
        published = None
        if course is not None and course.version != catalogue.first(course_id):
            published = await store.versions.get(course_id, course.version)
        known = ", ".join(sorted(catalogue))
    if course is None:
        raise SetupError(f"there is no course {course_id!r} (known: {known})")
    if day is not None and not 1 <= day <= course.length:
        raise SetupError(f"{course_id} has days 1 to {course.length}; there is no day {day}")
    source = "the shipped file"
    if published is not None:
        source = "published " + _whence(published.by, published.at)
    print(f"{course.id} version {course.version} ({source})\n")
    sys.stdout.write(preview_text(course, day))
    return 0


@asynccontextmanager
async def _catalogue(settings: Settings) -> AsyncIterator[tuple[Store, Catalogue]]:
    courses = load_course_dir(settings.courses_dir)
    async with stored(settings) as store:
        catalogue = Catalogue(courses, store.versions)
        await catalogue.refresh()
        yield store, catalogue


def _login() -> str:
    """Who publishes, when --by does not say: the login name, where the system knows one."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # a container user with no name
        return "the command line"


def _refusal(proposal: versions.Proposal) -> str:
    course, newest = proposal.course, proposal.newest
    assert course is not None
    if proposal.refusal is versions.Refusal.UNKNOWN_COURSE:
        return (
            f"there is no course {course.id!r}: a new course starts as a file in the courses folder"
        )
    assert newest is not None
    if proposal.refusal is versions.Refusal.WRONG_VERSION:
        return (
            f"the file says version {course.version}, but the newest version of {course.id} "
            f"is {newest.version}: publish it as version {newest.version + 1}"
        )
    return f"nothing changed against version {newest.version} of {course.id}"


async def publish(settings: Settings, path: Path, by: str | None) -> int:
    async with _catalogue(settings) as (store, catalogue):
        proposal = await versions.propose(catalogue, _read(path))
        course = proposal.course
        if course is None:
            _problems(path, proposal.checked.problems)
            return 2
        if proposal.refusal is not None or proposal.changes is None:
            raise SetupError(f"{path}: {_refusal(proposal)}")
        print(f"{course.id}: version {course.version} against version {course.version - 1}:")
        for line in describe(proposal.changes):
            print(f"  {line}")
        newer = await versions.publish(store, catalogue, course, by or _login(), RealClock().now())
        if newer is not None:
            raise SetupError(
                f"version {newer} of {course.id} was published meanwhile; compare again and "
                f"publish as version {newer + 1}"
            )
        print(
            f"published {course.id} version {course.version} ({versions.digest(course)}): new "
            "enrollments start on it; running ones keep theirs (see `druppel courses migrate`)"
        )
    return 0


async def list_versions(settings: Settings, course_id: str) -> int:
    async with _catalogue(settings) as (store, catalogue):
        found = await versions.versions(store, catalogue, course_id)
        if not found:
            known = ", ".join(sorted(catalogue))
            raise SetupError(f"there is no course {course_id!r} (known: {known})")
    for v in found:
        who = _whence(v.by, v.at)
        print(f"version {v.number}  {v.digest}  {v.days} days  {who}  ({v.running} running)")
    return 0


async def migrate(settings: Settings, course_id: str, to: int) -> int:
    async with _catalogue(settings) as (store, catalogue):
        try:
            done = await versions.migrate(store, catalogue, course_id, to)
        except versions.MigrationError as exc:
            raise SetupError(str(exc)) from exc
    for number, running in sorted(done.moved.items()):
        print(
            f"version {number} -> {to}: {running} running enrollments move with their next "
            "day (a day under way ends on the version it began on)"
        )
    for number, (why, running) in sorted(done.refused.items()):
        print(f"version {number} stays ({running} running enrollments): {why}", file=sys.stderr)
    return 0 if done.moved else 2
