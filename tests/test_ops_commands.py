"""Operators watch druppel from the chat: /stats with a chart, /health, /errors and /user.

Everything goes through the conversation as typed, on real Redis; to anyone but an operator the
commands are exactly as unknown as any other.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis.asyncio as aioredis
from matplotlib.image import imread

from bot.channels.console import ConsoleChannel
from bot.channels.telegram.adapter import TelegramChannel
from bot.core import texts, texts_ops
from bot.core.messages import Incoming, Outgoing
from bot.delivery.errors import Gone, Rejected
from bot.delivery.items import render, reply_item
from bot.delivery.journey import Journey
from bot.ops.charts import CourseSeries, stats_chart
from bot.ops.commands import OperatorCommands
from bot.ops.workers import heartbeat
from scheduler.clock import FixedClock
from storage.crypto import TextCipher
from storage.keys import Keys
from storage.models import Channel, FailureEntry, Participant, QueueItem
from storage.store import Store
from tests.fakes.telegram_api import FakeTelegram
from tests.journey_kit import START, TEST_KEY, Kit

AMS = ZoneInfo("Europe/Amsterdam")
OPERATOR, TRAINER = "900001", "900002"
OPERATOR_ONLY = ["/stats", "/health", "/errors", "/user x"]
SECRET = "Ik twijfel aan Sam sinds de zomer"
TOKEN = "5550003:ops"


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=AMS).astimezone(UTC)


pytestmark = pytest.mark.kit(operator_ids=OPERATOR, trainer_ids=TRAINER)


async def _type(kit: Kit, chat: str, text: str) -> list[Outgoing]:
    before = len(kit.channel.to(chat))
    await kit.engine.conversation.answer(Incoming.from_text(Channel.CONSOLE, chat, text))
    return kit.channel.to(chat)[before:]


async def _participant(kit: Kit, chat: str) -> Participant:
    found = await kit.engine.store.participants.by_chat(Channel.CONSOLE, chat)
    assert found is not None
    return found


def _is_png(image: bytes | None) -> bytes:
    assert image is not None
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    pixels = imread(io.BytesIO(image), format="png")
    height, width = pixels.shape[:2]
    assert width >= 400
    assert height >= 200
    return image


async def _three_people_two_days(kit: Kit) -> None:
    """Three sign up; all get day 1, one answers it; one pauses, so two get day 2."""
    for chat in ("1", "2", "3"):
        await kit.sign_up(chat)
    await kit.run_until(local(26, 8))
    await kit.say("1", SECRET)
    await kit.say("3", "/pauze")
    await kit.run_until(local(27, 8))


async def test_stats_sends_a_chart_and_numbers_that_match_what_happened(kit: Kit) -> None:
    await _three_people_two_days(kit)
    chart, numbers = await _type(kit, OPERATOR, "/stats")
    _is_png(chart.image)
    assert chart.text == texts_ops.STATS_CAPTION
    assert numbers.image is None
    text = numbers.text
    assert "Deelnemers: 3 in totaal" in text
    assert "2 bezig · 1 op pauze · 0 afgerond · 0 gestopt" in text
    title = kit.engine.courses["twijfel"].title
    assert f"“{title}”: 2 bezig · 1 op pauze" in text
    assert "dag 1: 3 kregen de les · 1 met reflectie (33%)" in text
    assert "dag 2: 2 kregen de les · 0 met reflectie (0%)" in text
    assert "dag 3:" not in text
    partner = kit.engine.courses["partner"].title
    assert f"“{partner}”: 0 bezig" in text
    assert texts_ops.STATS_NO_DAYS in text
    # The counters are kept per real hour: all of this happened in the last 24 hours.
    assert "Laatste 24 uur: lessen 5 · reflecties 1 · check-ins 0 · aanmeldingen 3 · " in text
    assert "Laatste 7 dagen: lessen 5 · reflecties 1 · " in text
    assert "Mislukt (24 uur / 7 dagen): tijdelijk 0/0 · te snel 0/0 · weg 0/0" in text
    assert SECRET not in text
    assert len(chart.text) <= 1024


async def test_stats_counts_help_by_tier_and_kind_and_never_shows_the_words(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(local(26, 8))
    danger = ["hij slaat me nu, help", "ik ben bang voor mijn vriend"]
    for words in danger:
        await kit.say("1", words)
    _, numbers = await _type(kit, OPERATOR, "/stats")
    assert "Hulp geboden (24 uur / 7 dagen): 2/2, waarvan acuut 1/1" in numbers.text
    assert "per soort: geweld 1/1 · angst voor iemand 1/1" in numbers.text
    assert not [words for words in danger if words in numbers.text]


async def test_stats_on_an_empty_installation_still_draws_a_chart(kit: Kit) -> None:
    chart, numbers = await _type(kit, OPERATOR, "/stats")
    _is_png(chart.image)
    assert "Deelnemers: 0 in totaal" in numbers.text


async def test_an_operator_who_is_also_a_participant_gets_the_chart_through_the_queue(
    kit: Kit,
) -> None:
    await kit.sign_up(OPERATOR)
    chart, numbers = await _type(kit, OPERATOR, "/stats")
    _is_png(chart.image)
    assert "Deelnemers: 1 in totaal" in numbers.text
    me = await _participant(kit, OPERATOR)
    assert await kit.engine.store.queue.size(me.id) == 0  # sent, and gone from the queue


def test_a_queued_reply_keeps_its_image_and_older_items_without_one_still_read() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    item = QueueItem.model_validate_json(
        reply_item(Outgoing("Grafiek", image=png)).model_dump_json()
    )
    shown = render(item, {})
    assert shown is not None
    assert shown.image == png
    old = QueueItem.model_validate_json(
        '{"lane": "reply", "kind": "text", "message": {"text": "Hoi", "buttons": []}}'
    )
    assert render(old, {}) == Outgoing("Hoi")
    broken = QueueItem.model_validate_json(
        '{"lane": "reply", "kind": "text", "message": {"text": "Hoi", "image": "@@"}}'
    )
    assert render(broken, {}) == Outgoing("Hoi")  # the text still goes


async def test_health_is_all_right_with_a_fresh_heartbeat(kit: Kit) -> None:
    await kit.sign_up("1")
    await heartbeat(kit.engine.store, "run", "host:run:1", datetime.now(UTC))
    [reply] = await _type(kit, OPERATOR, "/health")
    assert reply.text.startswith(texts_ops.HEALTH_OK)
    assert re.search(r"Redis: antwoordt in \d+\.\d ms", reply.text)
    assert "Planner: 0.0 s achter" in reply.text
    assert "1 in de planning · 0 in behandeling · 0 opzijgezet" in reply.text
    assert "run host:run:1:" in reply.text
    assert "stil" not in reply.text
    assert "Versie: " in reply.text


async def test_health_names_a_worker_that_went_silent(kit: Kit) -> None:
    now = datetime.now(UTC)
    await heartbeat(kit.engine.store, "run", "host:run:1", now)
    await heartbeat(kit.engine.store, "worker", "host:worker:2", now - timedelta(minutes=5))
    [reply] = await _type(kit, OPERATOR, "/health")
    assert texts_ops.HEALTH_OK not in reply.text
    assert reply.text.startswith(texts_ops.HEALTH_PROBLEMS)
    assert "• worker host:worker:2 is stil: laatste hartslag 5 min geleden" in reply.text
    assert "host:run:1 is stil" not in reply.text


async def test_health_without_any_heartbeat_says_so(kit: Kit) -> None:
    [reply] = await _type(kit, OPERATOR, "/health")
    assert texts_ops.PROBLEM_NO_WORKERS in reply.text


async def test_health_says_when_due_work_waits_too_long(kit: Kit) -> None:
    await heartbeat(kit.engine.store, "run", "host:run:1", datetime.now(UTC))
    await kit.sign_up("1")
    kit.clock.set(local(26, 7, 10))  # the lesson was due at 07:00; no worker ticked since
    [reply] = await _type(kit, OPERATOR, "/health")
    assert "• De planner loopt 600 s achter (grens 120 s)" in reply.text


async def test_health_says_plainly_when_redis_does_not_answer(tmp_path: Path) -> None:
    gone = aioredis.Redis.from_url(f"unix://{tmp_path / 'nothing.sock'}", socket_timeout=0.5)
    try:
        journey = Journey(
            Store(gone, Keys("t-gone"), TextCipher([TEST_KEY])),
            {},
            FixedClock(START),
            "Europe/Amsterdam",
        )
        [reply] = await OperatorCommands(journey).health()
    finally:
        await gone.aclose()
    assert reply.text.startswith(texts_ops.HEALTH_PROBLEMS)
    assert "• Redis antwoordt niet: " in reply.text
    assert "Versie: " in reply.text


async def test_errors_lists_kind_and_cause_never_what_anyone_wrote(kit: Kit) -> None:
    assert [m.text for m in await _type(kit, OPERATOR, "/errors")] == [texts_ops.ERRORS_NONE]
    await kit.sign_up("1")
    await kit.sign_up("2")
    await kit.run_until(local(26, 8))
    await kit.say("1", SECRET)
    kit.channel.failures["1"] = [Gone("Forbidden: bot was blocked by the user")]
    kit.channel.failures["2"] = [Rejected("Bad Request: message is too long")]
    await kit.run_until(local(27, 8))
    [reply] = await _type(kit, OPERATOR, "/errors")
    one, two = (await _participant(kit, "1")).id, (await _participant(kit, "2")).id
    lines = reply.text.splitlines()
    assert lines[0] == texts_ops.ERRORS_HEADING
    assert any(
        "· weg · les · deelnemer " + one + ": Forbidden: bot was blocked by the user" in line
        for line in lines
    )
    assert any(
        "· geweigerd · herinnering · deelnemer " + two + ": Bad Request: message is too long"
        in line
        for line in lines
    )
    assert SECRET not in reply.text


async def test_errors_stays_within_one_message(kit: Kit) -> None:
    for n in range(30):
        entry = FailureEntry(
            kind="transient", cause="x" * 300, participant=f"p{n}", message_kind="day", at=START
        )
        await kit.engine.store.failures.record(entry)
    [reply] = await _type(kit, OPERATOR, "/errors")
    assert len(reply.text) <= 4096
    assert "p29" in reply.text  # the newest first


async def test_user_shows_state_and_counts_never_reflection_text(kit: Kit) -> None:
    await kit.sign_up("1", at="07:30")
    await kit.run_until(local(26, 8))
    await kit.say("1", SECRET)
    me = await _participant(kit, "1")
    [reply] = await _type(kit, OPERATOR, f"/user {me.id}")
    text = reply.text
    title = kit.engine.courses["twijfel"].title
    assert text.splitlines()[0] == f"Deelnemer {me.id}"
    assert "Tijdzone: Europe/Amsterdam · lestijd 07:30" in text
    assert f"“{title}”: bezig, dag 1 van 9 ontvangen" in text
    assert "volgende les: morgen om 07:30 (hun tijd)" in text
    assert "Reflecties: 1 · check-ins: 0" in text
    assert SECRET not in text

    await kit.say("1", "/pauze")
    [paused] = await _type(kit, OPERATOR, f"/user {me.id}")
    assert f"“{title}”: op pauze, dag 1 van 9 ontvangen" in paused.text
    assert texts_ops.USER_PAUSED in paused.text


async def test_user_finds_someone_by_the_logs_id_telegram_chat_id_or_whatsapp_number(
    kit: Kit,
) -> None:
    store = kit.engine.store
    on_telegram, _ = await store.participants.get_or_create(Channel.TELEGRAM, "82001", now=START)
    on_whatsapp, _ = await store.participants.get_or_create(
        Channel.WHATSAPP, "31612345678", now=START
    )
    for typed, who, matched in [
        (on_telegram.id, on_telegram, "id"),
        ("82001", on_telegram, "telegram"),
        ("31612345678", on_whatsapp, "whatsapp"),
        ("+31 6 1234 5678", on_whatsapp, "whatsapp"),
        ("0031-6-12345678", on_whatsapp, "whatsapp"),
    ]:
        [reply] = await _type(kit, OPERATOR, f"/user {typed}")
        heading, how = reply.text.splitlines()[:2]
        assert (heading, how) == (f"Deelnemer {who.id}", texts_ops.USER_MATCHED[matched]), typed
        assert f"Kanaal: {who.channel.value}" in reply.text
    [nobody] = await _type(kit, OPERATOR, "/user 31699999999")
    assert nobody.text == texts_ops.USER_NOT_FOUND.format(pid="31699999999")


async def test_user_with_an_unknown_or_missing_id_is_kind(kit: Kit) -> None:
    [unknown] = await _type(kit, OPERATOR, "/user 0123456789abcdef")
    assert unknown.text == texts_ops.USER_NOT_FOUND.format(pid="0123456789abcdef")
    [odd] = await _type(kit, OPERATOR, "/user {p:x}*")
    assert odd.text == texts_ops.USER_NOT_FOUND.format(pid="{p:x}*")
    [usage] = await _type(kit, OPERATOR, "/user")
    assert usage.text == texts_ops.USER_USAGE


@pytest.mark.parametrize("command", OPERATOR_ONLY)
async def test_operator_commands_are_unknown_to_everyone_else(kit: Kit, command: str) -> None:
    await kit.sign_up("1")
    await kit.sign_up(TRAINER)
    as_participant = await _type(kit, "1", command)
    as_trainer = await _type(kit, TRAINER, command)
    as_stranger = await _type(kit, "777", command)
    assert [(m.text, m.image) for m in as_participant] == [(texts.UNKNOWN_COMMAND, None)]
    assert [(m.text, m.image) for m in as_trainer] == [(texts.UNKNOWN_COMMAND, None)]
    assert [(m.text, m.image) for m in as_stranger] == [(texts.NOT_STARTED, None)]


async def test_the_operator_menu_lists_the_new_commands(kit: Kit) -> None:
    menus: dict[str, list[str]] = {}

    async def set_menu(chat: str, commands: list[tuple[str, str]]) -> None:
        menus[chat] = [name for name, _ in commands]

    kit.engine.staff.menus = set_menu
    await kit.engine.staff.refresh_menus()
    assert {"stats", "health", "errors", "user"} <= set(menus[OPERATOR])
    assert not {"stats", "health", "errors", "user"} & set(menus[TRAINER])


class NoConversation:
    async def answer(self, event: Incoming, kept: Callable[[], None] | None = None) -> None:
        return None


async def test_telegram_sends_an_image_with_its_text_as_caption_or_before_a_long_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    png = stats_chart([CourseSeries("T", (2, 1), (1, 0))])
    async with FakeTelegram(TOKEN) as tg:
        tg.user_sends(4242, "/stats")
        channel = TelegramChannel(TOKEN, tg.root, NoConversation())
        await channel.start_sending_only()
        try:
            await channel.send("4242", Outgoing("Kort <en> goed", heading="Cijfers", image=png))
            await channel.send("4242", Outgoing("x" * 1100, image=png))
        finally:
            await channel.stop()
    with_caption, bare, text = tg.messages_to(4242)
    assert with_caption.is_photo
    assert with_caption.photo == png
    assert with_caption.text == "Cijfers\n\nKort <en> goed"
    assert [e["type"] for e in with_caption.entities] == ["bold"]
    assert bare.is_photo
    assert bare.photo == png
    assert bare.text == ""
    assert text.method == "sendMessage"
    assert text.text == "x" * 1100


async def test_the_console_says_an_image_came_with_the_text() -> None:
    out = io.StringIO()
    console = ConsoleChannel(FixedClock(START), out=out)
    await console.send("1", Outgoing("Grafiek", image=b"\x89PNG" + bytes(20)))
    assert "[afbeelding: 24 bytes]" in out.getvalue()
    assert "Grafiek" in out.getvalue()
