"""End to end over WhatsApp: `druppel web` and `druppel worker` as real processes, Meta played by
signed webhook calls and a fake Graph API on loopback.

Nothing inside druppel is replaced. People write by posting the webhook call Meta would post
(signed with the app secret) to the running `druppel web`; the worker takes it from Redis and
answers through the fake Graph API, which keeps Meta's 24-hour window on the same sped-up time
(a course day is ten real seconds) and refuses what Meta refuses. No Telegram token is set: the
worker runs WhatsApp only (tests/e2e/whatsapp_world.py).
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import aiohttp
import pytest

from bot.channels.whatsapp import texts as wa_texts
from bot.channels.whatsapp.rendering import body
from bot.channels.whatsapp.words import as_words
from bot.core import texts, texts_care
from bot.core.counters import Counters
from bot.core.messages import Outgoing
from storage.models import EnrollmentStatus
from tests.e2e.processes import COURSES, PARTNER, REPLY, STARTUP, eventually, local_hhmm, next_slot
from tests.e2e.whatsapp_world import NUMBER_ID, TEMPLATE, VERIFY, WhatsAppWorld
from tests.fakes.whatsapp_api import message_webhook, new_message_id, status_webhook

SANNE = "31612345678"
BRAM = "32470123456"

pytestmark = pytest.mark.world(kind=WhatsAppWorld)


async def test_sign_up_by_buttons_and_by_words_then_a_lesson_inside_the_window(
    world: WhatsAppWorld,
) -> None:
    w = world
    clock = await w.up()
    sanne_at = await w.sign_up_by_buttons(SANNE, clock)

    # Bram signs up by typing only: the course in the START word, the time, the city.
    await w.writes(BRAM, text="START twijfel", name="Bram")
    chosen = await w.next(BRAM, within=STARTUP)
    assert chosen.text.startswith(f"Je kiest voor “{COURSES['twijfel'].title}”")
    await w.next(BRAM)  # the time list
    bram_at = next_slot(clock, ahead=timedelta(hours=2))
    await w.writes(BRAM, text=bram_at, name="Bram")
    await w.next(BRAM)  # the zone question
    await w.writes(BRAM, text="Amsterdam", name="Bram")
    enrolled = await w.next(BRAM)
    assert enrolled.text.startswith(f"Je bent ingeschreven voor “{COURSES['twijfel'].title}”")
    assert (await w.next(BRAM)).text == wa_texts.WINDOW_NOTE
    assert local_hhmm((await w.enrollment(BRAM, "twijfel")).next_due) == bram_at

    # The first lessons come at the chosen time, inside the window: no template.
    day_one = await w.receive_day(SANNE, PARTNER, 1)
    assert day_one[-1].text == PARTNER.day(1).prompt
    assert local_hhmm((await w.enrollment(SANNE)).last_delivered_at) >= sanne_at
    await w.receive_day(BRAM, COURSES["twijfel"], 1)
    assert not [m for m in w.wa.sent if m.type == "template"]

    await w.writes(SANNE, text="Het voelt zwaar, maar ik wil het proberen.")
    ack = await w.next(SANNE)
    assert ack.text.startswith(texts.REFLECTION_SAVED.format(day=1))
    reflections = await w.store.reflections.all((await w.participant(SANNE)).id)
    assert [r.text for r in reflections] == ["Het voelt zwaar, maar ik wil het proberen."]

    # Everything kept about her, as a file: the typed word, an uploaded document.
    await w.writes(SANNE, text="MIJNGEGEVENS")
    export = await w.next(SANNE)
    assert (export.type, export.filename) == ("document", "druppel-mijn-gegevens.json")
    assert export.media is not None
    assert "Het voelt zwaar, maar ik wil het proberen." in export.media.decode()
    held = json.loads(export.media)
    assert (held["profile"]["chat_id"], held["profile"]["first_name"]) == (SANNE, "Sanne")
    assert held["queued"] == []  # the file itself is not listed as waiting
    assert {s["lane"] for s in held["whatsapp_statuses"]} >= {"reply", "lesson"}
    assert not w.wa.errors


async def test_outside_the_window_a_template_then_the_lesson_after_the_answer(
    world: WhatsAppWorld,
) -> None:
    w = world
    clock = await w.up()
    await w.sign_up_by_buttons(SANNE, clock)
    await w.receive_day(SANNE, PARTNER, 1)
    # Sanne stays silent: the window closes before day 2, so only the template may go.
    invitation = await w.next(SANNE, lambda m: m.type == "template", within=2 * 10 + 5)
    assert (invitation.template, invitation.parameters) == (TEMPLATE, ("Sanne",))
    # Counted, and waiting in the queue (the record is written just after the template goes).
    for _ in range(50):
        if (await w.enrollment(SANNE)).last_delivered_day == 2:
            break
        await asyncio.sleep(0.1)
    assert (await w.enrollment(SANNE)).last_delivered_day == 2
    await asyncio.sleep(1.5)
    assert w.wa.messages_to(SANNE)[-1].id == invitation.id  # nothing free-form after it
    assert not [code for _, code in w.wa.errors if code == 131047]

    # She taps the template's button: day 2 follows at once, check-in included.
    await w.writes(SANNE, quick_reply="Verder")
    day_two = await w.receive_day(SANNE, PARTNER, 2)
    checkin = next(m for m in day_two if m.ids)
    assert (checkin.type, checkin.ids) == ("list", [f"k:partner:2:{s}" for s in range(1, 6)])
    await w.taps(SANNE, checkin, "k:partner:2:4")
    assert (await w.next(SANNE)).text == texts.CHECKIN_SAVED.format(score=4, day=2)
    (saved,) = await w.store.checkins.all((await w.participant(SANNE)).id)
    assert (saved.day, saved.score) == (2, 4)

    # Pause and resume by words.
    await w.writes(SANNE, text="PAUZE")
    assert (await w.next(SANNE)).text == as_words(texts.PAUSED)
    assert (await w.enrollment(SANNE)).status is EnrollmentStatus.PAUSED
    await w.writes(SANNE, text="verder")
    resumed = await w.next(SANNE)
    assert resumed.text.startswith("Welkom terug! Je volgende les (dag 3) komt ")
    assert (await w.enrollment(SANNE)).status is EnrollmentStatus.ACTIVE


async def test_a_bad_signature_is_refused_and_a_retried_webhook_counts_once(
    world: WhatsAppWorld,
) -> None:
    w = world
    clock = await w.up()
    async with aiohttp.ClientSession() as http:
        query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "42"}
        async with http.get(w.url, params=query) as handshake:
            assert (handshake.status, await handshake.text()) == (200, "42")

    forged = message_webhook(SANNE, text="START", phone_number_id=NUMBER_ID)
    assert await w.post(forged, secret="not-the-app-secret") == 401
    await asyncio.sleep(0.5)
    assert await w.store.participants.count() == 0
    assert not w.wa.sent

    await w.sign_up_by_buttons(SANNE, clock)
    await w.receive_day(SANNE, PARTNER, 1)
    reflection = message_webhook(
        SANNE, text="Ik merk dat ik wegloop.", message_id=new_message_id(),
        phone_number_id=NUMBER_ID,
    )  # fmt: skip
    for _ in range(3):  # Meta retries the same call
        assert await w.post(reflection) == 200
    ack = await w.next(SANNE)
    assert ack.text.startswith(texts.REFLECTION_SAVED.format(day=1))
    await asyncio.sleep(1.0)
    pid = (await w.participant(SANNE)).id
    assert [r.text for r in await w.store.reflections.all(pid)] == ["Ik merk dat ik wegloop."]
    acks = [m for m in w.wa.messages_to(SANNE) if m.text.startswith("Dank je wel.")]
    assert len(acks) == 1


async def test_a_failed_status_is_read_as_the_send_path_reads_its_code(
    world: WhatsAppWorld,
) -> None:
    """One reading of Meta's codes: a "failed" status later means what a refused call means.
    Through the real processes for the code the two readings once disagreed on; every code's
    reading is pinned in tests/test_whatsapp_webhook.py."""
    code, kind = 131064, "rate_limited"
    w = world
    clock = await w.up()
    await w.sign_up_by_buttons(SANNE, clock)
    last = w.wa.messages_to(SANNE)[-1]
    failed = status_webhook(SANNE, last.id, "failed", code=code, phone_number_id=NUMBER_ID)
    assert await w.post(failed) == 200
    pid = (await w.participant(SANNE)).id

    async def reported() -> bool:
        return any(f.participant == pid for f in await w.store.failures.recent())

    await eventually(reported, REPLY, "the failure in operators' /errors")
    (entry,) = [f for f in await w.store.failures.recent() if f.participant == pid]
    assert entry.kind == kind
    assert (await w.enrollment(SANNE)).status is EnrollmentStatus.ACTIVE


async def test_a_failed_status_is_shown_to_operators_and_stops_an_unreachable_number(
    world: WhatsAppWorld,
) -> None:
    w = world
    clock = await w.up()
    await w.sign_up_by_buttons(SANNE, clock)
    last = w.wa.messages_to(SANNE)[-1]
    for state in ("sent", "delivered"):
        assert await w.post(status_webhook(SANNE, last.id, state, phone_number_id=NUMBER_ID)) == 200
    failed = status_webhook(SANNE, last.id, "failed", code=131026, phone_number_id=NUMBER_ID)
    assert await w.post(failed) == 200
    assert await w.post(failed) == 200  # retried: counted once

    pid = (await w.participant(SANNE)).id

    async def reported() -> bool:
        return any(f.participant == pid for f in await w.store.failures.recent())

    await eventually(reported, REPLY, "the failure in operators' /errors")
    (entry,) = [f for f in await w.store.failures.recent() if f.participant == pid]
    assert entry.kind == "gone"
    assert "131026" in entry.cause
    assert SANNE not in entry.cause

    async def stopped() -> bool:
        return (await w.enrollment(SANNE)).status is EnrollmentStatus.STOPPED

    await eventually(stopped, REPLY, "the unreachable number's course stopped")
    assert (await w.enrollment(SANNE)).end_reason == "unreachable"
    assert (await Counters(w.store).totals())["failures_gone"] == 1

    async def counted() -> bool:  # messages sent are written in bunches, every half second
        return (await Counters(w.store).totals())["messages_sent"] >= 5

    await eventually(counted, REPLY, "the messages sent counted")
    for process in w.processes:
        assert SANNE not in process.output()
        assert "Het voelt" not in process.output()


WHATSAPP_DANGER = [
    # (what they type, the tier, the category), every category once
    ("Eerlijk gezegd wil ik er gewoon niet meer zijn.", "concern", "suicide"),
    ("ik heb pillen gespaard en vanavond neem ik ze allemaal in", "acute", "suicide_plan"),
    ("ik ben gisteren weer begonnen met krassen in mijn armen", "concern", "selfharm"),
    ("hij slaat me als hij gedronken heeft", "concern", "violence"),
    ("hij dreigt dat hij me iets aandoet als ik wegga", "concern", "threat"),
    ("ik ben echt bang voor mijn vriend", "concern", "fear"),
    ("hij controleert elke avond mijn telefoon en mijn bankrekening", "concern", "control"),
    ("hij dwingt me tot seks als ik geen zin heb", "concern", "sexual"),
    ("mijn ex staat elke dag bij mijn werk en volgt me naar huis", "concern", "stalking"),
    ("hij slaat onze zoon als hij boos is", "concern", "children"),
    ("hij slaat me nu, help", "acute", "violence"),
]


async def test_danger_over_whatsapp_gets_help_first_and_nothing_routine(
    world: WhatsAppWorld,
) -> None:
    """Over the real webhook and Graph API: every category is answered with help and nothing
    routine; "Nee" to "Ben je nu veilig?" is answered as acute; a paused participant is heard; the
    next lesson starts by asking how they are."""
    w = world
    clock = await w.up()
    await w.writes(BRAM, text="START twijfel", name="Bram")
    await w.next(BRAM, within=STARTUP)  # the course chosen
    await w.next(BRAM)  # the time list
    await w.writes(BRAM, text=next_slot(clock, ahead=timedelta(hours=2)), name="Bram")
    await w.next(BRAM)  # the zone question
    await w.writes(BRAM, text="Amsterdam", name="Bram")
    await w.next(BRAM)  # enrolled
    await w.next(BRAM)  # the window note
    await w.receive_day(BRAM, COURSES["twijfel"], 1)

    for words, tier, category in WHATSAPP_DANGER:
        await w.writes(BRAM, text=words, name="Bram")
        first = await w.next(BRAM)
        if tier == "acute":
            assert first.text.split("\n")[0] in (texts_care.ACT_112, texts_care.ACT_113), words
            assert first.ids == ["h:rust", "h:praat", "h:pauze"]
        else:
            assert first.text == texts_care.concern(category, "nl"), words
            assert first.ids == [f"v:ja:{category}", f"v:nee:{category}", f"v:stil:{category}"]
            helps = await w.next(BRAM)
            assert (helps.text, helps.type) == (texts_care.WHAT_HELPS, "button")
    assert not [m for m in w.wa.messages_to(BRAM) if "bewaard" in m.text]
    [kept] = await w.store.reflections.all((await w.participant(BRAM)).id)  # day 1's, grown
    assert kept.text.split("\n\n") == [words for words, _, _ in WHATSAPP_DANGER]

    # The next day's lesson starts by asking how they are (after the template, should the
    # 24-hour window have closed meanwhile).
    check = body(Outgoing(texts_care.CARE_CHECK))
    came = await w.next(BRAM, lambda m: m.type == "template" or m.text == check, within=25)
    if came.type == "template":
        await w.writes(BRAM, text="ja", name="Bram")
        came = await w.next(BRAM, lambda m: m.text == check, within=25)
    heading = await w.next(BRAM)
    assert heading.text.startswith("*Dag 2 van ")

    # Paused, they are heard too; "Nee" to "Ben je nu veilig?" is answered as acute.
    await w.writes(BRAM, text="PAUZE", name="Bram")
    await w.next(BRAM, lambda m: m.text == body(Outgoing(texts.PAUSED)), within=25)
    await w.writes(BRAM, text="ik wil dood", name="Bram")
    heard = await w.next(BRAM, lambda m: m.ids[:1] == ["v:ja:suicide"], within=25)
    assert heard.text == texts_care.concern("suicide", "nl")
    await w.taps(BRAM, heard, "v:nee:suicide")
    acute = await w.next(BRAM, lambda m: m.text.startswith(texts_care.ACT_113), within=25)
    assert acute.text == texts_care.acute("suicide", "nl")
