"""The safety net in the conversation: a message that signals danger gets help first, is still
kept as the answer, and /hulp shows the numbers at any moment."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis.asyncio as aioredis

from bot import texts, texts_care
from storage.keys import Keys
from storage.models import Channel
from tests.journey_kit import Kit, journey_kit

AMS = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 11, 25, 10, 0, tzinfo=AMS).astimezone(UTC)
AFTER_DAY_ONE = datetime(2026, 11, 26, 7, 30, tzinfo=AMS).astimezone(UTC)
NUMBERS = ("0800-2000", "113", "0800-0113", "112", "huisarts", "1712", "1813")
DANGER = [
    "Ik wil eigenlijk niet meer leven.",
    "hij slaat me als hij gedronken heeft",
    "Ik ben bang voor mijn vriend, echt.",
    "Sometimes I want to die.",
    "ze dreigt de kinderen mee te nemen",
    "ik durf niet naar huis vanavond",
]


@pytest.fixture
async def kit(
    redis_url: str, keys: Keys, tmp_path: Path, redis_client: aioredis.Redis
) -> AsyncIterator[Kit]:
    async with journey_kit(redis_url, keys, tmp_path, START) as k:
        yield k


@pytest.mark.parametrize("words", DANGER)
async def test_danger_gets_help_first_and_the_answer_is_still_kept(kit: Kit, words: str) -> None:
    await kit.sign_up("1")
    await kit.run_until(AFTER_DAY_ONE)
    help_first, saved = await kit.say("1", words)
    assert help_first.text == texts_care.DANGER_REPLY
    assert all(number in help_first.text for number in NUMBERS)
    labels = [b.label for row in help_first.buttons for b in row]
    assert labels == [texts_care.GROUNDING_BUTTON, texts_care.TRUSTED_BUTTON]
    assert saved.text.startswith(texts.REFLECTION_SAVED.format(day=1))
    p = await kit.engine.store.participants.by_chat(Channel.CONSOLE, "1")
    assert p is not None
    [kept] = await kit.engine.store.reflections.all(p.id)
    assert kept.text == words


async def test_the_help_buttons_give_a_grounding_exercise_and_someone_to_reach(kit: Kit) -> None:
    await kit.sign_up("1")
    [grounding] = await kit.tap("1", "h:rust")
    assert grounding.text == texts_care.GROUNDING
    [trusted] = await kit.tap("1", "h:praat")
    assert trusted.text == texts_care.TRUSTED


async def test_someone_without_a_course_gets_help_too_and_is_not_told_it_was_kept(
    kit: Kit,
) -> None:
    help_first, pointer = await kit.say("9", "ik wil dood")
    assert help_first.text == texts.DANGER_REPLY_NOT_KEPT
    assert all(number in help_first.text for number in NUMBERS)
    assert pointer.text == texts.NOT_STARTED
    assert await kit.engine.store.participants.count() == 0  # still nothing stored


async def test_hulp_shows_the_numbers_to_anyone_and_help_points_to_it(kit: Kit) -> None:
    [hulp] = await kit.say("5", "/hulp")
    assert hulp.text == texts_care.HULP
    assert all(number in hulp.text for number in NUMBERS)
    [overview] = await kit.say("5", "/help")
    assert "/hulp" in overview.text
    assert ("hulp", "Hulp als het niet goed gaat") in texts.MENU


async def test_operators_count_danger_signals_by_kind_and_never_see_the_words(kit: Kit) -> None:
    seen: list[str] = []

    async def count(category: str) -> None:
        seen.append(category)

    kit.engine.coach.on_danger = count
    await kit.sign_up("1")
    await kit.say("1", "hij slaat me")
    await kit.say("1", "gewoon een gewone dag")
    assert seen == ["violence"]
