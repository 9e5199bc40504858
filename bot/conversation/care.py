"""Care: what the conversation does when a message signals danger, and the taps on the help.

The safety net (bot/safety) decides what a message signals and what to say; here it is fitted
into the turn. What the message was meant to be still happens (an answer is kept, a sign-up step
stays where it was), but its thanks and "your next lesson comes" are held back, and the next
lesson starts by asking how they are. /hulp and the buttons under a help reply work for anyone.
"""

from __future__ import annotations

from dataclasses import replace

from bot.conversation.buttons import HelpChoice, InEnglish, SafetyAnswer
from bot.conversation.commands import pause
from bot.conversation.context import Command, Context, ForAnyone, Replies, say
from bot.core import texts, texts_care
from bot.core.messages import Incoming
from bot.core.texts_care import Country
from bot.delivery.journey import LIVE
from bot.safety import Assessment
from bot.safety import reply as safety_reply
from storage.crypto import UndecryptableText
from storage.models import Enrollment, EnrollmentStatus, Participant


def _ask_how_they_are(e: Enrollment) -> Enrollment | None:
    """After a danger signal, the next lesson of a running course starts by asking how they are."""
    if e.status not in LIVE or e.care_check:
        return None
    e.care_check = True
    return e


def _running(enrollment: Enrollment | None) -> bool:
    """Whether a course is sending lessons now, so that pausing it means something."""
    return enrollment is not None and enrollment.status is EnrollmentStatus.ACTIVE


async def _context(
    ctx: Context, event: Incoming
) -> tuple[Participant | None, Enrollment | None, Country]:
    """Who wrote (if known), their running course (if any), and the country whose services
    fit them (Belgium for Europe/Brussels)."""
    try:
        known = await ctx.store.participants.by_chat(event.channel, event.chat_id)
    except UndecryptableText:  # help comes all the same, with the default country's services
        known = None
    live = await ctx.live(known.id) if known is not None else None
    zone = known.timezone if known is not None else ctx.journey.default_timezone
    return known, live, safety_reply.country_of(zone)


async def in_danger(ctx: Context, event: Incoming, found: Assessment, routine: Replies) -> Replies:
    """The turn of a message that signals danger, given what it would have been answered."""
    known, live, country = await _context(ctx, event)
    if known is not None and live is not None:
        await ctx.journey.change(known.id, live.course_id, _ask_how_they_are)
    replies = safety_reply.replies(found, country, can_pause=_running(live))
    # What the course owes at its end (the summary) is not routine chatter: it still comes,
    # after the help, unless the moment is acute.
    owed = [r for r in routine if r.named is not None] if found.tier == "concern" else []
    return [*replies, *owed]


async def hulp(_ctx: Context, event: Incoming) -> Replies:
    """/hulp: where to get help now, for anyone; for a visitor (an app in another language)
    with a button that gives the helplines in English."""
    numbers, *rest = safety_reply.hulp()
    if not event.visitor:
        return [numbers, *rest]
    english = (InEnglish(what="hulp").button(texts_care.ENGLISH_BUTTON),)
    return [replace(numbers, buttons=(*numbers.buttons, english)), *rest]


async def in_english(_ctx: Context, _event: Incoming) -> Replies:
    """The tap on "In English" under /hulp."""
    return say(texts_care.HULP_ENGLISH)


def is_care_button(data: str) -> bool:
    return data.startswith(safety_reply.PREFIXES)


async def tapped(ctx: Context, event: Incoming) -> Replies:
    """The buttons under a help reply: an exercise, someone to reach, a pause, and the
    answers to "Ben je nu veilig?"."""
    data = event.data or ""
    helped = HelpChoice.read(data)
    if helped is not None and helped.choice == safety_reply.GROUNDING:
        return say(texts_care.GROUNDING)
    if helped is not None and helped.choice == safety_reply.TRUSTED:
        return say(texts_care.TRUSTED)
    known, live, country = await _context(ctx, event)
    if helped is not None and helped.choice == safety_reply.PAUSE:
        if known is None or live is None:
            return say(texts.NO_COURSE)
        paused = await pause(ctx, known, ())
        done = [r.text for r in paused] == [texts.PAUSED]
        return say(texts_care.PAUSED_FOR_CARE) if done else paused
    safe = SafetyAnswer.read(data)
    answered = None
    if safe is not None:
        answered = safety_reply.safe_answer(safe.answer, country, can_pause=_running(live))
    return answered if answered is not None else say(texts.STALE_BUTTON)


#: The commands this module answers.
COMMANDS: tuple[Command, ...] = (ForAnyone(("hulp", "helpline"), hulp),)
