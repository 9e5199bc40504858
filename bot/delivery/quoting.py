"""The participant's own earlier answers, read for a course part that quotes one, as it is sent.

A quoting part is queued by name like every course message; only here, when it is rendered for
sending, is the answer it quotes read from their stored (sealed) answers. So their words never
enter the chat's queue, a course file, or a log. An answer from an earlier run of the course,
a follow-up answer, or one whose words signalled danger is never quoted: the fallback is sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.core.messages import Outgoing
from bot.delivery.items import outgoing, render
from bot.delivery.summary import summary
from bot.safety import assess
from courses.models import Course
from courses.render import quotes_in, render_day
from storage.models import Lane, QueueItem, ReflectionEntry
from storage.store import Store


def wanted(course: Course, day: int, index: int) -> set[int]:
    """The days whose answers part `index` of `day` quotes (none for most parts)."""
    if not 1 <= day <= course.length:
        return set()
    quote = quotes_in(course, day, index)
    return set() if quote is None else {quote.quote}


def pick(
    course: Course,
    entries: Iterable[ReflectionEntry],
    days: set[int],
    since: datetime | None = None,
) -> dict[int, str]:
    """Their answer to each of `days` in this course (and this run of it, from `since`), the
    messages of one day joined; a day with an answer that signalled danger is left out."""
    found: dict[int, list[str]] = {}
    for entry in entries:
        if entry.course_id != course.id or entry.followup or entry.day not in days:
            continue
        if since is not None and entry.at < since:
            continue
        found.setdefault(entry.day, []).append(entry.text)
    return {
        day: " ".join(texts)
        for day, texts in found.items()
        if not any(assess(text).danger for text in texts)
    }


async def remembered(store: Store, pid: str, course: Course, days: set[int]) -> dict[int, str]:
    """Their own answers to `days`, read now (what no key opens is left out: the fallback)."""
    if not days:
        return {}
    enrollment = await store.enrollments.get(pid, course.id)
    since = enrollment.started_at if enrollment is not None else None
    readable, _ = await store.reflections.readable(pid)
    return pick(course, readable, days, since)


def day_again(course: Course, day: int) -> list[Outgoing]:
    """A day sent again at their asking (/vandaag, /dag N): a part that quotes an answer goes
    into the queue by name and is read when sent; the rest as it reads."""
    shown = []
    for index, message in enumerate(render_day(course, day)):
        plain = outgoing(message, course.id, day)
        if quotes_in(course, day, index) is not None:
            named = QueueItem(
                lane=Lane.REPLY, kind="day", course_id=course.id, day=day, index=index
            )
            plain = Outgoing(plain.text, heading=plain.heading, buttons=plain.buttons, named=named)
        shown.append(plain)
    return shown


async def course_message(
    store: Store, course: Course | None, pid: str, item: QueueItem
) -> Outgoing | None:
    """A course's queued item as it is sent (`course` the version it was queued from): the
    summary, or a part of a day, with the participant's earlier answers quoted where asked."""
    courses = {course.id: course} if course is not None else {}
    if item.kind == "summary":
        if course is None:
            return None
        quote = course.summary_quote
        days = {quote.quote} if quote is not None else set()
        own = await remembered(store, pid, course, days)
        return await summary(course, await store.checkins.all(pid), own)
    if item.kind == "day" and course is not None and item.day is not None:
        own = await remembered(store, pid, course, wanted(course, item.day, item.index))
        return render(item, courses, own)
    return render(item, courses)
