"""What /privacy tells a participant on their own channel, and what /mijngegevens' file holds:
everything kept about them (GDPR art. 15), and nothing that is not theirs to see."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from bot.channels.whatsapp.client import CloudApi
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.channels.whatsapp.window import Window
from bot.core import texts
from bot.core.messages import Incoming, Kind
from bot.delivery.export import export
from storage.keys import Keys
from storage.models import Channel, FailureEntry, Lane, QueueItem, StoredMessage
from storage.whatsapp import WhatsAppRepo
from tests.journey_kit import START, Kit, journey_kit

TRAINER = "424242"
SANNE = "31612345678"

pytestmark = pytest.mark.kit(trainer_ids=TRAINER)


async def _privacy(kit: Kit, channel: Channel, chat: str) -> str:
    [statement] = await kit.engine.coach.handle(Incoming.from_text(channel, chat, "/privacy"))
    return statement.text


async def test_on_telegram_privacy_names_the_first_name_and_chat_id(kit: Kit) -> None:
    text = await _privacy(kit, Channel.TELEGRAM, "1001")
    assert texts.PRIVACY_IDENTITY_TELEGRAM in text  # "je voornaam en je chat-id, zoals Telegram"
    assert "Telegram bezorgt de berichten." in text
    for what in ("je antwoorden en je scores", "groepsberichten", "foutregel", "Waarom:"):
        assert what in text
    assert "telefoonnummer" not in text
    assert "WhatsApp" not in text
    assert "/mijngegevens" in text
    assert "/wisgegevens" in text
    assert "Autoriteit Persoonsgegevens" in text  # where to complain
    assert len(text) <= 1100  # one message that reads on a phone


async def test_on_whatsapp_privacy_names_the_phone_number_and_profile_name(kit: Kit) -> None:
    text = await _privacy(kit, Channel.WHATSAPP, SANNE)
    assert "je telefoonnummer en je profielnaam, zoals WhatsApp ze doorgeeft" in text
    assert "of mijn berichten aankwamen en gelezen zijn (30 dagen)" in text
    assert "nooit je nummer, je naam of wat jij schrijft" in text
    assert "Telegram" not in text
    assert "chat-id" not in text
    assert len(text) <= 1100


@pytest.mark.kit(retention_days="365")
async def test_privacy_says_how_long_with_a_retention_period(kit: Kit) -> None:
    text = await _privacy(kit, Channel.TELEGRAM, "1001")
    assert (
        "Gebruik je druppel 365 dagen niet, dan wis ik je antwoorden en je gegevens vanzelf; "
        "twee weken vooraf krijg je daar een bericht over." in text
    )


@pytest.mark.kit(retention_days="0")
async def test_privacy_says_nothing_goes_by_itself_without_one(kit: Kit) -> None:
    # What an installation with retention off (0) tells people.
    text = await _privacy(kit, Channel.TELEGRAM, "1001")
    assert "Hoe lang: tot je het zelf wist; vanzelf wis ik niets." in text
    assert "dagen niet" not in text


async def _broadcast(kit: Kit, text: str) -> None:
    staff = kit.engine.conversation
    await staff.answer(Incoming.from_text(Channel.CONSOLE, TRAINER, "/broadcast"))
    await staff.answer(Incoming(Channel.CONSOLE, TRAINER, Kind.BUTTON, data="b:s:all"))
    await staff.answer(Incoming.from_text(Channel.CONSOLE, TRAINER, text))
    await staff.answer(Incoming(Channel.CONSOLE, TRAINER, Kind.BUTTON, data="b:ok"))


async def test_the_export_holds_broadcasts_queued_and_parked_items_and_failures(
    kit: Kit,
) -> None:
    store = kit.engine.store
    await kit.sign_up("1")
    await kit.run_until(START + timedelta(days=1))
    await kit.say("1", "Wat ik dacht op dag één.")
    await _broadcast(kit, "Hallo allemaal, fijne week!")
    await kit.run_until(kit.clock.now() + timedelta(minutes=10))
    p = await store.participants.by_chat(Channel.CONSOLE, "1")
    assert p is not None

    # What still waits: a reply of the bot's own (its text is not theirs to be shown) and the
    # next lesson; a lesson that failed too often and was set aside; and failure notes.
    reply = QueueItem(lane=Lane.REPLY, kind="text", message=StoredMessage(text="Bot: geheim"))
    lesson = QueueItem(course_id="twijfel", day=2)
    await store.queue.put(p.id, [reply, lesson])
    [parked_id] = await store.queue.put(p.id, [QueueItem(course_id="twijfel", day=1, index=2)])
    assert await store.queue.acquire(p.id, "tok", 10_000) == 0
    why: dict[str, str | int] = {
        "cause": "telegram: timed out", "attempts": 5, "at": kit.clock.now().isoformat(),
    }  # fmt: skip
    assert await store.queue.park(p.id, "tok", parked_id, why)
    await store.queue.release(p.id, "tok")
    at = kit.clock.now()
    await store.failures.record(FailureEntry(kind="gone", cause="blocked", participant=p.id, at=at))
    await store.failures.record(FailureEntry(kind="gone", cause="other", participant="x", at=at))

    content = await export(store, p.id, kit.clock.now())
    assert content is not None
    data: dict[str, Any] = json.loads(content)
    assert data["profile"]["first_name"] == "Sanne"
    assert data["profile"]["chat_id"] == "1"
    assert [r["text"] for r in data["reflections"]] == ["Wat ik dacht op dag één."]
    [received] = data["broadcasts_received"]
    assert received["text"] == "Hallo allemaal, fijne week!"
    assert received["sent_at"]
    assert data["queued"] == [
        {"kind": "text", "lane": "reply"},
        {"kind": "day", "lane": "lesson", "course_id": "twijfel", "day": 2},
    ]
    assert data["parked"] == [{
        "kind": "day", "lane": "lesson", "course_id": "twijfel", "day": 1,
        "parked_at": why["at"], "why": "telegram: timed out",
    }]  # fmt: skip
    assert [(f["kind"], f["cause"]) for f in data["delivery_failures"]] == [("gone", "blocked")]
    assert "Bot: geheim" not in content.decode()
    assert "other" not in content.decode()  # someone else's failure


async def test_the_export_holds_lessons_held_while_a_course_is_paused(kit: Kit) -> None:
    store = kit.engine.store
    await kit.sign_up("1")
    p = await store.participants.by_chat(Channel.CONSOLE, "1")
    assert p is not None
    await store.queue.put(p.id, [QueueItem(course_id="twijfel", day=3)])
    assert await store.queue.hold(p.id, "twijfel") == 1
    content = await export(store, p.id, kit.clock.now())
    assert content is not None
    data = json.loads(content)
    assert data["held_while_paused"] == [
        {"kind": "day", "lane": "lesson", "course_id": "twijfel", "day": 3}
    ]
    assert data["queued"] == []


async def test_a_whatsapp_export_holds_the_delivery_statuses_of_their_messages(
    redis_url: str, keys: Keys, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    async with journey_kit(redis_url, keys, tmp_path, START) as kit:
        store = kit.engine.store
        repo = WhatsAppRepo(store.redis, store.keys, b"app-secret", store.cipher)
        participant, _ = await store.participants.get_or_create(Channel.WHATSAPP, SANNE, now=START)
        at = kit.clock.now()
        await repo.sent("wamid.one", "lesson", at, to=SANNE)
        await repo.status("wamid.one", "delivered", at + timedelta(seconds=2))
        await repo.status("wamid.one", "read", at + timedelta(minutes=3))
        await repo.sent("wamid.two", "reply", at + timedelta(hours=1), to=SANNE)
        await repo.status("wamid.two", "failed", at + timedelta(hours=1), "#131026 Undeliverable")
        await repo.sent("wamid.else", "reply", at, to="32470123456")  # someone else's

        api = CloudApi("http://127.0.0.1:1", "1099001", "token")  # never called here
        kit.engine.senders[Channel.WHATSAPP] = WhatsAppSender(
            api, repo, Window(repo, kit.clock), store, template=None
        )
        try:
            made = await kit.engine.deliveries.render(participant.id, QueueItem(kind="export"))
        finally:
            await api.close()
        assert made is not None
        assert made.document is not None
        name, content = made.document
        assert name == "druppel-mijn-gegevens.json"
        data = json.loads(content)
        assert data["profile"]["chat_id"] == SANNE
        one, two = data["whatsapp_statuses"]
        assert (one["lane"], sorted(one["statuses"])) == ("lesson", ["delivered", "read"])
        assert one["accepted"] == at.isoformat().replace("+00:00", "Z")
        assert (two["lane"], list(two["statuses"]), two["error"]) == (
            "reply", ["failed"], "#131026 Undeliverable",
        )  # fmt: skip
