"""Which day an answer belongs to, and an answer given in more than one message.

An answer belongs to the day whose question it answers: the day a Telegram reply points at, or
the day /dag opened, else the last day that came; the thanks name that day. A second message to
the same day grows that day's answer instead of piling up beside it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.core import texts
from storage.models import Channel, Participant
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_api.sent import SentMessage
from tests.journey_kit import Kit

CHAT = 8201


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in Amsterdam, November 2026 (the kit starts on Wednesday the 25th, 10:00)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=ZoneInfo("Europe/Amsterdam")).astimezone(
        UTC
    )


async def _participant(kit: Kit, channel: Channel, chat: str) -> Participant:
    found = await kit.engine.store.participants.by_chat(channel, chat)
    assert found is not None
    return found


async def test_a_second_message_to_a_day_grows_its_answer_and_the_thanks_say_so(
    kit: Kit,
) -> None:
    await kit.sign_up("1", at="07:00")
    await kit.run_until(local(28, 8))  # days 1 to 3 came
    p = await _participant(kit, Channel.CONSOLE, "1")
    await kit.say("1", "/dag 2")
    [first] = await kit.say("1", "Voor dag twee: ik merk dat ik vooral bang ben.")
    assert first.text == texts.REFLECTION_SAVED.format(day=2)
    await kit.say("1", "/dag 3")  # the last day that came: back to today
    [today] = await kit.say("1", "Vandaag zie ik het scherper.")
    assert today.text.startswith(texts.REFLECTION_SAVED.format(day=3))
    [more] = await kit.say("1", "En nog iets: het zit in mijn buik.")
    assert more.text.startswith(texts.REFLECTION_ADDED.format(day=3))

    kept = [(r.day, r.text) for r in await kit.engine.store.reflections.all(p.id)]
    assert kept == [
        (2, "Voor dag twee: ik merk dat ik vooral bang ben."),
        (3, "Vandaag zie ik het scherper.\n\nEn nog iets: het zit in mijn buik."),
    ]


async def test_after_dag_every_message_answers_that_day_until_the_next_lesson(
    kit: Kit,
) -> None:
    """An answer to day 2, written as people write, in several messages: each joins day 2's
    answer, and the thanks say so; the next lesson ends it (day 4 came: answers go there)."""
    await kit.sign_up("1", at="07:00")
    await kit.run_until(local(28, 8))  # days 1 to 3 came
    p = await _participant(kit, Channel.CONSOLE, "1")
    *_, invite = await kit.say("1", "/dag 2")
    assert "/vandaag" in invite.text
    said = ["Ik merk dat ik bang ben.", "Vooral als het goed gaat.", "Gek eigenlijk."]
    thanks = [(await kit.say("1", text))[0].text for text in said]
    assert thanks == [
        texts.REFLECTION_SAVED.format(day=2),
        texts.REFLECTION_ADDED.format(day=2),
        texts.REFLECTION_ADDED.format(day=2),
    ]
    [scored] = await kit.tap("1", "k:twijfel:3:4")  # a tap names its own day
    assert scored.text == texts.CHECKIN_SAVED.format(score=4, day=3)
    [more] = await kit.say("1", "En nog dit.")
    assert more.text == texts.REFLECTION_ADDED.format(day=2)

    # Day 3 was never answered here, so day 4 waits for it; the next lesson comes by /vandaag.
    await kit.say("1", "/vandaag")
    [today] = await kit.say("1", "Over vandaag: het gaat beter.")
    assert today.text.startswith(texts.REFLECTION_SAVED.format(day=3))
    await kit.say("1", "/dag 1")
    await kit.run_until(local(29, 8))  # day 4 came
    [after] = await kit.say("1", "Dit hoort bij dag vier.")
    assert after.text.startswith(texts.REFLECTION_SAVED.format(day=4))

    kept = [(r.day, r.text) for r in await kit.engine.store.reflections.all(p.id)]
    assert kept == [
        (2, "\n\n".join([*said, "En nog dit."])),
        (3, "Over vandaag: het gaat beter."),
        (4, "Dit hoort bij dag vier."),
    ]


async def _until(condition: Callable[[], object], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.02)


def _offering(data: str) -> Callable[[SentMessage], bool]:
    """The message with the button `data` (any message for "")."""
    return lambda m: not data or data in m.callback_data


async def _sends(tg: FakeTelegram, text: str, reply_to: int | None = None) -> SentMessage:
    """The participant writes (replying to a message, or not); the bot's first answer."""
    since = len(tg.messages_to(CHAT))
    tg.user_sends(CHAT, text, reply_to=reply_to)
    return await tg.wait_for_message(CHAT, timeout=10, since=since)


async def test_a_telegram_reply_to_a_days_message_is_kept_with_that_day(
    kit: Kit, telegram: FakeTelegram
) -> None:
    tg = telegram
    await _sends(tg, "/start")
    for data, then in (("c:twijfel", "t:07:00"), ("t:07:00", "z:ok"), ("z:ok", "")):
        since = len(tg.messages_to(CHAT))
        tg.user_taps(CHAT, data)
        await tg.wait_for_message(CHAT, _offering(then), timeout=10, since=since)
    p = await _participant(kit, Channel.TELEGRAM, str(CHAT))
    course = kit.engine.courses["twijfel"]
    await kit.run_until(local(27, 8))  # days 1 and 2 came
    await _until(lambda: any(m.text == course.day(2).prompt for m in tg.messages_to(CHAT)))
    sent = tg.messages_to(CHAT)
    prompt_one = next(m for m in sent if m.text == course.day(1).prompt)
    heading_one = next(m for m in sent if m.text.startswith("Dag 1 van "))

    today = await _sends(tg, "Dit gaat over vandaag.")
    assert today.text.startswith(texts.REFLECTION_SAVED.format(day=2))
    earlier = await _sends(tg, "Bij dag één: ik liep weg.", reply_to=prompt_one.message_id)
    assert earlier.text == texts.REFLECTION_SAVED.format(day=1)
    again = await _sends(tg, "Vaker dan ik dacht.", reply_to=heading_one.message_id)
    assert again.text == texts.REFLECTION_ADDED.format(day=1)

    kept = [(r.day, r.text) for r in await kit.engine.store.reflections.all(p.id)]
    assert kept == [
        (2, "Dit gaat over vandaag."),
        (1, "Bij dag één: ik liep weg.\n\nVaker dan ik dacht."),
    ]
    # Day 2 stays the day the course is on: its answer still counts, day 3 still comes.
    enrollment = await kit.engine.journey.current(p.id)
    assert enrollment is not None
    assert enrollment.last_delivered_day == 2
