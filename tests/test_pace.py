"""Pacing that follows the person: after two quiet lesson days the next lesson comes with a
choice of pace; /tempo changes it later and /voortgang shows it; nudges follow it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.channels.whatsapp.rendering import payloads
from bot.core import texts_pace
from bot.core.messages import Outgoing
from bot.delivery.items import day_items, render
from bot.delivery.tempo import offer
from scheduler.localtime import local_day
from storage.models import Pace
from tests.fakes.whatsapp_api import validate
from tests.journey_kit import Kit

AMS = ZoneInfo("Europe/Amsterdam")
CHOICES = ["p:twijfel:daily", "p:twijfel:other", "p:twijfel:own"]


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=AMS).astimezone(UTC)


def _offers(kit: Kit, chat: str) -> list[Outgoing]:
    return [m for m in kit.channel.to(chat) if m.text == texts_pace.PACE_OFFER]


def _data(message: Outgoing) -> list[str]:
    return [b.data for row in message.buttons for b in row]


async def test_two_quiet_days_bring_the_choice_with_the_next_lesson_once(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(27, 23, 0))  # days 1 and 2 came; no answer, no check-in
    assert not _offers(kit, "1")
    await kit.run_until(local(28, 7, 30))
    received = kit.channel.to("1")
    [choice] = _offers(kit, "1")
    assert _data(choice) == CHOICES
    at = received.index(choice)
    assert (received[at + 1].heading or "").startswith("Dag 3 van 9")  # before the lesson
    await kit.run_until(local(30, 7, 30))  # still quiet: days 4 and 5 come without it
    assert len(kit.channel.headings("1")) == 5
    assert len(_offers(kit, "1")) == 1


async def test_an_answer_or_a_check_in_keeps_the_choice_away(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(26, 7, 30))
    await kit.answer("1", "Vlak daarvoor had ze het over samenwonen.")
    await kit.run_until(local(27, 7, 30))
    await kit.tap("1", "k:twijfel:2:3")  # day 2: only a check-in
    await kit.run_until(local(29, 7, 30))  # days 3 and 4: quiet after the check-in
    assert len(kit.channel.headings("1")) == 4
    assert not _offers(kit, "1")


async def test_every_other_day_spaces_the_lessons_and_the_nudge_falls_between(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(28, 7, 30))
    assert len(_offers(kit, "1")) == 1
    [confirmed] = await kit.tap("1", "p:twijfel:other")
    assert confirmed.text.startswith(texts_pace.PACE_SET.format(pace="om de dag een les"))
    e = await kit.enrollment("1")
    assert e.pace is Pace.OTHER_DAY
    assert e.next_due is not None
    assert local_day(e.next_due, "Europe/Amsterdam").day == 30  # not the 29th
    assert "Je volgende les komt" in confirmed.text
    # Day 3's nudge comes on the day between, in the daytime, not the evening before.
    nudge = kit.engine.courses["twijfel"].day(3).nudge
    await kit.run_until(local(28, 23, 0))
    assert nudge not in [m.text for m in kit.channel.to("1")]
    await kit.run_until(local(29, 23, 0))
    assert nudge in [m.text for m in kit.channel.to("1")]
    assert len(kit.channel.headings("1")) == 3
    await kit.run_until(local(30, 7, 30))
    assert len(kit.channel.headings("1")) == 4
    await kit.run_until(local(1, 23, 0, month=12))
    assert len(kit.channel.headings("1")) == 4  # the next one on 2 December
    await kit.run_until(local(2, 7, 30, month=12))
    assert len(kit.channel.headings("1")) == 5


async def test_own_pace_waits_for_the_answer_and_tempo_and_progress_say_so(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(26, 7, 30))
    [shown] = await kit.say("1", "/tempo")
    assert shown.text == texts_pace.PACE_ASK.format(pace="elke dag een les")
    assert _data(shown) == CHOICES
    [set_own] = await kit.say("1", "/tempo eigen tempo")
    assert set_own.text.startswith(texts_pace.PACE_SET.format(pace=texts_pace.PACE_NAMES[Pace.OWN]))
    assert texts_pace.PACE_WAITING.format(day=1) in set_own.text
    [progress] = await kit.say("1", "/voortgang")
    assert texts_pace.PACE_NOW.format(pace=texts_pace.PACE_NAMES[Pace.OWN]) in progress.text
    await kit.run_until(local(28, 7, 30))
    assert len(kit.channel.headings("1")) == 1  # no answer: no next lesson
    await kit.answer("1", "Het gesprek over vakantie met haar ouders.")
    e = await kit.enrollment("1")
    assert e.next_due is not None
    assert local_day(e.next_due, "Europe/Amsterdam").day == 29
    await kit.run_until(local(29, 7, 30))
    assert len(kit.channel.headings("1")) == 2
    # /pace in English, and back to every day.
    [daily] = await kit.say("1", "/pace daily")
    assert daily.text.startswith(texts_pace.PACE_SET.format(pace="elke dag een les"))


def test_the_choice_reads_the_same_on_whatsapp_as_three_reply_buttons() -> None:
    message = render(offer("twijfel"), {})
    assert message is not None
    ((kind, text, choices),) = [validate(p) for p in payloads(message)]
    assert kind == "button"
    assert text.startswith("Het was een paar dagen stil")
    assert [c for c, _ in choices] == CHOICES
    assert [label for _, label in choices] == list(texts_pace.PACE_BUTTONS.values())


async def test_a_pace_button_of_a_stopped_course_is_stale(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.say("1", "/stop")
    [reply] = await kit.tap("1", "p:twijfel:own")
    assert reply.text.startswith("Deze knop hoort bij een eerder gesprek")
    assert (await kit.enrollment("1")).pace is None


async def test_the_choice_belongs_to_its_course_a_stop_drops_it_with_the_lesson(kit: Kit) -> None:
    await kit.sign_up("1")
    store = kit.engine.store
    pid = (await kit.enrollment("1")).participant_id
    await store.queue.put(pid, [offer("twijfel"), *day_items(kit.engine.courses["twijfel"], 3)])
    assert await store.queue.drop(pid, "twijfel") == 1 + len(
        day_items(kit.engine.courses["twijfel"], 3)
    )
    assert await store.queue.items(pid) == []
