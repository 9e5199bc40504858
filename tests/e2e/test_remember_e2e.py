"""A course that remembers, end to end: `druppel run` as a real process, the fake Bot API over
HTTP. The last day quotes what the participant wrote on day 2 (the fallback for someone who did
not), two quiet days bring the choice of pace, "om de dag" spaces the lessons, and a trainer's
/rapport arrives as a CSV document (sendDocument, uploaded as multipart form data)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from bot.core import texts, texts_pace, texts_report
from courses.quotes import Quote
from scheduler.localtime import local_day
from tests.e2e.processes import COURSES, FAST, STARTUP, ZONE
from tests.e2e.telegram_world import TRAINER, TrainerWorld

TWIJFEL = COURSES["twijfel"]
ANSWER = "Dat ik nooit zeker weet of het genoeg is, ook niet na een fijne week."


pytestmark = pytest.mark.world(kind=TrainerWorld)


def _heading(day: int) -> str:
    return f"Dag {day} van {TWIJFEL.length}"


async def test_the_last_day_quotes_day_two_quiet_days_bring_the_pace_and_a_report_comes(
    world: TrainerWorld,
) -> None:
    w, tg = world, world.tg
    w.speed = 2 * FAST  # nine course days: two and a half seconds each
    clock = await w.up()
    writer, quiet, slow = 4101, 4102, 4103
    for chat in (writer, quiet, slow):
        await w.sign_up(chat, "twijfel", clock)
    day = w.real(timedelta(days=1)) + 5

    # The writer answers day 2's question; the others stay quiet.
    await w.next(writer, lambda m: m.text.startswith(_heading(2)), within=2 * day)
    prompt_two = TWIJFEL.day(2).prompt
    assert isinstance(prompt_two, str)
    await w.next(writer, lambda m: m.text == prompt_two)
    tg.user_sends(writer, ANSWER)
    thanks = texts.REFLECTION_SAVED.format(day=2)
    await w.next(writer, lambda m: m.text.startswith(thanks))

    # Two quiet lesson days: day 3 comes after the choice of pace, to them only.
    for chat in (quiet, slow):
        offer = await w.next(chat, lambda m: m.text == texts_pace.PACE_OFFER, within=3 * day)
        assert offer.callback_data == [f"p:twijfel:{p}" for p in ("daily", "other", "own")]
        lesson = await w.next(chat)
        assert lesson.text.startswith(_heading(3))
    w.tap(slow, "p:twijfel:other")
    confirmed = await w.next(slow, lambda m: m.text.startswith("Goed, vanaf nu"))
    assert confirmed.text.startswith(texts_pace.PACE_SET.format(pace="om de dag een les"))
    third = (await w.enrollment(slow, "twijfel")).last_delivered_at
    assert third is not None
    await w.next(slow, lambda m: m.text.startswith(_heading(4)), within=3 * day)
    fourth = (await w.enrollment(slow, "twijfel")).last_delivered_at
    assert fourth is not None
    assert (local_day(fourth, ZONE) - local_day(third, ZONE)).days == 2

    # The last day: the writer's own words from day 2, the fallback for the quiet one.
    quote = TWIJFEL.day(TWIJFEL.length).lesson[1]
    assert isinstance(quote, Quote)
    last = _heading(TWIJFEL.length)
    for chat in (writer, quiet):
        await w.next(chat, lambda m: m.text.startswith(last), within=7 * day)
    quoted = await w.next(writer)
    assert quoted.text.startswith(f"Op dag 2 schreef je: “{ANSWER}”")
    assert (await w.next(quiet)).text == quote.fallback
    # The writer answered day 2: their quiet days were 3 and 4, so the choice came with day 5.
    seen = tg.messages_to(writer)
    [offered] = [i for i, m in enumerate(seen) if m.text == texts_pace.PACE_OFFER]
    assert seen[offered + 1].text.startswith(_heading(5))

    # A trainer's report: one CSV row per day of the course, uploaded as a document.
    tg.user_sends(TRAINER, "/rapport twijfel")
    sent = await w.next(TRAINER, within=STARTUP)
    assert sent.method == "sendDocument"
    assert sent.document_name == "rapport-twijfel.csv"
    assert sent.text == texts_report.REPORT_CAPTION.format(title=TWIJFEL.title, least=5)
    assert sent.document is not None
    rows = list(csv.DictReader(io.StringIO(sent.document.decode("utf-8"))))
    assert [(r["versie"], r["dag"]) for r in rows] == [
        ("1", str(d)) for d in range(1, TWIJFEL.length + 1)
    ]
    assert {r["ingeschreven"] for r in rows} == {"-"}  # three people: no number shown
