"""Every button a participant taps in the conversation, one codec per kind, and the rows of them
the conversation shows.

What these make is what Telegram and WhatsApp hand back on a tap, and what buttons in chats of
long ago still carry, so it never changes. The check-in scale's buttons come with the lesson
(`CheckInScore` in bot/delivery/items.py). The help buttons are the safety net's own
(bot/safety/reply.py): they are told apart here by their prefix, and the safety net reads the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import ClassVar, Final, Literal

from bot.core import texts
from bot.core.button_data import ButtonData
from bot.core.messages import Button
from bot.safety import reply
from courses.models import Course

Rows = tuple[tuple[Button, ...], ...]

#: The delivery times offered as buttons; any other can be typed.
COMMON_TIMES = ["07:00", "08:00", "12:30", "19:00", "21:00"]
#: The value of the buttons that ask to type another time or zone.
OTHER: Final = "?"


class CourseChoice(ButtonData):
    """A course chosen: "c:partner"."""

    prefix: ClassVar[str] = "c"
    course: str


class RunCommand(ButtonData):
    """A command suggested for a typo ("/paze": "Bedoel je /pauze?"), run by a tap: "do:pauze"."""

    prefix: ClassVar[str] = "do"
    name: str


class InEnglish(ButtonData):
    """The helplines of /hulp in English, for a visitor: "en:hulp"."""

    prefix: ClassVar[str] = "en"
    what: Literal["hulp"]


class KeepAnswer(ButtonData):
    """Keep (or not) a short answer of signs only as a day's answer: "a:3:ja:👍". The text is
    the participant's own, handed back to their own chat; it is never more than a few signs."""

    prefix: ClassVar[str] = "a"
    day: int
    keep: Literal["ja", "nee"]
    text: str


class TimeChoice(ButtonData):
    """A delivery time from the list ("t:07:00"), or "t:?" to type another."""

    prefix: ClassVar[str] = "t"
    at: time | Literal["?"]


class ZoneChoice(ButtonData):
    """The time zone shown is right ("z:ok"), or "z:?" to type another."""

    prefix: ClassVar[str] = "z"
    choice: Literal["ok", "?"]


class ZonePick(ButtonData):
    """One of a country's zones, when it keeps several times: "zp:Europe/Madrid"."""

    prefix: ClassVar[str] = "zp"
    zone: str


class RestartAnswer(ButtonData):
    """Whether to start again while a course runs: "r:yes" or "r:no"."""

    prefix: ClassVar[str] = "r"
    answer: Literal["yes", "no"]


class WipeAnswer(ButtonData):
    """Whether to erase everything about them: "w:ja" or "w:nee"."""

    prefix: ClassVar[str] = "w"
    answer: Literal["ja", "nee"]


class CoachTap(ButtonData):
    """A participant's tap in their conversation with a coach: "co:stop" ends it."""

    prefix: ClassVar[str] = "co"
    action: Literal["stop"]


class HelpChoice(ButtonData):
    """A button under a help reply: "h:rust", "h:praat", "h:pauze"."""

    prefix: ClassVar[str] = reply.HELP
    choice: str


class SafetyAnswer(ButtonData):
    """An answer to "Ben je nu veilig?", "v:ja:violence": the safety net reads `answer`."""

    prefix: ClassVar[str] = reply.SAFE
    answer: str


def course_rows(courses: Mapping[str, Course]) -> Rows:
    return tuple((CourseChoice(course=c.id).button(c.button),) for c in courses.values())


def time_rows() -> Rows:
    buttons = [TimeChoice(at=time.fromisoformat(t)).button(t) for t in COMMON_TIMES]
    buttons.append(TimeChoice(at=OTHER).button(texts.OTHER_TIME))
    return (tuple(buttons[:3]), tuple(buttons[3:]))


def zone_rows() -> Rows:
    return (
        (ZoneChoice(choice="ok").button(texts.ZONE_OK),),
        (ZoneChoice(choice=OTHER).button(texts.OTHER_ZONE),),
    )


def restart_rows() -> Rows:
    return (
        (RestartAnswer(answer="yes").button(texts.RESTART_YES),),
        (RestartAnswer(answer="no").button(texts.RESTART_NO),),
    )


def wipe_rows() -> Rows:
    return (
        (WipeAnswer(answer="ja").button(texts.DELETE_YES),),
        (WipeAnswer(answer="nee").button(texts.DELETE_NO),),
    )
