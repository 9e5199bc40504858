"""What every part of the conversation works with: the journey (store, courses, clock), what
the wiring hands in, the participant's running course, how an answer is written and how a
command is declared."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.messages import Button, Incoming, Outgoing
from bot.delivery.journey import LIVE, Journey
from courses.models import Course
from scheduler.places import zone_label
from storage.models import Enrollment, EnrollmentStatus, Participant, QueueItem
from storage.store import Store
from storage.threads import Thread

Replies = list[Outgoing]
#: What follows the end of a course (the summary, their answers), as queue items.
Closing = Callable[[str, str], Awaitable[list[QueueItem]]]


def say(text: str, *rows: tuple[Button, ...]) -> Replies:
    """One message, with rows of buttons under it."""
    return [Outgoing(text, buttons=tuple(rows))]


@dataclass(frozen=True)
class ForAnyone:
    """A command answered before we know who asks."""

    names: tuple[str, ...]
    answer: Callable[[Context, Incoming], Awaitable[Replies]]


@dataclass(frozen=True)
class ForParticipant:
    """A command answered for a participant, with the words typed after it."""

    names: tuple[str, ...]
    answer: Callable[[Context, Participant, tuple[str, ...]], Awaitable[Replies]]


#: A command, declared with its Dutch name first and its English ones after, as
#: python-telegram-bot's CommandHandler(["pauze", "pause"], ...) is; each module of the
#: conversation declares the ones it answers as its COMMANDS.
Command = ForAnyone | ForParticipant


class Desk(Protocol):
    """The coaches' side of a thread, as the participant's side sees it (bot/staff/inbox.py)."""

    async def available(self) -> bool:
        """Whether any coach is there to read a question."""
        ...

    def opens(self, now: datetime) -> datetime | None:
        """When the coaches' hours next begin, in their time zone; None while they are in."""
        ...

    async def asked(self, participant: Participant, thread: Thread) -> None:
        """Show the coaches the thread's newest message."""
        ...

    async def closed(self, participant: Participant, thread: Thread) -> None:
        """Tell the coaches the participant closed the thread."""
        ...


@dataclass(frozen=True)
class Context:
    """What every answer to a participant may read: the journey, and what this installation
    offers them."""

    journey: Journey
    #: How many days answers are kept, as /privacy says (None: until they are deleted).
    retention_days: int | None
    #: Given a participant and a course, what follows its end (None: nothing).
    closing: Closing | None
    #: The coaches, when there are any (None: /coach is not available).
    desk: Desk | None

    @property
    def store(self) -> Store:
        return self.journey.store

    @property
    def courses(self) -> Mapping[str, Course]:
        return self.journey.courses

    async def live(self, pid: str) -> Enrollment | None:
        """The enrollment that still sends lessons (active or paused), if any."""
        current = await self.journey.current(pid)
        return current if current is not None and current.status in LIVE else None

    def zone(self, zone: str) -> str:
        """A time zone as people know it: its Dutch place name and offset now ("Amsterdam
        (UTC+1)")."""
        return zone_label(zone, self.journey.clock.now())

    def next_when(self, participant: Participant, enrollment: Enrollment) -> str | None:
        """When the next lesson comes, in words; None when none is planned."""
        if enrollment.status is not EnrollmentStatus.ACTIVE or enrollment.next_due is None:
            return None
        return self.journey.when(participant, enrollment.next_due)
