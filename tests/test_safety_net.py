"""The safety net in the conversation: a message that signals danger gets help and nothing
routine in the same turn, is still kept as the answer, and the next lesson asks how they are.

Acute messages get the action first and nothing else; a concern gets the service that fits and
"Ben je nu veilig?". Every free text is heard, in every state: during sign-up, while paused, after
the course, from someone without a course at all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core import texts, texts_care
from bot.core.counters import Counters
from bot.core.messages import Outgoing
from storage.models import Channel, Enrollment, EnrollmentStatus
from tests.journey_kit import Kit

AMS = ZoneInfo("Europe/Amsterdam")
AFTER_DAY_ONE = datetime(2026, 11, 26, 7, 30, tzinfo=AMS).astimezone(UTC)
AFTER_DAY_TWO = datetime(2026, 11, 27, 7, 30, tzinfo=AMS).astimezone(UTC)
AFTER_DAY_THREE = datetime(2026, 11, 28, 7, 30, tzinfo=AMS).astimezone(UTC)
ROUTINE = ("bewaard", "volgende les", "Dank je wel.")

CONCERN = "Ik wil eigenlijk niet meer leven."
PLAN = "ik heb pillen gespaard en vanavond neem ik ze allemaal in"
VIOLENCE_NOW = "hij slaat me nu, help"


def _data(message: Outgoing) -> list[str]:
    return [b.data for row in message.buttons for b in row]


def _nothing_routine(replies: list[Outgoing]) -> None:
    for reply in replies:
        for word in ROUTINE:
            assert word not in reply.text, (word, reply.text)


async def _enrollment(kit: Kit, chat: str = "1") -> Enrollment:
    p = await kit.engine.store.participants.by_chat(Channel.CONSOLE, chat)
    assert p is not None
    found = await kit.engine.journey.current(p.id)
    assert found is not None
    return found


async def _kept(kit: Kit, chat: str = "1") -> list[tuple[int, str]]:
    p = await kit.engine.store.participants.by_chat(Channel.CONSOLE, chat)
    assert p is not None
    return [(r.day, r.text) for r in await kit.engine.store.reflections.all(p.id)]


async def test_a_concern_gets_its_service_and_are_you_safe_and_the_answer_is_still_kept(
    kit: Kit,
) -> None:
    await kit.sign_up("1")
    await kit.run_until(AFTER_DAY_ONE)
    replies = await kit.say("1", CONCERN)
    care, helps = replies
    assert care.text == texts_care.concern("suicide", "nl")
    assert "0800-0113" in care.text
    assert care.text.endswith(texts_care.SAFE_NOW)
    assert _data(care) == ["v:ja:suicide", "v:nee:suicide", "v:stil:suicide"]
    assert helps.text == texts_care.WHAT_HELPS
    assert _data(helps) == ["h:rust", "h:praat", "h:pauze"]
    _nothing_routine(replies)
    assert await _kept(kit) == [(1, CONCERN)]


@pytest.mark.parametrize(
    ("words", "first_line", "service"),
    [
        (PLAN, texts_care.ACT_113, "112"),
        (VIOLENCE_NOW, texts_care.ACT_112, "Veilig Thuis: 0800-2000"),
    ],
)
async def test_acute_danger_gets_the_action_first_and_nothing_else(
    kit: Kit, words: str, first_line: str, service: str
) -> None:
    await kit.sign_up("1")
    await kit.run_until(AFTER_DAY_ONE)
    replies = await kit.say("1", words)
    [only] = replies
    assert only.text.split("\n")[0] == first_line
    assert service in only.text.split("\n\n")[-1]
    assert _data(only) == ["h:rust", "h:praat", "h:pauze"]
    assert len(only.text) <= 700
    _nothing_routine(replies)
    assert await _kept(kit) == [(1, words)]


async def test_no_to_are_you_safe_is_answered_as_acute_and_yes_or_quiet_kindly(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(AFTER_DAY_ONE)
    await kit.say("1", "hij slaat me als hij gedronken heeft")
    [acute] = await kit.tap("1", "v:nee:violence")
    assert acute.text.startswith(texts_care.ACT_112)
    assert acute.text == texts_care.acute("violence", "nl")
    [yes] = await kit.tap("1", "v:ja:violence")
    assert yes.text == texts_care.SAFE_YES
    [quiet] = await kit.tap("1", "v:stil:violence")
    assert quiet.text == texts_care.SAFE_QUIET
    [stale] = await kit.tap("1", "v:nee:nonsense")
    assert stale.text == texts.STALE_BUTTON


async def test_someone_in_belgium_gets_the_belgian_services(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.say("1", "/tijdzone Europe/Brussels")
    await kit.run_until(AFTER_DAY_ONE)
    care, _ = await kit.say("1", CONCERN)
    assert "1813" in care.text
    assert "113" not in care.text.replace("1813", "")
    [acute] = await kit.say("1", VIOLENCE_NOW)
    assert acute.text.startswith(texts_care.ACT_112)
    assert "1712" in acute.text
    assert "101" in acute.text


async def test_the_pause_button_pauses_the_course_and_no_lesson_comes(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(AFTER_DAY_ONE)
    await kit.say("1", CONCERN)
    [paused] = await kit.tap("1", "h:pauze")
    assert paused.text == texts_care.PAUSED_FOR_CARE
    assert (await _enrollment(kit)).status is EnrollmentStatus.PAUSED
    before = len(kit.channel.to("1"))
    await kit.run_until(AFTER_DAY_THREE)
    assert kit.channel.to("1")[before:] == []


async def test_the_next_lesson_starts_by_asking_how_they_are_once(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(AFTER_DAY_ONE)
    await kit.say("1", CONCERN)
    before = len(kit.channel.to("1"))
    await kit.run_until(AFTER_DAY_TWO)
    day_two = kit.channel.to("1")[before:]
    assert day_two[0].text == texts_care.CARE_CHECK
    assert day_two[1].heading is not None  # then the lesson, as always
    assert [m.text for m in day_two].count(texts_care.CARE_CHECK) == 1
    await kit.say("1", "vandaag ging het beter, we hebben rustig gepraat")
    before = len(kit.channel.to("1"))
    await kit.run_until(AFTER_DAY_THREE)
    assert texts_care.CARE_CHECK not in [m.text for m in kit.channel.to("1")[before:]]


async def test_a_danger_signal_during_sign_up_gets_help_and_the_sign_up_waits(kit: Kit) -> None:
    await kit.say("1", "/start")
    await kit.tap("1", "c:twijfel")
    replies = await kit.say("1", "ik wil dood")
    assert replies[0].text == texts_care.concern("suicide", "nl")
    assert texts.BAD_TIME not in [r.text for r in replies]
    _nothing_routine(replies)
    [asked_zone] = await kit.say("1", "07:00")
    assert asked_zone.text.startswith(texts.ASK_ZONE.split("{")[0])


async def test_someone_without_a_course_gets_help_and_nothing_is_stored(kit: Kit) -> None:
    replies = await kit.say("9", "ik wil dood")
    assert [r.text for r in replies] == [texts_care.concern("suicide", "nl"), texts_care.WHAT_HELPS]
    assert _data(replies[1]) == ["h:rust", "h:praat"]  # no course to pause
    assert texts.NOT_STARTED not in [r.text for r in replies]
    assert await kit.engine.store.participants.count() == 0


async def test_paused_and_stopped_participants_are_heard_too(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(AFTER_DAY_ONE)
    await kit.say("1", "/pauze")
    [acute] = await kit.say("1", PLAN)
    assert acute.text.startswith(texts_care.ACT_113)
    assert (await _enrollment(kit)).care_check  # asked when they resume
    await kit.say("1", "/stop")
    [acute_again] = await kit.say("1", VIOLENCE_NOW)
    assert acute_again.text.startswith(texts_care.ACT_112)
    assert "h:pauze" not in _data(acute_again)


async def test_a_participant_who_finished_is_heard_too(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(AFTER_DAY_ONE)
    p = await kit.engine.store.participants.by_chat(Channel.CONSOLE, "1")
    assert p is not None

    def finish(e: Enrollment) -> Enrollment:
        e.status, e.next_due, e.nudge_due = EnrollmentStatus.COMPLETED, None, None
        return e

    await kit.engine.journey.change(p.id, "twijfel", finish)
    care, _ = await kit.say("1", "hij bedreigt me de laatste tijd steeds vaker")
    assert care.text == texts_care.concern("threat", "nl")


async def test_hulp_leads_with_the_numbers_then_the_exercise(kit: Kit) -> None:
    numbers, exercise = await kit.say("5", "/hulp")
    lines = numbers.text.split("\n")
    assert "112" in lines[0]
    order = [numbers.text.index(n) for n in ("112", "0800-0113", "0800-2000", "België")]
    assert order == sorted(order)
    assert exercise.text == texts_care.GROUNDING
    assert _data(numbers) == ["h:praat"]
    [overview] = await kit.say("5", "/help")
    assert "/hulp" in overview.text
    assert ("hulp", "Hulp als het niet goed gaat") in texts.MENU


async def test_the_help_buttons_give_a_grounding_exercise_and_someone_to_reach(kit: Kit) -> None:
    await kit.sign_up("1")
    [grounding] = await kit.tap("1", "h:rust")
    assert grounding.text == texts_care.GROUNDING
    [trusted] = await kit.tap("1", "h:praat")
    assert trusted.text == texts_care.TRUSTED


async def test_operators_count_by_tier_and_category_and_never_see_the_words(kit: Kit) -> None:
    counters = kit.engine.journey.counters
    assert isinstance(counters, Counters)
    await kit.sign_up("1")
    await kit.run_until(AFTER_DAY_ONE)
    await kit.say("1", "hij slaat me")
    await kit.say("1", PLAN)
    await kit.say("1", "gewoon een gewone dag")
    totals = await counters.totals()
    assert totals["danger_signals"] == 2
    assert (totals["danger_concern"], totals["danger_acute"]) == (1, 1)
    assert (totals["danger_violence"], totals["danger_suicide_plan"]) == (1, 1)


async def test_help_goes_through_even_in_a_flood(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(AFTER_DAY_ONE)
    for n in range(14):
        await kit.answer("1", f"bericht {n}")
    got = await kit.answer("1", VIOLENCE_NOW)
    assert got
    assert got[0].text.startswith(texts_care.ACT_112)


async def test_the_care_line_waits_for_resume_after_a_pause(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(AFTER_DAY_ONE)
    await kit.say("1", CONCERN)
    await kit.say("1", "/pauze")
    await kit.run_until(AFTER_DAY_TWO)
    await kit.say("1", "/verder")
    before = len(kit.channel.to("1"))
    await kit.run_until(AFTER_DAY_THREE + timedelta(days=1))
    texts_after = [m.text for m in kit.channel.to("1")[before:]]
    assert texts_after[0] == texts_care.CARE_CHECK
