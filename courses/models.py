"""Pydantic models for a course: the shape every course file must have.

A course is data, not code: these models are the contract between the people who write the
lessons and the engine that delivers them. Validation happens once, when the file is loaded.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

#: Telegram refuses a text message longer than this (in UTF-16 code units; see render.py).
MAX_MESSAGE_CHARS = 4096

CourseId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{1,31}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Pacing(StrEnum):
    """When the next lesson comes."""

    DAILY = "daily"  # every day at the participant's delivery time
    AFTER_REFLECTION = "after_reflection"  # at the next delivery time after a reflection came in


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CheckinScale(_Strict):
    """The words for the ends of the 1-5 recognition scale, shown under every check-in."""

    low: Text
    high: Text


class Day(_Strict):
    """One day of a course: what the participant reads, and what we ask back."""

    title: Text
    lesson: list[Text] = Field(min_length=1, max_length=6)
    prompt: Text
    checkin: Text | None = None
    nudge: Text | None = None

    @field_validator("lesson")
    @classmethod
    def _messages_fit(cls, lesson: list[str]) -> list[str]:
        for i, message in enumerate(lesson, start=1):
            if utf16_len(message) > MAX_MESSAGE_CHARS - 200:  # room for the day heading
                raise ValueError(
                    f"message {i} is {utf16_len(message)} characters; keep each under "
                    f"{MAX_MESSAGE_CHARS - 200}"
                )
        return lesson


class Course(_Strict):
    """A multi-day course, as read from one file under courses/."""

    id: CourseId
    title: Text
    audience: Text
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] = "nl"
    description: Text
    pacing: Pacing = Pacing.DAILY
    nudge_after_hours: int = Field(default=20, ge=1, le=72)
    checkin_scale: CheckinScale | None = None
    days: list[Day] = Field(min_length=1)

    @model_validator(mode="after")
    def _checkins_need_a_scale(self) -> Course:
        if self.checkin_scale is None and any(d.checkin for d in self.days):
            raise ValueError("checkin_scale is required when a day has a checkin")
        return self

    @property
    def length(self) -> int:
        return len(self.days)

    def day(self, number: int) -> Day:
        """Day `number`, counting from 1 as participants do."""
        if not 1 <= number <= len(self.days):
            raise KeyError(f"{self.id} has days 1-{len(self.days)}, not {number}")
        return self.days[number - 1]


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units, so an emoji may count twice."""
    return len(text.encode("utf-16-le")) // 2


_WORD = re.compile(r"\w+")


def word_count(text: str) -> int:
    return len(_WORD.findall(text))
