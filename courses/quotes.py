"""A course text that quotes the participant's own earlier answer, with a sentence for when
they gave none.

In a course file a lesson part (or a prompt) may be a mapping instead of a string:

    - quote: 2
      text: "Op dag 2 schreef je: “{answer}”"
      fallback: "Op dag 2 vroeg ik je naar ..."

`{answer}` stands for their answer to day 2's question, cut short; with no answer (or one that
cannot be shown) the fallback is sent instead. The words are filled in only when the message is
sent, from the stored answer; a course file and a queued message never hold them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

#: Where the answer goes in a quoting text.
ANSWER = "{answer}"
#: The longest quote (characters): a sentence or two of their own, not their whole answer.
MAX_QUOTE_CHARS = 160
#: What a quote adds to a day's reading, counted against the day's word limit.
QUOTE_WORDS = 25
#: How a quote shows in a preview, where there is nobody's answer to fill in.
PLACEHOLDER = "[je antwoord van dag {day}]"
#: The fewest characters of a quoting text around the answer by which a reply to it is known.
MIN_FRAME = 10
#: A part as long as a message may be (see courses/models.py MAX_PART_CHARS; kept in step).
_PART_CHARS = 700

_WORD = re.compile(r"\w+")
_BRACES = re.compile(r"\{[^}]*\}")


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def shorten(answer: str, limit: int = MAX_QUOTE_CHARS) -> str:
    """Their answer on one line, cut at a word boundary with "…" when it is longer than
    `limit` characters."""
    flat = " ".join(answer.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-\u2013\u2014") + "…"


def _one_answer(text: str) -> str:
    if text.count(ANSWER) != 1:
        raise PydanticCustomError(
            "answer_slot", "must hold {answer} exactly once, where the quoted answer goes"
        )
    other = [b for b in _BRACES.findall(text) if b != ANSWER]
    if other:
        raise PydanticCustomError(
            "other_braces", "holds {braces}; only {answer} is filled in", {"braces": other[0]}
        )
    return text


def _no_answer(text: str) -> str:
    if _BRACES.search(text):
        raise PydanticCustomError(
            "fallback_with_answer", "is sent when there is no answer, so it cannot hold {answer}"
        )
    return text


Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Quote(BaseModel):
    """A part that quotes the answer to day `quote`; `fallback` when there is none."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quote: int = Field(ge=1)
    text: Annotated[Line, AfterValidator(_one_answer)]
    fallback: Annotated[Line, AfterValidator(_no_answer)]

    @model_validator(mode="after")
    def _fits(self) -> Quote:
        longest = _utf16(self.text) - len(ANSWER) + MAX_QUOTE_CHARS + 1
        if longest > _PART_CHARS:
            raise PydanticCustomError(
                "quote_too_long",
                "text is up to {longest} characters with a quote of {quote}; keep it at {limit} "
                "or fewer",
                {"longest": longest, "quote": MAX_QUOTE_CHARS, "limit": _PART_CHARS},
            )
        if _utf16(self.fallback) > _PART_CHARS:
            raise PydanticCustomError(
                "fallback_too_long", "fallback is {length} characters; keep it at {limit} or fewer",
                {"length": _utf16(self.fallback), "limit": _PART_CHARS},
            )  # fmt: skip
        return self

    def render(self, answers: Mapping[int, str] | None) -> str:
        """The text with their answer, the fallback without one; with `answers` None (a
        preview, nobody's answers) the text with a placeholder."""
        if answers is None:
            return self.text.replace(ANSWER, PLACEHOLDER.format(day=self.quote))
        answer = answers.get(self.quote)
        if answer is None or not answer.strip():
            return self.fallback
        return self.text.replace(ANSWER, shorten(answer))

    def matches(self, shown: str) -> bool:
        """Whether `shown` (a message's text as a platform gives it back, spaces squeezed) is
        this part as it was sent, whatever answer it quoted."""
        before, _, after = " ".join(self.text.split()).partition(ANSWER)
        before, after = before.strip(), after.strip()
        if shown == " ".join(self.fallback.split()):
            return True
        if len(before) + len(after) < MIN_FRAME:  # too little of ours to know it by
            return False
        return shown.startswith(before) and shown.endswith(after) and len(shown) > len(before)

    @property
    def words(self) -> int:
        """Words a participant reads here, at most."""
        return max(
            len(_WORD.findall(self.text)) - 1 + QUOTE_WORDS, len(_WORD.findall(self.fallback))
        )


def _one_question(text: str) -> str:
    if text.count("?") != 1:
        raise PydanticCustomError(
            "question_marks", "has {marks} question marks; ask exactly one question",
            {"marks": text.count("?")},
        )  # fmt: skip
    return text


class QuestionQuote(Quote):
    """A prompt that quotes an earlier answer: its text and its fallback each ask one thing."""

    text: Annotated[Line, AfterValidator(_one_answer), AfterValidator(_one_question)]
    fallback: Annotated[Line, AfterValidator(_no_answer), AfterValidator(_one_question)]


def part_kind(value: Any) -> str:
    """Which a course file meant: a mapping is a quote, anything else a text."""
    return "quote" if isinstance(value, dict | Quote) else "text"


def plain(part: str | Quote) -> str:
    """A part as words that hold no one's answer: a text as it is, a quote's fallback."""
    return part if isinstance(part, str) else part.fallback


def check_order(days: Sequence[Sequence[str | Quote]], summary: Quote | None = None) -> None:
    """Every quote names a day that exists and comes before the day that quotes it (its
    answer must be there to quote); the summary may quote any day. `days` holds each day's
    parts, its prompt last, day 1 first."""
    for number, parts in enumerate(days, 1):
        for index, part in enumerate(parts):
            if isinstance(part, Quote) and not part.quote < number:
                # `message`: the lesson message's number, 0 for the prompt
                message = 0 if index == len(parts) - 1 else index + 1
                what = "prompt" if message == 0 else f"lesson message {message}"
                values = {"where": f"day {number}, {what}", "day": number, "message": message,
                          "quoted": part.quote, "days": len(days)}  # fmt: skip
                if part.quote > len(days):
                    raise PydanticCustomError(
                        "quote_day_missing", "{where}: quotes day {quoted}, but the course has "
                        "{days} days", values,
                    )  # fmt: skip
                raise PydanticCustomError(
                    "quote_not_before",
                    "{where}: quotes day {quoted}, which does not come before day {day}; quote an "
                    "earlier day",
                    values,
                )
    if summary is not None and summary.quote > len(days):
        raise PydanticCustomError(
            "summary_quote_missing",
            "summary_quote: quotes day {quoted}, but the course has {days} days",
            {"quoted": summary.quote, "days": len(days)},
        )
