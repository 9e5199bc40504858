"""Where a participant is in a conversation of several turns (signing up, changing their time).

The step is stored on the participant, with the course they are choosing, so a restart in the
middle of a sign-up loses nothing. The stored words are the enum's values and never change.
"""

from __future__ import annotations

from enum import StrEnum

from storage.models import Participant
from storage.store import Store


class Step(StrEnum):
    COURSE = "course"  # asked which course
    TIME = "time"  # asked for a delivery time, with buttons
    TYPE_TIME = "type_time"  # asked to type a delivery time
    ZONE = "zone"  # asked whether the time zone is right
    TYPE_ZONE = "type_zone"  # asked to type a time zone
    RESTART = "restart"  # asked whether to start again, while a course runs
    COACH = "coach"  # asked to type their question to a coach


#: The steps in which a typed text is a delivery time, and a time zone.
TIME_STEPS = frozenset({Step.TIME, Step.TYPE_TIME})
ZONE_STEPS = frozenset({Step.ZONE, Step.TYPE_ZONE})


def step_of(participant: Participant) -> Step | None:
    """The step they are in; None for none, or for a word this version does not know (their
    text is then read as an answer, as it would be without a step)."""
    try:
        return Step(participant.step) if participant.step else None
    except ValueError:
        return None


async def set_step(
    store: Store, participant: Participant, step: Step | None, course_id: str | None = None
) -> Participant:
    """Move them to `step` (None: no step), choosing `course_id` (None: no course)."""

    def change(p: Participant) -> Participant:
        p.step = None if step is None else step.value
        p.pending_course = course_id
        return p

    return await store.participants.update(participant.id, change) or participant
