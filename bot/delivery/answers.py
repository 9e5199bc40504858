"""A participant's own answers, shown back to them (`/antwoorden`), rendered only when sent.

What someone wrote is never copied into their chat's queue: the queue names the days (and, for a
day too long for one message, which part), and the text is read from their stored reflections
at the moment it is sent. So the queue holds no one's words, encrypted at rest or not.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import texts
from courses.models import Course
from storage.models import CheckIn, ReflectionEntry

#: Characters per message: well under Telegram's 4096, read on a phone.
CHUNK = 3000


def day_block(
    course: Course, day: int, answers: Sequence[ReflectionEntry], score: int | None
) -> str:
    """One day as the participant sees it looking back: the question, then their words."""
    lines = [texts.ANSWERS_DAY.format(day=day, title=course.day(day).title), course.day(day).prompt]
    if score is not None:
        lines.append(texts.ANSWERS_SCORE.format(score=score))
    for entry in answers:
        lines.append(texts.ANSWERS_YOURS.format(text=entry.text))
    return "\n".join(lines)


def pieces(text: str, size: int = CHUNK) -> list[str]:
    """The text in parts of at most `size` characters, split at a line or a space if it can."""
    parts: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        if cut < size // 2:
            cut = text.rfind(" ", 0, size)
        if cut < size // 2:
            cut = size
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    parts.append(text)
    return parts


def by_day(
    course: Course, reflections: Sequence[ReflectionEntry], checkins: Sequence[CheckIn]
) -> dict[int, str]:
    """Each answered day's block, by day number (follow-up answers are not a day's)."""
    days: dict[int, list[ReflectionEntry]] = {}
    for entry in reflections:
        if entry.course_id == course.id and not entry.followup and entry.day <= course.length:
            days.setdefault(entry.day, []).append(entry)
    scores = {c.day: c.score for c in checkins if c.course_id == course.id}
    return {
        day: day_block(course, day, entries, scores.get(day))
        for day, entries in sorted(days.items())
    }


def plan(blocks: dict[int, str]) -> list[tuple[int, int, int]]:
    """How the blocks go out: (first day, last day, part) per message. Consecutive short days
    share a message; a day longer than one message is split in parts."""
    messages: list[tuple[int, int, int]] = []
    run: list[int] = []
    size = 0
    for day, block in blocks.items():
        if len(block) > CHUNK:
            if run:
                messages.append((run[0], run[-1], 0))
                run, size = [], 0
            messages += [(day, day, part) for part in range(len(pieces(block)))]
            continue
        if run and size + len(block) + 2 > CHUNK:
            messages.append((run[0], run[-1], 0))
            run, size = [], 0
        run.append(day)
        size += len(block) + 2
    if run:
        messages.append((run[0], run[-1], 0))
    return messages


def render(blocks: dict[int, str], first: int, last: int, part: int) -> str | None:
    """The text of one planned message, or None when what it named is gone."""
    chosen = [blocks[d] for d in range(first, last + 1) if d in blocks]
    if not chosen:
        return None
    if first == last and len(chosen[0]) > CHUNK:
        split = pieces(chosen[0])
        return split[part] if part < len(split) else None
    return "\n\n".join(chosen)
