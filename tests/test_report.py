"""What trainers see: /rapport COURSE sends a CSV with a row per version and day, and no number
that stands for fewer than five people; /stats names the day where most participants stop."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.core import texts_report
from bot.core.messages import Incoming, Outgoing
from bot.staff import versions
from bot.staff.report import MIN_PEOPLE
from storage.models import Channel, Enrollment
from tests.journey_kit import Kit
from tests.versions_kit import edited

AMS = ZoneInfo("Europe/Amsterdam")
OPERATOR, TRAINER = "900011", "900012"
pytestmark = pytest.mark.kit(operator_ids=OPERATOR, trainer_ids=TRAINER)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=AMS).astimezone(UTC)


async def _type(kit: Kit, chat: str, text: str) -> list[Outgoing]:
    before = len(kit.channel.to(chat))
    await kit.engine.conversation.answer(Incoming.from_text(Channel.CONSOLE, chat, text))
    return kit.channel.to(chat)[before:]


def _table(message: Outgoing) -> list[dict[str, str]]:
    assert message.document is not None
    name, content = message.document
    assert name == "rapport-twijfel.csv"
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    assert rows
    assert list(rows[0]) == list(texts_report.REPORT_COLUMNS)
    return rows


async def _pid(kit: Kit, chat: str) -> str:
    found = await kit.engine.store.participants.by_chat(Channel.CONSOLE, chat)
    assert found is not None
    return found.id


async def test_the_report_has_a_row_per_day_and_hides_numbers_under_five(kit: Kit) -> None:
    chats = [str(n) for n in range(1, 8)]  # seven people
    for chat in chats:
        await kit.sign_up(chat)
    await kit.run_until(local(26, 7, 30))
    for chat in chats[:6]:  # six answer day 1
        await kit.answer(chat, f"Mijn antwoord op dag 1, van nummer {chat}.")
    await kit.run_until(local(27, 7, 30))
    for chat, score in zip(chats[:5], (2, 3, 4, 4, 5), strict=True):  # five scores on day 2
        await kit.tap(chat, f"k:twijfel:2:{score}")
    for chat in chats[:2]:  # two answer day 2
        await kit.answer(chat, "Nog steeds dezelfde twijfel.")
    await kit.say("7", "/stop")  # one stops on day 2
    await kit.run_until(local(28, 7, 30))

    [sent] = await _type(kit, TRAINER, "/rapport twijfel")
    assert sent.text == texts_report.REPORT_CAPTION.format(
        title="Help! Ik twijfel", least=MIN_PEOPLE
    )
    rows = _table(sent)
    assert [(r["versie"], r["dag"]) for r in rows] == [("1", str(d)) for d in range(1, 10)]
    day1, day2, day3 = rows[:3]
    assert (day1["ingeschreven"], day1["les_ontvangen"], day1["vraag_beantwoord"]) == (
        "7",
        "7",
        "6",
    )
    assert day1["gemiddelde_checkin"] == "-"  # day 1 has no check-in
    assert (day1["nog_actief_na_dag"], day1["gestopt_op_dag"]) == ("7", "-")
    assert day2["vraag_beantwoord"] == "-"  # two answered: fewer than five
    assert day2["gemiddelde_checkin"] == "3.6"
    # One stopped on day 2: hidden, and so is what would give it away by subtraction.
    assert (day2["gestopt_op_dag"], day2["nog_actief_na_dag"]) == ("-", "-")
    assert day3["les_ontvangen"] == "6"
    assert all(r["les_ontvangen"] == "-" for r in rows[3:])  # nobody got day 4 yet
    cells = [v for r in rows for k, v in r.items() if k not in ("cursus", "versie", "dag")]
    assert all(v == "-" or float(v) >= MIN_PEOPLE or "." in v for v in cells)

    # /stats names the day where most stopped.
    shown = await _type(kit, OPERATOR, "/stats")
    assert texts_report.STATS_MOST_STOP.format(day=2, count=1) in shown[-1].text


async def test_each_version_has_its_own_rows_and_anyone_else_gets_no_report(kit: Kit) -> None:
    for chat in ("1", "2"):
        await kit.sign_up(chat)

    def second(e: Enrollment) -> Enrollment:
        e.course_version = 2
        return e

    await kit.engine.store.enrollments.update(await _pid(kit, "2"), "twijfel", second)
    [sent] = await _type(kit, OPERATOR, "/report twijfel")
    rows = _table(sent)
    assert [(r["versie"], r["dag"]) for r in rows] == [
        (v, str(d)) for v in ("1", "2") for d in range(1, 10)
    ]
    assert {r["ingeschreven"] for r in rows} == {"-"}  # one each: hidden
    [usage] = await _type(kit, TRAINER, "/rapport")
    assert usage.document is None
    assert "partner, twijfel" in usage.text
    # A participant typing it hears what any unknown command gets.
    [unknown] = await _type(kit, "1", "/rapport twijfel")
    assert unknown.document is None


async def test_each_version_has_rows_for_its_own_days(kit: Kit) -> None:
    await kit.sign_up("1")  # on version 1: nine days
    catalogue = kit.engine.journey.catalogue
    data = yaml.safe_load(edited(catalogue["twijfel"], 2))
    data["days"].append({**data["days"][-1], "title": "Nog een dag"})
    proposal = await versions.propose(catalogue, yaml.safe_dump(data, allow_unicode=True))
    assert proposal.ready, proposal.checked.problems
    assert proposal.course is not None
    now = kit.clock.now()
    assert await versions.publish(kit.engine.store, catalogue, proposal.course, "test", now) is None
    await kit.sign_up("2")  # on version 2: ten days
    second = await kit.engine.store.enrollments.get(await _pid(kit, "2"), "twijfel")
    assert second is not None
    assert second.course_version == 2
    [sent] = await _type(kit, TRAINER, "/rapport twijfel")
    assert [(r["versie"], r["dag"]) for r in _table(sent)] == [
        *(("1", str(d)) for d in range(1, 10)),
        *(("2", str(d)) for d in range(1, 11)),
    ]


async def test_a_trainer_who_follows_a_course_gets_the_file_through_their_queue(kit: Kit) -> None:
    await kit.sign_up(TRAINER)  # their replies go through their chat's queue, in order
    [sent] = await _type(kit, TRAINER, "/rapport twijfel")
    rows = _table(sent)
    assert len(rows) == 9


async def test_those_who_paused_are_counted_on_the_day_they_paused(kit: Kit) -> None:
    chats = [str(n) for n in range(1, 8)]  # seven people
    for chat in chats:
        await kit.sign_up(chat)
    await kit.run_until(local(27, 7, 30))  # days 1 and 2 came
    for chat in chats[:5]:  # five pause on day 2
        await kit.say(chat, "/pauze")
    await kit.run_until(local(28, 7, 30))
    [sent] = await _type(kit, TRAINER, "/rapport twijfel")
    day1, day2, day3 = _table(sent)[:3]
    assert day2["gepauzeerd_op_dag"] == "5"
    assert day1["gepauzeerd_op_dag"] == "-"  # nobody paused on day 1
    assert day3["les_ontvangen"] == "-"  # only the two who did not pause got day 3
