"""The participant's own record: their answers back, any day again, and where they stand."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core import texts
from bot.delivery.answers import CHUNK, pieces, units
from courses.render import question, render_day
from storage.models import Channel
from tests.journey_kit import Kit

AMS = ZoneInfo("Europe/Amsterdam")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=AMS).astimezone(UTC)


async def test_answers_come_back_with_each_days_question_in_order(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(26, 7, 30))
    await kit.say("1", "Op dag één voelde ik vooral onrust.")
    await kit.run_until(local(27, 7, 30))
    await kit.say("1", "Dag twee: ik reken te veel.")
    await kit.say("1", "En nog iets: ik vergelijk.")
    back = await kit.answer("1", "/antwoorden")
    course = kit.engine.courses["twijfel"]
    [message] = back
    text = message.text
    assert text.index("Dag 1 ·") < text.index("Dag 2 ·")
    assert question(course, 1) in text
    assert question(course, 2) in text
    assert text.index("onrust") < text.index("ik reken") < text.index("ik vergelijk")
    pid = (await kit.engine.store.participants.by_chat(Channel.CONSOLE, "1")).id  # type: ignore[union-attr]
    assert await kit.engine.store.queue.size(pid) == 0


async def test_the_queue_never_holds_the_participants_words(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(26, 7, 30))
    await kit.say("1", "Iets heel persoonlijks.")
    store = kit.engine.store
    pid = (await store.participants.by_chat(Channel.CONSOLE, "1")).id  # type: ignore[union-attr]
    await kit.say("1", "/antwoorden")  # queued, not yet sent
    raw = str(await store.redis.hgetall(store.keys.queue_items(pid)))
    assert "persoonlijks" not in raw
    assert await store.queue.size(pid) == 1


async def test_a_long_answer_is_split_over_messages_each_fit_for_a_phone(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(26, 7, 30))
    long = " ".join(f"zin{i}" for i in range(1130))  # just under 8000 characters
    await kit.say("1", long)
    back = await kit.answer("1", "/antwoorden")
    assert len(back) >= 3
    assert all(len(m.text) <= CHUNK for m in back)
    joined = " ".join(m.text for m in back)
    assert "zin0 " in joined
    assert "zin1129" in joined


async def test_an_answer_full_of_emoji_is_split_in_telegrams_units(kit: Kit) -> None:
    """Telegram counts UTF-16 code units: an emoji is two. Every part must fit, whatever the
    participant typed, so no part of their own words is refused and lost."""
    await kit.sign_up("1")
    await kit.run_until(local(26, 7, 30))
    words = [f"woord{i} 💛😭👍🏽" for i in range(500)]
    await kit.say("1", " ".join(words))
    back = await kit.answer("1", "/antwoorden")
    assert len(back) >= 3
    assert all(units(m.text) <= CHUNK for m in back)
    joined = " ".join(m.text for m in back)
    assert all(w in joined for w in words)  # nothing lost, no emoji torn from its skin tone


@pytest.mark.parametrize(
    "text",
    [
        "👨‍👩‍👧" * 900,  # a family: three emoji joined
        "é" * 4000,  # é as a letter and its accent
        "שלום" * 1200,  # Hebrew, right to left, no spaces
        "👍🏽" * 1600,  # a thumb with its skin tone
    ],
)
def test_a_text_without_spaces_is_cut_between_whole_characters(text: str) -> None:
    parts = pieces(text)
    assert len(parts) >= 2
    assert all(units(part) <= CHUNK for part in parts)
    assert "".join(parts) == text
    for part in parts[1:]:
        first = part[0]
        assert not unicodedata.combining(first)
        assert first not in "\u200d\ufe0f"
        assert not 0x1F3FB <= ord(first) <= 0x1F3FF


def test_units_count_as_telegram_does() -> None:
    assert units("hallo") == 5
    assert units("💛") == 2  # outside the basic plane: a surrogate pair
    assert units("é") == 2


async def test_a_day_that_arrived_can_be_read_again_and_a_later_one_cannot(kit: Kit) -> None:
    await kit.sign_up("1")
    [none_yet] = await kit.say("1", "/dag 1")
    assert none_yet.text == texts.DAY_NONE_YET
    await kit.run_until(local(27, 7, 30))
    *again, invite = await kit.say("1", "/dag 1")
    course = kit.engine.courses["twijfel"]
    assert [m.text for m in again] == [m.text for m in render_day(course, 1)]
    assert invite.text == texts.ANSWER_FOR_DAY.format(day=1)  # an earlier day: answer it now
    [later] = await kit.say("1", "/dag 5")
    assert later.text == texts.DAY_NOT_YET.format(day=5, last=2)
    for odd in ("/dag", "/dag twee", "/dag ²", "/dag 1 2"):
        [usage] = await kit.say("1", odd)
        assert usage.text == texts.DAY_USAGE.format(last=2)


async def test_progress_shows_scores_and_points_to_looking_back(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(27, 7, 30))
    course = kit.engine.courses["twijfel"]
    day_with_checkin = next(d for d in (1, 2) if course.day(d).checkin)
    await kit.tap("1", f"k:twijfel:{day_with_checkin}:4")
    await kit.say("1", "Een antwoord.")
    [progress] = await kit.say("1", "/voortgang")
    theme = course.day(day_with_checkin).title
    assert f"{theme} (dag {day_with_checkin}): 4" in progress.text  # the theme by its name
    assert "/antwoorden" in progress.text
    assert "dag 2 van 9 ontvangen" in progress.text


async def test_the_course_ends_with_a_personal_summary_chart_and_all_their_answers(
    kit: Kit,
) -> None:
    await kit.sign_up("1")
    course = kit.engine.courses["twijfel"]
    scored = {}
    for day in range(1, course.length + 1):
        await kit.run_until(local(26, 7, 30) + timedelta(days=day - 1))
        if course.day(day).checkin:
            scored[day] = 5 if day == 3 else 2
            await kit.tap("1", f"k:twijfel:{day}:{scored[day]}")
        if day < course.length:
            await kit.say("1", f"Mijn gedachte op dag {day}.")
    closing = await kit.answer("1", "Mijn laatste antwoord.")
    texts_seen = [m.text for m in closing]
    assert texts_seen[0].startswith(texts.REFLECTION_SAVED.format(day=9))
    assert texts_seen[1] == texts.COURSE_DONE.format(title=course.title)
    summary = closing[2]
    assert summary.image is not None
    assert summary.image.startswith(b"\x89PNG")
    assert f"“{course.day(3).title}”" in summary.text  # the strongest, by their own score
    gathered = "\n".join(texts_seen[3:])
    for day in range(1, course.length):
        assert f"Mijn gedachte op dag {day}." in gathered
    assert "Mijn laatste antwoord." in gathered
    assert gathered.index("dag 1.") < gathered.index("dag 8.")


async def test_without_a_last_answer_the_summary_follows_the_end_message(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(26, 7, 30))
    await kit.say("1", "Alleen dag één.")
    await kit.run_until(datetime(2026, 12, 5, 9, 30, tzinfo=AMS).astimezone(UTC))
    received = kit.channel.to("1")
    course = kit.engine.courses["twijfel"]
    end = [m.text for m in received].index(texts.COURSE_DONE.format(title=course.title))
    after = received[end + 1 :]
    # No scores given: no chart, kind words; no answer to the last day: the quote's fallback.
    assert course.summary_quote is not None
    assert after[0].text == f"{texts.SUMMARY_NO_SCORES}\n\n{course.summary_quote.fallback}"
    assert after[0].image is None
    assert "Alleen dag één." in after[1].text


async def test_the_closing_answers_show_a_heavy_day_kindly_and_asked_for_they_show_it_all(
    kit: Kit,
) -> None:
    """What signalled danger is not put before them again unasked at the end: that day shows a
    kind line and /hulp. /antwoorden, which they ask for, shows their own words."""
    await kit.sign_up("1")
    course = kit.engine.courses["twijfel"]
    heavy = "Soms denk ik erover om er een eind aan te maken."
    for day in range(1, course.length):
        await kit.run_until(local(26, 7, 30) + timedelta(days=day - 1))
        await kit.say("1", heavy if day == 3 else f"Mijn gedachte op dag {day}.")
    await kit.run_until(local(26, 7, 30) + timedelta(days=course.length - 1))
    closing = await kit.answer("1", "Mijn laatste antwoord.")
    gathered = "\n".join(m.text for m in closing[3:])
    assert "Mijn gedachte op dag 2." in gathered
    assert "Mijn laatste antwoord." in gathered
    assert heavy not in gathered
    day_three = gathered[gathered.index("Dag 3 ·") : gathered.index("Dag 4 ·")]
    assert texts.SUMMARY_HEAVY_DAY in day_three
    assert "/hulp" in texts.SUMMARY_HEAVY_DAY
    asked = "\n".join(m.text for m in await kit.answer("1", "/antwoorden"))
    assert heavy in asked
