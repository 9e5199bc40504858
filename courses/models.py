"""Pydantic models for a course: the shape every course file must have.

A course is data, not code: these models are the contract between the people who write the
lessons and the engine that delivers them. Validation happens once, when the file is loaded, and
includes the limits that keep a day readable on a phone and every text inside what the platforms
accept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from courses.quotes import QuestionQuote, Quote, check_order, part_kind

#: Telegram refuses a text message longer than this (in UTF-16 code units; see render.py).
MAX_MESSAGE_CHARS = 4096
#: One message part (a lesson part, check-in, prompt, nudge, follow-up): a phone screen or two.
MAX_PART_CHARS = 700
#: A day's lesson, check-in and prompt together: about two minutes of reading on a phone.
MAX_DAY_WORDS = 350
#: A course's name on a button becomes a row in a WhatsApp list, which holds 24 characters.
MAX_COURSE_LABEL_CHARS = 24
#: A course title stands in sentences and headings, on one line.
MAX_COURSE_TITLE_CHARS = 60
#: A day title sits in the heading above the first lesson part, on one line.
MAX_DAY_TITLE_CHARS = 60
#: The audience line fits the description under a WhatsApp list row.
MAX_AUDIENCE_CHARS = 72
#: The words for the ends of the check-in scale share a line under the question.
MAX_SCALE_CHARS = 40

CourseId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{1,31}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units, so an emoji may count twice."""
    return len(text.encode("utf-16-le")) // 2


_WORD = re.compile(r"\w+")


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def _at_most(limit: int, list_row: bool = False) -> Callable[[str], str]:
    """At most `limit` characters; with `list_row`, because it becomes a WhatsApp list row.
    (Each problem has a kind and its numbers, so a trainer's chat can say it in Dutch.)"""

    def check(text: str) -> str:
        if utf16_len(text) > limit:
            values = {"length": utf16_len(text), "limit": limit}
            if list_row:
                raise PydanticCustomError(
                    "too_many_chars_list_row",
                    "is {length} characters; keep it at {limit} or fewer (it becomes a WhatsApp "
                    "list row)",
                    values,
                )
            raise PydanticCustomError(
                "too_many_chars", "is {length} characters; keep it at {limit} or fewer", values
            )
        return text

    return check


def _one_question(text: str) -> str:
    """A reflection prompt asks one thing, so the answer can be about one thing."""
    marks = text.count("?")
    if marks != 1:
        raise PydanticCustomError(
            "question_marks", "has {marks} question marks; ask exactly one question",
            {"marks": marks},
        )  # fmt: skip
    return text


MessageText = Annotated[Text, AfterValidator(_at_most(MAX_PART_CHARS))]
OneQuestion = Annotated[MessageText, AfterValidator(_one_question)]
#: A lesson part: a text, or (a mapping) a quote of an earlier answer (courses/quotes.py).
LessonPart = Annotated[
    Annotated[MessageText, Tag("text")] | Annotated[Quote, Tag("quote")], Discriminator(part_kind)
]
Prompt = Annotated[
    Annotated[OneQuestion, Tag("text")] | Annotated[QuestionQuote, Tag("quote")],
    Discriminator(part_kind),
]


class Pacing(StrEnum):
    """When the next lesson comes."""

    DAILY = "daily"  # every day at the participant's delivery time
    AFTER_REFLECTION = "after_reflection"  # at the next delivery time after a reflection came in


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CheckinScale(_Strict):
    """The words for the ends of the 1-5 recognition scale, shown under every check-in."""

    low: Annotated[Text, AfterValidator(_at_most(MAX_SCALE_CHARS))]
    high: Annotated[Text, AfterValidator(_at_most(MAX_SCALE_CHARS))]


_HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _clock_time(value: object) -> time:
    """Course files write times as "HH:MM"; nothing looser, so 9:00 and 09:00:30 are refused."""
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):  # YAML reads 21:00 as 1260
        raise PydanticCustomError(
            "time_is_number", '{value} is a number; write the time in quotes, like "21:00"',
            {"value": value},
        )  # fmt: skip
    if not isinstance(value, str) or not (match := _HH_MM.match(value)):
        raise PydanticCustomError(
            "not_a_time", "{value} is not a time written as HH:MM", {"value": repr(value)}
        )
    return time(int(match[1]), int(match[2]))


