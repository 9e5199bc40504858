"""A question to a human coach, from both sides of the chat: the participant's /coach, the
coaches' copies with their buttons, an answer by reply that arrives through the participant's
queue, the follow-up that goes to the owner alone, an urgent question, /coach stop, the hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.channels.whatsapp.words import read
from bot.core import texts, texts_care, texts_coach
from bot.core.messages import Incoming, Kind
from storage.models import Channel
from tests.coach_kit import (
    AFTER_DAY_ONE,
    PLAN,
    QUESTION,
    asked,
    coach_taps,
    coach_types,
    data,
    participant_replies,
)
from tests.journey_kit import Kit

AMS = ZoneInfo("Europe/Amsterdam")

coaches = pytest.mark.kit(trainer_ids="42,43")


async def test_without_a_coach_coach_is_not_available_and_points_to_hulp(kit: Kit) -> None:
    await kit.sign_up("1")
    [reply] = await kit.answer("1", "/coach")
    assert reply.text == texts_coach.COACH_NONE
    assert "/hulp" in reply.text
    [kept] = await kit.answer("1", "Gewoon een antwoord")
    assert "/coach" not in kit.channel.to("1")[-1].text
    assert kept.text


@coaches
async def test_coach_says_who_reads_it_and_the_question_goes_to_every_coach_not_to_the_answers(
    kit: Kit,
) -> None:
    await kit.sign_up("1")
    await kit.run_until(AFTER_DAY_ONE)
    [intro] = await kit.answer("1", "/coach")
    assert "coaches van je cursus" in intro.text
    assert "je antwoorden in de cursus nooit" in intro.text
    assert "Meestal heb je binnen een werkdag antwoord" in intro.text  # how long it takes
    assert "Nu zijn ze er niet" not in intro.text
    [sent] = await kit.answer("1", QUESTION)
    assert sent.text == texts_coach.COACH_SENT.format(later="")
    for chat in ("42", "43"):
        [copy] = kit.channel.to(chat)
        assert copy.text.startswith("Vraag #")
        assert "van Sanne, Twijfel dag 1" in copy.text or "van Sanne, " in copy.text
        assert "dag 1" in copy.text
        assert QUESTION in copy.text
        tid = copy.text.split("#")[1][:5]
        assert data(copy) == [f"q:take:{tid}", f"q:close:{tid}"]
    p = await kit.engine.store.participants.by_chat(Channel.CONSOLE, "1")
    assert p is not None
    assert await kit.engine.store.reflections.all(p.id) == []
    # the next text is an answer to the course again, not a question
    await kit.answer("1", "Mijn antwoord op dag 1")
    assert len(kit.channel.to("42")) == 1
    assert [r.text for r in await kit.engine.store.reflections.all(p.id)] == [
        "Mijn antwoord op dag 1"
    ]


@coaches
async def test_a_reply_answers_the_others_see_who_took_it_and_follow_ups_go_to_the_owner(
    kit: Kit,
) -> None:
    first, _ = await asked(kit)
    [done] = await coach_types(kit, "42", "Dat is heel normaal. Wat maakt je het meest onrustig?",
                               replied_to=first.text)  # fmt: skip
    assert done.text.startswith("Verstuurd naar Sanne")
    answer = kit.channel.to("1")[-1]
    assert answer.text.startswith(texts_coach.COACH_ANSWER_MARK)
    assert "Wat maakt je het meest onrustig?" in answer.text
    [other] = kit.channel.to("43")
    assert other.text.endswith("is opgepakt door Anna.")
    assert other.buttons == ()
    [added] = await participant_replies(kit, "Dat het dan definitief is.", answer.text)
    assert added.text == texts_coach.COACH_ADDED
    follow_up = kit.channel.to("42")[-1]
    assert follow_up.text.startswith("Vervolg op #")
    assert "Dat het dan definitief is." in follow_up.text
    assert len(kit.channel.to("43")) == 1
    [refused] = await coach_types(kit, "43", "Ik wil ook iets zeggen", replied_to=first.text,
                                  name="Bert")  # fmt: skip
    assert refused.text.startswith(f"#{first.text.split('#')[1][:5]} is al opgepakt")


@coaches
async def test_take_then_type_answers_and_a_second_take_is_told_it_is_taken(kit: Kit) -> None:
    first, _ = await asked(kit)
    tid = first.text.split("#")[1][:5]
    [taken] = await coach_taps(kit, "43", f"q:take:{tid}", name="Bert")
    assert taken.text == texts_coach.TAKEN.format(tid=tid, name="Sanne")
    assert kit.channel.to("42")[0].text.endswith("is opgepakt door Bert.")
    [late] = await coach_taps(kit, "42", f"q:take:{tid}")
    assert late.text.startswith(f"#{tid} is al opgepakt")
    await coach_types(kit, "43", "Hoi Sanne, fijn dat je het vraagt.")
    assert kit.channel.to("1")[-1].text.startswith(texts_coach.COACH_ANSWER_MARK)
    assert "fijn dat je het vraagt" in kit.channel.to("1")[-1].text


@coaches
async def test_danger_to_a_coach_gets_help_at_once_and_the_question_is_urgent(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(AFTER_DAY_ONE)
    await kit.answer("1", "/coach")
    [help_now] = await kit.answer("1", PLAN)
    assert help_now.text.split("\n")[0] == texts_care.ACT_113
    assert "gestuurd" not in help_now.text
    [copy] = kit.channel.to("42")
    assert copy.text.startswith("⚠️ DRINGEND (plan voor zelfdoding)")
    [thread] = await kit.engine.store.threads.open_threads()
    assert (thread.urgent, thread.category) == (True, "suicide_plan")


@coaches
async def test_a_concern_to_a_coach_says_the_coach_reads_it_but_not_at_once(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(AFTER_DAY_ONE)
    await kit.answer("1", "/coach")
    care, _ = await kit.answer("1", "Ik wil eigenlijk niet meer leven.")
    assert texts_care.NOBODY_READS not in care.text
    assert texts_coach.COACH_READS_LATER in care.text


@coaches
async def test_coach_stop_closes_the_thread_and_the_coaches_hear_it(kit: Kit) -> None:
    first, _ = await asked(kit)
    [stopped] = await kit.answer("1", "/coach stop")
    assert stopped.text == texts_coach.COACH_STOPPED
    assert kit.channel.to("42")[-1].text.endswith("heeft het gesprek gesloten.")
    assert await kit.engine.store.threads.open_threads() == []
    [nothing] = await kit.answer("1", "/coach stop")
    assert nothing.text == texts_coach.COACH_NOTHING_OPEN
    [gone] = await coach_types(kit, "42", "Nog even dit", replied_to=first.text)
    assert gone.text == texts_coach.GONE


@coaches
async def test_a_coach_closing_tells_the_participant(kit: Kit) -> None:
    first, _ = await asked(kit)
    tid = first.text.split("#")[1][:5]
    [closed] = await coach_taps(kit, "42", f"q:close:{tid}")
    assert closed.text.startswith(f"#{tid} is gesloten")
    assert kit.channel.to("1")[-1].text == texts_coach.COACH_CLOSED_BY_COACH
    assert kit.channel.to("43")[0].text.endswith("is gesloten.")


@pytest.mark.kit(trainer_ids="42", coach_hours="ma-vr 09:00-17:00")
async def test_outside_the_hours_the_participant_hears_when_to_expect_an_answer(
    kit: Kit,
) -> None:
    await kit.sign_up("1")
    saturday = datetime(2026, 11, 28, 11, 0, tzinfo=AMS).astimezone(UTC)
    await kit.run_until(saturday, step=timedelta(hours=1))
    [intro] = await kit.answer("1", "/coach")
    assert "Nu zijn ze er niet: reken op antwoord vanaf maandag 09:00." in intro.text
    [sent] = await kit.answer("1", QUESTION)
    assert sent.text.endswith("reken op antwoord vanaf maandag 09:00.")


@coaches
async def test_inbox_lists_urgent_first_then_the_longest_waiting(kit: Kit) -> None:
    [empty] = await coach_types(kit, "42", "/inbox")
    assert empty.text == texts_coach.INBOX_EMPTY
    for chat in ("1", "2", "3"):
        await kit.sign_up(chat)
    await kit.run_until(AFTER_DAY_ONE)
    await kit.answer("1", "/coach")
    await kit.answer("1", QUESTION)
    kit.clock.set(kit.clock.now() + timedelta(hours=2))
    await kit.answer("2", "/coach")
    await kit.answer("2", "Hoe praat ik hierover met mijn partner?")
    kit.clock.set(kit.clock.now() + timedelta(minutes=30))
    await kit.answer("3", "/coach")
    await kit.answer("3", PLAN)
    [inbox] = await coach_types(kit, "42", "/inbox")
    lines = inbox.text.split("\n")
    assert lines[0] == "Open vragen (3):"
    assert lines[1].startswith("⚠️ #")
    assert lines[1].endswith("wacht 0 min")
    assert lines[2].endswith("wacht 2 uur")
    assert lines[3].endswith("wacht 30 min")


@coaches
async def test_a_thread_a_week_quiet_closes_and_both_sides_hear_it(kit: Kit) -> None:
    await asked(kit)
    await kit.run_until(AFTER_DAY_ONE + timedelta(days=7, hours=2), step=timedelta(hours=3))
    assert await kit.engine.store.threads.open_threads() == []
    assert texts_coach.COACH_CLOSED_IDLE in [m.text for m in kit.channel.to("1")]
    assert kit.channel.to("43")[0].text.endswith("een week geen bericht.")


@coaches
async def test_coach_is_in_help_and_the_menu() -> None:
    assert "/coach" in texts.HELP
    assert "coach" in [name for name, _ in texts.MENU]


@coaches
async def test_an_answer_handed_in_twice_reaches_the_participant_once(kit: Kit) -> None:
    """Telegram hands an update in again when it did not hear it confirmed (a crash)."""
    first, _ = await asked(kit)
    answer = "Dat is heel normaal."
    await coach_types(kit, "42", answer, replied_to=first.text)
    [again] = await coach_types(kit, "42", answer, replied_to=first.text)
    assert again.text.startswith("Verstuurd naar Sanne")
    got = [m for m in kit.channel.to("1") if m.text.startswith(texts_coach.COACH_ANSWER_MARK)]
    assert len(got) == 1


@coaches
async def test_a_reply_to_the_inbox_list_is_no_answer_to_a_thread(kit: Kit) -> None:
    await asked(kit)
    [listing] = await coach_types(kit, "42", "/inbox")
    await coach_types(kit, "42", "Die pak ik morgen op", replied_to=listing.text)
    assert not [m for m in kit.channel.to("1") if m.text.startswith(texts_coach.COACH_ANSWER_MARK)]


@coaches
async def test_the_stop_button_under_the_confirmation_closes_the_thread(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(AFTER_DAY_ONE)
    [intro] = await kit.answer("1", "/coach")
    assert data(intro) == ["co:stop"]
    [sent] = await kit.answer("1", QUESTION)
    assert data(sent) == ["co:stop"]
    [stopped] = await kit.tap("1", "co:stop")
    assert stopped.text == texts_coach.COACH_STOPPED
    assert kit.channel.to("42")[-1].text.endswith("heeft het gesprek gesloten.")
    assert await kit.engine.store.threads.open_threads() == []


@coaches
async def test_on_whatsapp_what_she_writes_goes_to_the_open_thread_unless_a_lesson_asks(
    kit: Kit,
) -> None:
    kit.engine.senders[Channel.WHATSAPP] = kit.channel
    phone = "31611122233"

    async def writes(text: str) -> list[str]:
        before = len(kit.channel.to(phone))
        await kit.engine.conversation.answer(read(phone, text, kit.engine.courses, "Sanne"))
        return [m.text for m in kit.channel.to(phone)[before:]]

    async def taps(data: str) -> None:
        await kit.engine.conversation.answer(
            Incoming(Channel.WHATSAPP, phone, Kind.BUTTON, data=data, first_name="Sanne")
        )

    await writes("START twijfel")
    await taps("t:07:00")
    await taps("z:ok")
    await kit.run_until(AFTER_DAY_ONE)
    assert await writes("Mag ik iets vragen?") != [texts_coach.COACH_ADDED]  # no thread yet
    await writes("COACH")
    assert (await writes(QUESTION))[0].startswith("Je vraag is naar je coach gestuurd.")
    first = kit.channel.to("42")[-1]
    await coach_types(kit, "42", "Wat speelt er precies?", replied_to=first.text)
    assert "eerst /coach" in kit.channel.to(phone)[-1].text  # how to reach them while asked

    # Day 2's question waits: her text answers it; then, with nothing asked, it goes to Anna.
    await kit.run_until(AFTER_DAY_ONE + timedelta(days=1))
    [saved] = await writes("Ik denk dat ik bang ben om te kiezen.")
    assert saved.startswith(texts.REFLECTION_SAVED.format(day=2))
    assert await writes("Hij praat al over een huis kopen.") == [texts_coach.COACH_ADDED]
    assert "Hij praat al over een huis kopen." in kit.channel.to("42")[-1].text
    # /dag 1 opens day 1 for an answer: that wins again, until the thread is closed.
    await writes("DAG 1")
    assert await writes("Nog iets over dag 1.") != [texts_coach.COACH_ADDED]
    await writes("VANDAAG")
    await writes("COACH STOP")
    assert await writes("Zomaar een gedachte.") != [texts_coach.COACH_ADDED]
    assert "Zomaar een gedachte." not in kit.channel.to("42")[-1].text


@coaches
async def test_a_follow_up_before_anyone_took_the_question_goes_to_every_coach(
    kit: Kit,
) -> None:
    await asked(kit)
    await kit.answer("1", "/coach")  # the thread is open and nobody owns it yet
    await kit.answer("1", "Nog iets: hij wil ook al een hond.")
    for chat in ("42", "43"):
        follow_up = kit.channel.to(chat)[-1]
        assert follow_up.text.startswith("Vervolg op #")
        assert "hij wil ook al een hond" in follow_up.text
    # Once a coach took it, the next follow-up goes to that coach alone.
    await coach_taps(kit, "42", data(kit.channel.to("42")[0])[0])
    before = len(kit.channel.to("43"))
    await kit.answer("1", "/coach")
    await kit.answer("1", "En de kat dan?")
    assert "En de kat dan?" in kit.channel.to("42")[-1].text
    assert not any("En de kat dan?" in m.text for m in kit.channel.to("43")[before:])


@pytest.mark.kit(operator_ids="900001", trainer_ids="42")
async def test_a_trainer_added_in_the_chat_gets_the_questions_too(kit: Kit) -> None:
    await coach_types(kit, "900001", "/trainer add 44", name="Olga")
    await kit.sign_up("1")
    await kit.run_until(AFTER_DAY_ONE)
    await kit.answer("1", "/coach")
    await kit.answer("1", QUESTION)
    for chat in ("42", "44"):
        [copy] = kit.channel.to(chat)[-1:]
        assert copy.text.startswith("Vraag #")
        assert QUESTION in copy.text
    # Revoked, they get no more.
    await coach_types(kit, "900001", "/trainer remove 44", name="Olga")
    before = len(kit.channel.to("44"))
    await kit.answer("1", "/coach stop")
    await kit.answer("1", "/coach")
    await kit.answer("1", "Een tweede vraag over samenwonen.")
    assert "Een tweede vraag" in kit.channel.to("42")[-1].text
    assert not any("Een tweede vraag" in m.text for m in kit.channel.to("44")[before:])


@coaches
async def test_no_word_of_a_thread_reaches_the_logs(
    kit: Kit, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    first, _ = await asked(kit)
    answer = "Dat is heel gewoon bij een grote stap. Wat maakt het spannend?"
    await coach_types(kit, "42", answer, replied_to=first.text)
    follow_up = "Dat ik mezelf dan kwijtraak in zijn leven."
    await participant_replies(kit, follow_up, kit.channel.to("1")[-1].text)
    await kit.answer("1", "/coach stop")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records  # the journey writes log lines, and none holds their words
    for words in (QUESTION, answer, follow_up, "buikpijn", "kwijtraak"):
        assert words not in logged


@pytest.mark.kit(trainer_ids="42,43", coach_hours="ma-vr 09:00-17:00")
async def test_danger_outside_the_hours_gets_help_at_once_and_no_wait(kit: Kit) -> None:
    await kit.sign_up("1")
    saturday = datetime(2026, 11, 28, 23, 0, tzinfo=AMS).astimezone(UTC)
    await kit.run_until(saturday, step=timedelta(hours=1))
    await kit.answer("1", "/coach")
    [help_now] = await kit.answer("1", PLAN)
    assert help_now.text.split("\n")[0] == texts_care.ACT_113
    assert "maandag" not in help_now.text  # help does not wait for the coaches' hours
    assert kit.channel.to("42")[-1].text.startswith("⚠️ DRINGEND")
