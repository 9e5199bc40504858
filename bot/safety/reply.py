"""What the participant is told when a message signals danger, and what their taps on it do.

Acute: the action first ("Bel nu 112", "Bel of chat nu met 113"), one warm sentence, the one
service that fits; under it the grounding exercise, someone to reach and, with a course running,
a pause. Concern: a warm reply with the service for the category and "Ben je nu veilig?" with
three answers; "Nee" is answered as acute. Nothing routine follows in the same turn: the caller
holds back its thanks and "je volgende les komt".
"""

from __future__ import annotations

from typing import get_args

from bot.core import texts_care
from bot.core.messages import Button, Incoming, Kind, Outgoing
from bot.core.texts_care import Country
from bot.safety.assessment import Assessment
from bot.safety.decide import assess
from bot.safety.vocabulary import Category

#: Button data: the prefix of the help buttons and of the answers to "Ben je nu veilig?".
HELP = "h"
SAFE = "v"
#: What every button of the safety net's replies starts with.
PREFIXES = (f"{HELP}:", f"{SAFE}:")
GROUNDING, TRUSTED, PAUSE = "rust", "praat", "pauze"
YES, NO, QUIET = "ja", "nee", "stil"

_CATEGORIES: frozenset[str] = frozenset(get_args(Category))


def country_of(timezone: str | None) -> Country:
    """Where a participant most likely is, by their time zone: Belgium or the Netherlands."""
    return "be" if timezone == "Europe/Brussels" else "nl"


def _helps(can_pause: bool) -> tuple[tuple[Button, ...], ...]:
    rows = [
        (Button(texts_care.GROUNDING_BUTTON, f"{HELP}:{GROUNDING}"),),
        (Button(texts_care.TRUSTED_BUTTON, f"{HELP}:{TRUSTED}"),),
    ]
    if can_pause:
        rows.append((Button(texts_care.PAUSE_BUTTON, f"{HELP}:{PAUSE}"),))
    return tuple(rows)


def hulp() -> list[Outgoing]:
    """/hulp: the numbers first, then the grounding exercise."""
    trusted = Button(texts_care.TRUSTED_BUTTON, f"{HELP}:{TRUSTED}")
    return [Outgoing(texts_care.HULP, buttons=((trusted,),)), Outgoing(texts_care.GROUNDING)]


def acute(category: str, country: Country, can_pause: bool) -> list[Outgoing]:
    """The acute reply, alone in its turn."""
    return [Outgoing(texts_care.acute(category, country), buttons=_helps(can_pause))]


def replies(found: Assessment, country: Country, can_pause: bool) -> list[Outgoing]:
    """Everything said in the turn of a message that signals danger."""
    category = found.category or "violence"
    if found.tier == "acute":
        return acute(category, country, can_pause)
    safe = tuple(
        Button(label, f"{SAFE}:{answer}:{category}")
        for label, answer in (
            (texts_care.SAFE_YES_BUTTON, YES),
            (texts_care.SAFE_NO_BUTTON, NO),
            (texts_care.SAFE_QUIET_BUTTON, QUIET),
        )
    )
    return [
        Outgoing(texts_care.concern(category, country), buttons=(safe,)),
        Outgoing(texts_care.WHAT_HELPS, buttons=_helps(can_pause)),
    ]


def safe_answer(value: str, country: Country, can_pause: bool) -> list[Outgoing] | None:
    """The reply to an answer to "Ben je nu veilig?" (`value` is "ja:violence" and the like),
    or None when the button is not one of ours."""
    answer, _, category = value.partition(":")
    if category not in _CATEGORIES:
        return None
    if answer == NO:
        return acute(category, country, can_pause)
    if answer == YES:
        return [Outgoing(texts_care.SAFE_YES)]
    if answer == QUIET:
        return [Outgoing(texts_care.SAFE_QUIET)]
    return None


def never_hushed(event: Incoming) -> bool:
    """Whether an event is answered even in a flood: a message that signals danger, or a tap
    on a help reply's buttons (an answer to "Ben je nu veilig?" above all)."""
    if event.kind is Kind.BUTTON:
        return (event.data or "").startswith(PREFIXES)
    return event.kind is Kind.TEXT and assess(event.text).danger
