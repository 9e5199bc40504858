"""Keeping answers only as long as needed: reflections and check-ins of a course that ended
(completed or stopped) more than the retention period ago are removed.

The participant's profile and the enrollment itself stay, so they can still see which courses
they followed and start another; only what they wrote and scored goes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.models import EnrollmentStatus
from storage.store import Store

ENDED = (EnrollmentStatus.COMPLETED, EnrollmentStatus.STOPPED)


async def apply_retention(store: Store, now: datetime, days: int) -> int:
    """Remove the answers of every enrollment that ended more than `days` days before `now`.
    Returns how many participants lost answers this time; running it again removes nothing."""
    cutoff = now - timedelta(days=days)
    trimmed = 0
    async for pid in store.participants.ids():
        removed = 0
        for enrollment in await store.enrollments.for_participant(pid):
            ended_at = enrollment.ended_at
            if enrollment.status in ENDED and ended_at is not None and ended_at <= cutoff:
                removed += await store.reflections.remove_course(pid, enrollment.course_id)
                removed += await store.checkins.remove_course(pid, enrollment.course_id)
        trimmed += removed > 0
    return trimmed
