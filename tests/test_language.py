"""One language at a time: the bot speaks Dutch, also when the app does not say its language;
someone whose Telegram speaks another language gets one English part in /help and the
helplines of /hulp in English behind a button, and nothing else changes."""

from __future__ import annotations

import pytest

from bot.core import texts, texts_care
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_api.sent import SentMessage


async def _sends(tg: FakeTelegram, chat: int, text: str, language: str | None) -> SentMessage:
    since = len(tg.messages_to(chat))
    tg.user_sends(chat, text, language_code=language)
    return await tg.wait_for_message(chat, timeout=10, since=since)


def _labels(message: SentMessage) -> list[str]:
    return [label for row in message.buttons for label, _ in row]


@pytest.mark.parametrize("language", ["nl", "nl-BE", None])
async def test_in_dutch_or_unsaid_help_and_hulp_are_dutch_alone(
    telegram: FakeTelegram, language: str | None
) -> None:
    chat = 8301
    shown = await _sends(telegram, chat, "/help", language)
    assert shown.text == texts.HELP
    assert "English" not in shown.text
    numbers = await _sends(telegram, chat, "/hulp", language)
    assert numbers.text.startswith("Direct gevaar: bel 112")
    assert texts_care.ENGLISH_BUTTON not in _labels(numbers)


async def test_a_visitor_gets_one_english_part_and_the_helplines_in_english_on_a_tap(
    telegram: FakeTelegram,
) -> None:
    chat = 8302
    welcome = await _sends(telegram, chat, "/start", "en-GB")
    assert "Welkom bij druppel" in welcome.text  # the course and the bot stay Dutch
    shown = await _sends(telegram, chat, "/help", "en-GB")
    assert shown.text == f"{texts.HELP}\n\n{texts.HELP_ENGLISH}"
    numbers = await _sends(telegram, chat, "/hulp", "en-GB")
    assert numbers.text.startswith("Direct gevaar: bel 112")  # Dutch first, as for everyone
    assert _labels(numbers)[-1] == texts_care.ENGLISH_BUTTON
    await telegram.wait_for_message(chat, lambda m: m.text == texts_care.GROUNDING, timeout=10)
    since = len(telegram.messages_to(chat))
    telegram.user_taps(chat, "en:hulp")
    english = await telegram.wait_for_message(chat, timeout=10, since=since)
    assert english.text == texts_care.HULP_ENGLISH
    for number in ("112", "0800-0113", "1813", "0800-2000", "1712"):
        assert number in english.text
