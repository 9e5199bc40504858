"""Turning a course day into the messages a participant gets, channel-neutral and pure.

Every channel (Telegram, WhatsApp, the console, the preview) shows exactly these words; only the
markup around them differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from courses.models import Course
from courses.quotes import Quote, plain


class Part(StrEnum):
    LESSON = "lesson"
    CHECKIN = "checkin"
    PROMPT = "prompt"
    NUDGE = "nudge"


@dataclass(frozen=True, slots=True)
class Choice:
    """A button: what it says, and the value it gives back."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class DayMessage:
    """One message of a day. `heading`, when set, is shown above the text (bold where possible)."""

    part: Part
    text: str
    heading: str | None = None
    choices: tuple[Choice, ...] = field(default_factory=tuple)

    def plain(self) -> str:
        """The message as plain text, as the console and the preview show it."""
        lines = [self.heading] if self.heading else []
        lines.append(self.text)
        if self.choices:
            lines.append("  ".join(f"[{c.label}]" for c in self.choices))
        return "\n\n".join(lines)


def day_heading(course: Course, number: int) -> str:
    return f"Dag {number} van {course.length} · {course.day(number).title}"


def checkin_message(course: Course, number: int) -> DayMessage | None:
    day = course.day(number)
    if day.checkin is None or course.checkin_scale is None:
        return None
    scale = course.checkin_scale
    text = f"{day.checkin}\n1 = {scale.low} · 5 = {scale.high}"
    choices = tuple(Choice(str(score), str(score)) for score in range(1, 6))
    return DayMessage(Part.CHECKIN, text, choices=choices)


def _text(part: str | Quote, answers: Mapping[int, str] | None) -> str:
    return part if isinstance(part, str) else part.render(answers)


def render_day(
    course: Course, number: int, answers: Mapping[int, str] | None = None
) -> list[DayMessage]:
    """The lesson messages, the check-in (on days that have one), then the reflection prompt.

    `answers` are the participant's own earlier answers by day, for the parts that quote one
    (read when the day is sent); None where there is nobody's answer (a preview): a quote then
    shows a placeholder."""
    day = course.day(number)
    messages = [
        DayMessage(
            Part.LESSON,
            _text(part, answers),
            heading=day_heading(course, number) if i == 0 else None,
        )
        for i, part in enumerate(day.lesson)
    ]
    checkin = checkin_message(course, number)
    if checkin is not None:
        messages.append(checkin)
    messages.append(DayMessage(Part.PROMPT, _text(day.prompt, answers)))
    return messages


def question(course: Course, number: int) -> str:
    """A day's question as words that hold no one's answer (looking back at it)."""
    return plain(course.day(number).prompt)


def quotes_in(course: Course, number: int, index: int) -> Quote | None:
    """The quote that part `index` of day `number` is (as render_day counts parts), if any."""
    day = course.day(number)
    if index < len(day.lesson):
        part = day.lesson[index]
        return part if isinstance(part, Quote) else None
    last = len(render_day(course, number)) - 1
    return day.prompt if index == last and isinstance(day.prompt, Quote) else None


def render_nudge(course: Course, number: int) -> DayMessage | None:
    text = course.day(number).nudge
    return None if text is None else DayMessage(Part.NUDGE, text)


def _words(text: str) -> str:
    return " ".join(text.split())


def day_of(course: Course, shown: str, last: int) -> int | None:
    """Which of days 1 to `last` a message of the course was, from its text as a platform gives
    it back (a participant's reply names the message it answers): the heading, the lesson, the
    check-in, the prompt or the nudge; the newest day first. None for any other text."""
    seen = _words(shown)
    if not seen:
        return None
    for number in range(min(last, course.length), 0, -1):
        messages = render_day(course, number)
        nudge = render_nudge(course, number)
        for message in [*messages, *([nudge] if nudge else [])]:
            full = _words(f"{message.heading or ''} {message.text}")
            if seen == full or (len(seen) >= 40 and seen in full):  # a long part split in two
                return number
        day = course.day(number)
        if any(isinstance(p, Quote) and p.matches(seen) for p in [*day.lesson, day.prompt]):
            return number  # a part that quoted their answer, whatever it said
    return None


def preview(course: Course, day: int | None = None) -> str:
    """Plain text of one day, or every day, each under its heading as the participant reads it
    ("Dag 2 van 9 · ..."), underlined once: the heading is the day's header, not said twice."""
    numbers = [day] if day is not None else list(range(1, course.length + 1))
    blocks: list[str] = []
    for number in numbers:
        first, *rest = render_day(course, number)
        heading = first.heading or day_heading(course, number)
        shown = [replace(first, heading=None), *rest]
        parts = [m.plain() + _without_answer(course, number, i) for i, m in enumerate(shown)]
        body = "\n\n---\n\n".join(parts)
        blocks.append(f"{heading}\n{'=' * len(heading)}\n\n{body}")
    return "\n\n\n".join(blocks) + "\n"


def _without_answer(course: Course, number: int, index: int) -> str:
    """Under a quoting part in a preview: what someone who did not answer reads instead."""
    quote = quotes_in(course, number, index)
    if quote is None:
        return ""
    return f"\n\n(zonder antwoord op dag {quote.quote}: {quote.fallback})"
