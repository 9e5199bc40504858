"""A course's versions: checking a course file against the newest version, publishing it,
listing the versions, and moving running enrollments to a newer one. The command line
(`druppel courses ...`) and a trainer's chat (bot/staff/publish.py) take the same steps here.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.delivery.catalogue import Catalogue
from courses.diff import CourseDiff, diff, lines_up
from courses.models import Course
from courses.problems import Checked, check_text
from storage.models import EnrollmentStatus
from storage.store import Store
from storage.versions import Published

#: Enrollments that still get lessons, or will after a pause: a migration moves these.
RUNNING = (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED)


def digest(course: Course) -> str:
    """A short fingerprint of a version's content, to tell versions apart at a glance."""
    return hashlib.sha256(course.model_dump_json().encode()).hexdigest()[:12]


class Refusal(StrEnum):
    """Why a valid course file is not published."""

    UNKNOWN_COURSE = "unknown_course"  # no course of that id ships with druppel
    WRONG_VERSION = "wrong_version"  # its version is not the one after the newest
    UNCHANGED = "unchanged"  # it reads exactly as the newest version


@dataclass(frozen=True)
class Proposal:
    """A course file checked against its course's newest version: what publishing it does."""

    checked: Checked
    newest: Course | None = None
    changes: CourseDiff | None = None
    refusal: Refusal | None = None

    @property
    def course(self) -> Course | None:
        return self.checked.course

    @property
    def ready(self) -> bool:
        return self.checked.course is not None and self.refusal is None


async def propose(catalogue: Catalogue, text: str) -> Proposal:
    """Check a course file's text, and compare it with the newest version of its course."""
    checked = check_text(text)
    course = checked.course
    if course is None:
        return Proposal(checked)
    newest = await catalogue.newest(course.id)
    if newest is None:
        return Proposal(checked, refusal=Refusal.UNKNOWN_COURSE)
    changes = diff(newest, course)
    if course.version != newest.version + 1:
        return Proposal(checked, newest, changes, Refusal.WRONG_VERSION)
    if changes.empty:
        return Proposal(checked, newest, changes, Refusal.UNCHANGED)
    return Proposal(checked, newest, changes)


async def publish(
    store: Store, catalogue: Catalogue, course: Course, by: str, now: datetime
) -> int | None:
    """Store `course` as its course's newest version. Returns None when it was stored, else the
    version that is newest now (someone published one in between)."""
    record = Published(
        course_id=course.id, version=course.version, by=by[:64] or "?", at=now,
        digest=digest(course), body=course.model_dump_json(),
    )  # fmt: skip
    newer = await store.versions.publish(record, catalogue.first(course.id))
    if newer is None:
        await catalogue.newest(course.id)
    return newer


@dataclass(frozen=True)
class Version:
    """One version of a course as listed: who published it (None: the shipped file), when,
    its digest, its days, and how many running enrollments read it."""

    number: int
    by: str | None
    at: datetime | None
    digest: str
    days: int
    running: int


async def running_by_version(store: Store, course_id: str) -> Counter[int]:
    """How many running enrollments (active or paused) read each version of a course."""
    counts: Counter[int] = Counter()
    async for pid in store.enrollments.segments.members([course_id], RUNNING):
        enrollment = await store.enrollments.get(pid, course_id)
        if enrollment is not None and enrollment.status in RUNNING:
            counts[enrollment.course_version] += 1
    return counts


async def versions(store: Store, catalogue: Catalogue, course_id: str) -> list[Version]:
    """Every version of a course, oldest first; empty for a course there is no file of."""
    if course_id not in catalogue:
        return []
    running = await running_by_version(store, course_id)
    first = catalogue.first(course_id)
    shipped = await catalogue.version(course_id, first)
    listed = []
    if shipped is not None:
        listed.append(Version(first, None, None, digest(shipped), shipped.length, running[first]))
    for published in await store.versions.all(course_id):
        course = await catalogue.version(course_id, published.version)
        days = course.length if course is not None else 0
        listed.append(
            Version(published.version, published.by, published.at, published.digest, days,
                    running[published.version])
        )  # fmt: skip
    return listed


@dataclass
class Migration:
    """What `migrate` ordered: per older version, how many running enrollments move from
    their next day on, and why the versions that do not line up stay where they are."""

    to: int
    moved: dict[int, int] = field(default_factory=dict)
    refused: dict[int, tuple[str, int]] = field(default_factory=dict)


class MigrationError(Exception):
    """A migration that cannot be ordered at all; `str()` says why."""


async def migrate(store: Store, catalogue: Catalogue, course_id: str, to: int) -> Migration:
    """Order every running enrollment on an older version of the course to move to version
    `to` at its next lesson, where the days line up. Never mid-day: the switch comes with the
    next day's lesson, and what was queued of a day keeps the version it was queued on."""
    if course_id not in catalogue:
        known = ", ".join(sorted(catalogue))
        raise MigrationError(f"there is no course {course_id!r} (known: {known})")
    newest = await catalogue.newest(course_id)
    first = catalogue.first(course_id)
    top = newest.version if newest is not None else first
    if to > top:
        raise MigrationError(f"{course_id} has no version {to} (its newest is {top})")
    if to <= first:
        raise MigrationError(f"version {to} of {course_id} is its first: none is older")
    target = await catalogue.version(course_id, to)
    if target is None or target.version != to:
        raise MigrationError(f"version {to} of {course_id} cannot be read")
    running = await running_by_version(store, course_id)
    result = Migration(to)
    moves: dict[int, int] = {}
    for number in range(first, to):
        old = await catalogue.version(course_id, number)
        why = "it cannot be read" if old is None or old.version != number else None
        if old is not None and why is None:
            why = lines_up(old, target)
        if why is None:
            moves[number] = to
            result.moved[number] = running[number]
        else:
            result.refused[number] = (why, running[number])
    await store.versions.move(course_id, moves)
    catalogue.forget_moves(course_id)
    return result
