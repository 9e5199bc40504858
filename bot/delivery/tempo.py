"""The pace of a participant's course: every day, every other day, or at their own pace.

A course sets its own pacing (`daily` or `after_reflection`); a participant may choose another,
and is offered that choice once, with the lesson that follows two lesson days in a row on
which they neither answered nor checked in. These rules are pure: the journey asks them when it
plans the next lesson, the deliveries when they send one.
"""

from __future__ import annotations

from typing import ClassVar

from bot.core import texts_pace
from bot.core.button_data import ButtonData
from courses.models import Course, Pacing
from storage.models import Enrollment, Lane, Pace, QueueItem, StoredButton, StoredMessage

#: Lesson days in a row without a word from them before the choice is offered.
QUIET_DAYS = 2


class PaceChoice(ButtonData):
    """A pace chosen for a course: "p:twijfel:other"."""

    prefix: ClassVar[str] = "p"
    course: str
    pace: Pace


def pace_of(course: Course | None, enrollment: Enrollment) -> Pace:
    """The pace that holds: theirs when they chose one, else the course's own."""
    if enrollment.pace is not None:
        return enrollment.pace
    if course is not None and course.pacing is Pacing.AFTER_REFLECTION:
        return Pace.OWN
    return Pace.DAILY


def days_apart(course: Course | None, enrollment: Enrollment) -> int:
    """Local days between two lessons, at least."""
    return 2 if pace_of(course, enrollment) is Pace.OTHER_DAY else 1


def waits_for_answer(course: Course | None, enrollment: Enrollment) -> bool:
    """Whether the next lesson waits for an answer to the last one."""
    return pace_of(course, enrollment) is Pace.OWN


def quiet_days(enrollment: Enrollment, day: int) -> int:
    """The lesson days before `day` after which nothing came from them (no answer, no
    check-in), counted back from the day before."""
    heard = max(enrollment.heard_day, enrollment.reflected_day)
    return max(0, day - 1 - heard)


def offer_due(enrollment: Enrollment, day: int) -> bool:
    """Whether lesson `day` comes with the choice of pace: after QUIET_DAYS silent lesson
    days, once per enrollment, and not when they already chose."""
    return (
        not enrollment.pace_offered
        and enrollment.pace is None
        and quiet_days(enrollment, day) >= QUIET_DAYS
    )


def heard(enrollment: Enrollment) -> Enrollment | None:
    """They answered or checked in: nothing since the last lesson day is quiet any more."""
    if enrollment.heard_day >= enrollment.last_delivered_day:
        return None
    enrollment.heard_day = enrollment.last_delivered_day
    return enrollment


def choice_rows(course_id: str) -> tuple[tuple[StoredButton, ...], ...]:
    return tuple(
        (StoredButton(label=label, data=PaceChoice(course=course_id, pace=pace).pack()),)
        for pace, label in texts_pace.PACE_BUTTONS.items()
    )


def offer(course_id: str) -> QueueItem:
    """The question with its three buttons, queued before the lesson (the bot's own words);
    it belongs to the course, so a pause holds it and a stop drops it with the lesson."""
    rows = [list(row) for row in choice_rows(course_id)]
    message = StoredMessage(text=texts_pace.PACE_OFFER, buttons=rows)
    return QueueItem(lane=Lane.LESSON, kind="text", course_id=course_id, message=message)


def described(course: Course | None, enrollment: Enrollment) -> str:
    return texts_pace.PACE_NAMES[pace_of(course, enrollment)]