class NudgeWindow(_Strict):
    """Nudges wait for the daytime in the participant's own zone: nobody is woken by one."""

    start: time = time(9, 0)
    end: time = time(21, 0)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _hh_mm(cls, value: object) -> time:
        return _clock_time(value)

    @field_serializer("start", "end")
    def _as_hh_mm(self, value: time) -> str:
        """As a course file writes it, so a published version reads back the same."""
        return value.strftime("%H:%M")

    @model_validator(mode="after")
    def _start_before_end(self) -> NudgeWindow:
        if self.start >= self.end:
            raise PydanticCustomError(
                "window_order", "start {start} must be before end {end} on the same day",
                {"start": f"{self.start:%H:%M}", "end": f"{self.end:%H:%M}"},
            )  # fmt: skip
        return self


class Followup(_Strict):
    """One message some days after the last lesson: how is the step the participant chose going."""

    after_days: int = Field(ge=1, le=60)
    text: MessageText
    prompt: OneQuestion


class Day(_Strict):
    """One day of a course: what the participant reads, and what we ask back."""

    title: Annotated[Text, AfterValidator(_at_most(MAX_DAY_TITLE_CHARS))]
    lesson: list[LessonPart] = Field(min_length=1, max_length=6)
    prompt: Prompt
    checkin: OneQuestion | None = None
    nudge: MessageText | None = None

    @property
    def words(self) -> int:
        """What the participant reads on this day: lesson, check-in and prompt."""
        parts = [*self.lesson, self.prompt, self.checkin or ""]
        return sum(p.words if isinstance(p, Quote) else word_count(p) for p in parts)

    @model_validator(mode="after")
    def _reads_in_two_minutes(self) -> Day:
        if self.words > MAX_DAY_WORDS:
            raise PydanticCustomError(
                "day_too_long",
                "lesson, check-in and prompt are {words} words together; keep a day at {limit} "
                "or fewer",
                {"words": self.words, "limit": MAX_DAY_WORDS},
            )
        return self


class Course(_Strict):
    """A multi-day course, as read from one file under courses/."""

    id: CourseId
    #: Which version of the course this is: the shipped files are version 1, and each version
    #: published after it (`druppel courses publish`) is one more.
    version: int = Field(default=1, ge=1, le=9999)
    title: Annotated[Text, AfterValidator(_at_most(MAX_COURSE_TITLE_CHARS))]
    #: The course's name on a button, where the title is too long for one; the title by default.
    label: (
        Annotated[
            Text,
            AfterValidator(_at_most(MAX_COURSE_LABEL_CHARS, list_row=True)),
        ]
        | None
    ) = None
    audience: Annotated[Text, AfterValidator(_at_most(MAX_AUDIENCE_CHARS))]
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] = "nl"
    description: MessageText
    pacing: Pacing = Pacing.DAILY
    nudge_after_hours: int = Field(default=20, ge=1, le=72)
    nudge_window: NudgeWindow = NudgeWindow()
    checkin_scale: CheckinScale | None = None
    followup: Followup | None = None
    #: The end-of-course summary's sentence for when no theme was recognised strongly; without
    #: it the summary uses a general one (texts.SUMMARY_NOTHING_STRONG).
    summary_nothing_strong: MessageText | None = None
    #: A line of the end-of-course summary that quotes one of their answers.
    summary_quote: Quote | None = None
    days: list[Day] = Field(min_length=1)

    @model_validator(mode="after")
    def _quotes_look_back(self) -> Course:
        check_order([[*d.lesson, d.prompt] for d in self.days], self.summary_quote)
        return self

    @model_validator(mode="after")
    def _checkins_need_a_scale(self) -> Course:
        if self.checkin_scale is None and any(d.checkin for d in self.days):
            raise PydanticCustomError(
                "scale_missing", "checkin_scale is required when a day has a checkin"
            )
        return self

    @property
    def length(self) -> int:
        return len(self.days)

    @property
    def button(self) -> str:
        """The course's name on a button: its label, or its title when that is short enough."""
        if self.label is not None:
            return self.label
        return self.title[:MAX_COURSE_LABEL_CHARS]

    def day(self, number: int) -> Day:
        """Day `number`, counting from 1 as participants do."""
        if not 1 <= number <= len(self.days):
            raise KeyError(f"{self.id} has days 1-{len(self.days)}, not {number}")
        return self.days[number - 1]
