"""One entry for everything a participant does: the safety net reads it first, then a command
finds its answer in the table, a tapped button by its kind, and free text by the step they are
in (with no step, it is a reflection).

Each module declares the commands it answers (its COMMANDS), once, with their Dutch and English
names, as python-telegram-bot's CommandHandler does; this table gathers them. Some answer anyone
(/start, /help, /hulp, the privacy commands); the rest answer a participant, and to someone
unknown say how to start.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from rapidfuzz.distance import Levenshtein

from bot.conversation import (
    care,
    coaching,
    commands,
    looking_back,
    privacy,
    reflections,
    signup,
    tempo,
)
from bot.conversation.buttons import (
    CoachTap,
    CourseChoice,
    InEnglish,
    KeepAnswer,
    RestartAnswer,
    RunCommand,
    TimeChoice,
    WipeAnswer,
    ZoneChoice,
    ZonePick,
)
from bot.conversation.context import Closing, Command, Context, ForAnyone, Replies, say
from bot.conversation.steps import Step, set_step, step_of
from bot.core import texts, texts_care, texts_coach
from bot.core.button_data import SEPARATOR, ButtonData
from bot.core.messages import Incoming, Kind
from bot.delivery.answers import ShareAnswer
from bot.delivery.items import CheckInScore
from bot.delivery.journey import Journey
from bot.delivery.tempo import PaceChoice
from bot.safety import NONE, Assessment, assess
from storage.crypto import UndecryptableText
from storage.models import Participant

log = logging.getLogger(__name__)

T = TypeVar("T", bound=ButtonData)


#: Every command, gathered from the modules that answer them.
COMMANDS: tuple[Command, ...] = (
    *signup.COMMANDS,
    *commands.COMMANDS,
    *care.COMMANDS,
    *privacy.COMMANDS,
    *looking_back.COMMANDS,
    *tempo.COMMANDS,
    *coaching.COMMANDS,
)


@dataclass(frozen=True)
class OnTap(Generic[T]):
    """A kind of button a participant taps, and what answers it; a payload of that kind that
    does not read is answered with `refused`."""

    kind: type[T]
    answer: Callable[[Context, Participant, T], Awaitable[Replies]]
    refused: str = texts.STALE_BUTTON

    async def __call__(self, ctx: Context, participant: Participant, data: str) -> Replies:
        tapped = self.kind.read(data)
        return say(self.refused) if tapped is None else await self.answer(ctx, participant, tapped)


TAPS: tuple[OnTap[Any], ...] = (
    OnTap(CourseChoice, signup.course_tapped),
    OnTap(TimeChoice, signup.time_tapped),
    OnTap(ZoneChoice, signup.zone_tapped),
    OnTap(ZonePick, signup.zone_picked),
    OnTap(RestartAnswer, signup.restart_answered),
    OnTap(CheckInScore, reflections.checked_in, refused=texts.CHECKIN_STALE),
    OnTap(KeepAnswer, reflections.keep_tapped),
    OnTap(CoachTap, coaching.tapped),
    OnTap(ShareAnswer, coaching.share_tapped),
    OnTap(PaceChoice, tempo.tapped),
)

#: Free text in a step of a sign-up (or of changing the time) answers that step.
TYPED: dict[Step, Callable[[Context, Participant, str], Awaitable[Replies]]] = {
    Step.COURSE: signup.typed_course,
    Step.TIME: signup.typed_time,
    Step.TYPE_TIME: signup.typed_time,
    Step.ZONE: signup.typed_zone,
    Step.TYPE_ZONE: signup.typed_zone,
}


def by_name(table: Iterable[Command]) -> dict[str, Command]:
    """Every name of every command; a name declared twice is a mistake."""
    named: dict[str, Command] = {}
    for command in table:
        for name in command.names:
            if name in named:
                raise ValueError(f"/{name} is declared twice")
            named[name] = command
    return named


class Coach:
    """The conversation with a participant, on any channel: `Incoming` in, `Outgoing` out."""

    def __init__(
        self,
        journey: Journey,
        on_danger: Callable[[Assessment], Awaitable[None]] | None = None,
        closing: Closing | None = None,
        retention_days: int | None = None,
    ) -> None:
        self.ctx = Context(journey, retention_days, closing, desk=None)  # the staff's, once wired
        #: Told the tier and category (never the words) of each message that signals danger.
        self.on_danger = on_danger
        self.commands = by_name(COMMANDS)
        self.taps: dict[str, OnTap[Any]] = {tap.kind.prefix: tap for tap in TAPS}
        if len(self.taps) != len(TAPS):
            raise ValueError("two kinds of button share a prefix")

    async def handle(self, event: Incoming) -> Replies:
        """Answer one thing a participant did. Unknown people only get a pointer to /start.

        Every free text is read by the safety net first, whatever the step. A message that
        signals danger gets help and nothing routine in the same turn (see care.py).
        """
        found = assess(event.text) if event.kind is Kind.TEXT else NONE
        if not found.danger:
            return await self.route(event)
        if self.on_danger is not None:
            await self.on_danger(found)
        to_coach = await self._to_coach(event)
        routine = await self.route(event, found)
        helped = await care.in_danger(self.ctx, event, found, routine)
        if not to_coach:
            return helped
        # A coach will read this message, only not at once: the help says so.
        return [
            replace(r, text=r.text.replace(texts_care.NOBODY_READS, texts_coach.COACH_READS_LATER))
            for r in helped
        ]

    async def _to_coach(self, event: Incoming) -> bool:
        if event.kind is not Kind.TEXT:
            return False
        try:
            known = await self._known(event)
        except UndecryptableText:
            return False
        return known is not None and await coaching.for_coach(self.ctx, known, event.replied_to)

    async def route(self, event: Incoming, found: Assessment = NONE) -> Replies:
        """The routine answer to an event, whatever the safety net heard in it. Someone whose
        record no key opens is told so, and how to erase it (/wisgegevens reads no record)."""
        try:
            return await self._route(event, found)
        except UndecryptableText:
            log.error("a %s chat's record opens with no configured key", event.channel)
            return say(texts.RECORD_UNREADABLE)

    async def _route(self, event: Incoming, found: Assessment) -> Replies:
        if event.kind is Kind.COMMAND:
            return await self._command(event)
        if event.kind is Kind.BUTTON:
            return await self._button(event)
        known = await self._known(event)
        if known is None:
            return say(texts.NOT_STARTED)
        if event.kind is Kind.UNSUPPORTED:
            what = texts.UNSUPPORTED_WHAT.get(event.what or "", "bijlagen")
            return say(texts.UNSUPPORTED.format(what=what))
        return await self._typed(known, event.text, event.replied_to, found)

    async def _known(self, event: Incoming) -> Participant | None:
        return await self.ctx.store.participants.by_chat(event.channel, event.chat_id)

    async def _command(self, event: Incoming) -> Replies:
        command = self.commands.get(event.command or "")
        if isinstance(command, ForAnyone):
            return await command.answer(self.ctx, event)
        known = await self._known(event)
        if known is None:
            return say(texts.NOT_STARTED)
        if command is None:
            return self._unknown(event.command or "")
        return await command.answer(self.ctx, known, event.args)

    def _unknown(self, typed: str) -> Replies:
        """An unknown command; one a typo away from a known one is offered with a button."""
        typed = typed.lower()
        allowed = 1 if len(typed) <= 5 else 2  # a typo: a letter or two, not another word
        close = sorted(  # equally close: the Dutch name (a command's first) before an alias
            (Levenshtein.distance(typed, name), name != command.names[0], name)
            for name, command in self.commands.items()
            if abs(len(name) - len(typed)) <= allowed
        )
        if not typed or not close or close[0][0] > allowed:
            return say(texts.UNKNOWN_COMMAND)
        name = close[0][2]
        return say(
            texts.DID_YOU_MEAN.format(command=name), (RunCommand(name=name).button(f"/{name}"),)
        )

    async def _button(self, event: Incoming) -> Replies:
        data = event.data or ""
        run = RunCommand.read(data)
        if run is not None and run.name in self.commands:
            return await self._command(replace(event, kind=Kind.COMMAND, command=run.name, args=()))
        if care.is_care_button(data):
            return await care.tapped(self.ctx, event)
        if InEnglish.read(data) is not None:
            return await care.in_english(self.ctx, event)
        wipe = WipeAnswer.read(data)
        if wipe is not None:
            return await privacy.wipe_answered(self.ctx, event, wipe)
        known = await self._known(event)
        if known is None:
            return say(texts.NOT_STARTED)
        on_tap = self.taps.get(data.partition(SEPARATOR)[0])
        if on_tap is None:
            return say(texts.STALE_BUTTON)
        return await on_tap(self.ctx, known, data)

    async def _typed(
        self,
        participant: Participant,
        text: str,
        replied_to: str | None = None,
        found: Assessment = NONE,
    ) -> Replies:
        if await coaching.for_coach(self.ctx, participant, replied_to):
            return await coaching.asked(self.ctx, participant, text, found)
        step = step_of(participant)
        answer = TYPED.get(step) if step is not None else None
        if answer is not None:
            return await answer(self.ctx, participant, text)
        if step is Step.RESTART:  # a text instead of an answer: the question lapses
            await set_step(self.ctx.store, participant, None)
        return await reflections.reflection(self.ctx, participant, text, replied_to=replied_to)
