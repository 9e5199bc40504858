"""A participant's own answers, shown back to them (`/antwoorden`), rendered only when sent.

What someone wrote is never copied into their chat's queue: the queue names the days (and, for a
day too long for one message, which part), and the text is read from their stored reflections
at the moment it is sent. So the queue holds no one's words, encrypted at rest or not.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from bot.core import texts, texts_coach
from bot.core.button_data import ButtonData
from bot.core.messages import Button
from bot.safety import assess
from courses.models import Course
from courses.render import question
from storage.models import CheckIn, Lane, QueueItem, ReflectionEntry

#: Units per message (see `units`): well under the platforms' 4,096, read on a phone.
CHUNK = 3000


class ShareAnswer(ButtonData):
    """Share one day's own answer with a coach: asked under /antwoorden ("sh:vraag:3:partner"),
    then confirmed ("sh:ja:3:partner") or not ("sh:nee:3:partner")."""

    prefix: ClassVar[str] = "sh"
    step: Literal["vraag", "ja", "nee"]
    day: Annotated[int, Field(ge=1)]
    course: str


def units(text: str) -> int:
    """A text's length as the platforms count it: Telegram counts UTF-16 code units (an emoji
    is two), WhatsApp characters; the UTF-16 count is never the smaller, so it holds for both."""
    return len(text.encode("utf-16-le")) // 2


def _fits(text: str, size: int) -> int:
    """How many characters of `text` fit in `size` units."""
    total = 0
    for i, char in enumerate(text):
        total += 2 if ord(char) > 0xFFFF else 1
        if total > size:
            return i
    return len(text)


def _clean_cut(text: str, cut: int) -> int:
    """`cut` moved back so it never parts a letter from its accents, an emoji from its
    modifiers, or the halves of a joined emoji."""
    while 0 < cut < len(text) and (
        unicodedata.combining(text[cut])
        or text[cut] in _JOINERS
        or text[cut - 1] == "\u200d"
        or 0x1F3FB <= ord(text[cut]) <= 0x1F3FF  # skin tones
    ):
        cut -= 1
    return cut


#: Characters that belong to the one before them: a zero-width joiner, variation selectors.
_JOINERS = frozenset({"\u200d", "\ufe0e", "\ufe0f"})


def day_block(
    course: Course, day: int, answers: Sequence[ReflectionEntry], score: int | None,
    gentle: bool = False,
) -> str:  # fmt: skip
    """One day as the participant sees it looking back: the question, then their words.
    `gentle` (the answers that close a course, which come unasked): a day whose words signalled
    danger shows a kind line and /hulp instead of them."""
    lines = [texts.ANSWERS_DAY.format(day=day, title=course.day(day).title), question(course, day)]
    if score is not None:
        lines.append(texts.ANSWERS_SCORE.format(score=score))
    if gentle and any(assess(entry.text).danger for entry in answers):
        lines.append(texts.SUMMARY_HEAVY_DAY)
        return "\n".join(lines)
    for entry in answers:
        lines.append(texts.ANSWERS_YOURS.format(text=entry.text))
    return "\n".join(lines)


def pieces(text: str, size: int = CHUNK) -> list[str]:
    """The text in parts of at most `size` units, split at a line or a space if it can, and
    never inside a letter with its accents or an emoji."""
    parts: list[str] = []
    while units(text) > size:
        room = _fits(text, size)
        cut = text.rfind("\n", 0, room)
        if cut < room // 2:
            cut = text.rfind(" ", 0, room)
        if cut < room // 2:
            cut = _clean_cut(text, room) or room
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    parts.append(text)
    return parts


def by_day(
    course: Course, reflections: Sequence[ReflectionEntry], checkins: Sequence[CheckIn],
    gentle: bool = False,
) -> dict[int, str]:  # fmt: skip
    """Each answered day's block, by day number (follow-up answers are not a day's); `gentle`
    as for `day_block`."""
    days: dict[int, list[ReflectionEntry]] = {}
    for entry in reflections:
        if entry.course_id == course.id and not entry.followup and entry.day <= course.length:
            days.setdefault(entry.day, []).append(entry)
    scores = {c.day: c.score for c in checkins if c.course_id == course.id}
    return {
        day: day_block(course, day, entries, scores.get(day), gentle)
        for day, entries in sorted(days.items())
    }


def plan(blocks: dict[int, str]) -> list[tuple[int, int, int]]:
    """How the blocks go out: (first day, last day, part) per message. Consecutive short days
    share a message; a day longer than one message is split in parts."""
    messages: list[tuple[int, int, int]] = []
    run: list[int] = []
    size = 0
    for day, block in blocks.items():
        if units(block) > CHUNK:
            if run:
                messages.append((run[0], run[-1], 0))
                run, size = [], 0
            messages += [(day, day, part) for part in range(len(pieces(block)))]
            continue
        if run and size + units(block) + 2 > CHUNK:
            messages.append((run[0], run[-1], 0))
            run, size = [], 0
        run.append(day)
        size += units(block) + 2
    if run:
        messages.append((run[0], run[-1], 0))
    return messages


def queued(course_id: str, blocks: dict[int, str], lane: Lane) -> list[QueueItem]:
    """The queue items that name the planned messages: the days, never the words."""
    return [
        QueueItem(lane=lane, kind="answers", course_id=course_id, day=first, index=last, part=part)
        for first, last, part in plan(blocks)
    ]


def share_rows(
    course_id: str, blocks: dict[int, str], first: int, last: int, part: int
) -> tuple[tuple[Button, ...], ...]:
    """Under a message of /antwoorden (the last part of a long day): a button per day in it
    that shares that day's answer with a coach, once confirmed."""
    days = [d for d in range(first, last + 1) if d in blocks]
    if first == last and days and part < len(pieces(blocks[first])) - 1:
        return ()
    return tuple(
        (
            ShareAnswer(step="vraag", day=d, course=course_id).button(
                texts_coach.SHARE_BUTTON if len(days) == 1 else texts_coach.SHARE_DAY.format(day=d)
            ),
        )
        for d in days
    )


def render(blocks: dict[int, str], first: int, last: int, part: int) -> str | None:
    """The text of one planned message, or None when what it named is gone."""
    chosen = [blocks[d] for d in range(first, last + 1) if d in blocks]
    if not chosen:
        return None
    if first == last and units(chosen[0]) > CHUNK:
        split = pieces(chosen[0])
        return split[part] if part < len(split) else None
    return "\n\n".join(chosen)
