"""The safety net's words: the action first when acute, the one service that fits, the numbers
as the services publish them, and every message short and plain enough for any channel."""

from __future__ import annotations

import pytest

from bot.core import texts_care
from bot.core.messages import Outgoing
from bot.core.texts_care import Country
from bot.safety import CATEGORIES, Assessment
from bot.safety import reply as care

COUNTRIES: tuple[Country, ...] = ("nl", "be")
LONGEST = 700  # characters: a phone screen, and under every channel's limit
#: Each service as it publishes itself, by category (the Netherlands, then Belgium).
SERVICE = {
    "suicide": ("0800-0113", "1813"),
    "selfharm": ("0800-0113", "1813"),
    "sexual": ("0800-0188", "1712"),
    "violence": ("0800-2000", "1712"),
    "threat": ("0800-2000", "1712"),
    "children": ("0800-2000", "1712"),
    "fear": ("0800-2000", "1712"),
    "control": ("0800-2000", "1712"),
    "stalking": ("0800-2000", "1712"),
}
CONCERNS = [c for c in CATEGORIES if c != "suicide_plan"]


def _all_texts() -> list[str]:
    fixed = [
        texts_care.HULP, texts_care.GROUNDING, texts_care.TRUSTED, texts_care.HELP_POINTER,
        texts_care.SAFE_YES, texts_care.SAFE_QUIET, texts_care.WHAT_HELPS, texts_care.CARE_CHECK,
        texts_care.PAUSED_FOR_CARE,
    ]  # fmt: skip
    made = [texts_care.acute(c, k) for c in CATEGORIES for k in COUNTRIES]
    made += [texts_care.concern(c, k) for c in CONCERNS for k in COUNTRIES]
    return fixed + made


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("category", CATEGORIES)
def test_acute_starts_with_the_action(category: str, country: Country) -> None:
    text = texts_care.acute(category, country)
    first = text.split("\n")[0]
    if category in ("suicide_plan", "suicide"):
        assert first == (texts_care.ACT_1813 if country == "be" else texts_care.ACT_113)
    else:
        assert first == texts_care.ACT_112
    assert len(text.split("\n\n")) == 3  # the action, one warm sentence, one service


@pytest.mark.parametrize("country", COUNTRIES)
def test_self_harm_now_calls_112_first_then_names_the_line_for_the_thoughts(
    country: Country,
) -> None:
    """A deep or bleeding wound is a body in danger: 112 leads, with what to do until help
    comes; the line for what lies behind it follows, and no other service."""
    text = texts_care.acute("selfharm", country)
    assert text.startswith("Bel nu 112.")
    fits = SERVICE["selfharm"][country == "be"]
    assert fits in text.split("\n\n")[2]
    assert "doek" in text
    others = {n for pair in SERVICE.values() for n in pair} - {fits}
    assert not [n for n in others if n in text]


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("category", CONCERNS)
def test_a_concern_names_the_one_service_that_fits_and_asks_if_they_are_safe(
    category: str, country: Country
) -> None:
    text = texts_care.concern(category, country)
    fits = SERVICE[category][country == "be"]
    assert fits in text
    others = {n for pair in SERVICE.values() for n in pair} - {fits}
    assert not [n for n in others if n in text]
    assert text.endswith(texts_care.SAFE_NOW)
    assert "bewaard" not in text


def test_belgian_violence_help_gives_the_hours_and_what_to_call_outside_them() -> None:
    for text in (texts_care.concern("violence", "be"), texts_care.acute("violence", "be")):
        assert "1712" in text
        assert "9-17 uur" in text
        assert "101" in text


def test_hulp_gives_every_number_112_first() -> None:
    numbers = ["112", "0800-0113", "0800-2000", "0800-0188", "1712", "101", "1813"]
    at = [texts_care.HULP.index(n) for n in numbers]
    assert at == sorted(at)
    assert texts_care.HULP.startswith("Direct gevaar: bel 112")


@pytest.mark.parametrize("text", _all_texts())
def test_no_care_message_is_long_or_marked_up(text: str) -> None:
    assert len(text) <= LONGEST
    assert not set(text) & set("*_`<>[]{}#")


def test_every_button_fits_whatsapp_and_telegram() -> None:
    messages: list[Outgoing] = [*care.hulp()]
    for category in CONCERNS:
        messages += care.replies(Assessment("concern", category), "nl", can_pause=True)
    for any_category in CATEGORIES:
        messages += care.acute(any_category, "be", can_pause=True)
    buttons = [b for m in messages for row in m.buttons for b in row]
    assert buttons
    assert all(0 < len(b.label) <= 20 for b in buttons)
    assert all(len(b.data.encode()) <= 64 for b in buttons)


def test_the_trusted_person_text_offers_a_first_sentence_to_send() -> None:
    assert "“" in texts_care.TRUSTED
    assert "”" in texts_care.TRUSTED
