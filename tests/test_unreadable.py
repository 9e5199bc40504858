"""A stored value no configured key opens (a key dropped too early, or a wrong one) never wedges
a chat: the item that needs it is set aside with a kind word, and the queue moves on."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet

from bot.core import texts
from storage.crypto import TextCipher
from storage.models import Channel, ReflectionEntry
from storage.store import Store
from tests.journey_kit import Kit

AMS = ZoneInfo("Europe/Amsterdam")
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()

#: The kit runs with key B only; what key A sealed is unreadable to it.
pytestmark = pytest.mark.kit(encryption_key=KEY_B)


async def signed_up_with_an_answer_sealed_by_a_lost_key(kit: Kit) -> str:
    await kit.sign_up("1")
    await kit.run_until(datetime(2026, 11, 26, 8, 0, tzinfo=AMS))
    store = kit.engine.store
    participant = await store.participants.by_chat(Channel.CONSOLE, "1")
    assert participant is not None
    at = kit.clock.now()
    lost = Store(store.redis, store.keys, TextCipher([KEY_A]))
    await lost.reflections.add(participant.id, ReflectionEntry(
        course_id="twijfel", day=1, text="Wat ik met de oude sleutel schreef", at=at))  # fmt: skip
    return participant.id


async def test_an_item_needing_an_unreadable_answer_is_parked_with_a_notice_and_the_queue_goes_on(
    kit: Kit, caplog: pytest.LogCaptureFixture
) -> None:
    pid = await signed_up_with_an_answer_sealed_by_a_lost_key(kit)
    store = kit.engine.store
    with caplog.at_level(logging.INFO):
        got = await kit.answer("1", "/mijngegevens")
    assert [m.text for m in got] == [texts.UNREADABLE_ITEM]
    assert await store.queue.size(pid) == 0
    assert len(await store.queue.parked(pid)) == 1
    lines = [r.getMessage() for r in caplog.records if "could not be opened" in r.getMessage()]
    assert len(lines) == 1
    assert pid in lines[0]
    assert "oude sleutel" not in caplog.text
    # The chat is not stuck: what comes next arrives.
    later = await kit.answer("1", "/voortgang")
    assert later
    assert later[0].text != texts.UNREADABLE_ITEM
    assert await store.queue.size(pid) == 0


async def test_antwoorden_shows_the_answers_it_can_read_and_says_one_could_not_be(
    kit: Kit,
) -> None:
    await signed_up_with_an_answer_sealed_by_a_lost_key(kit)
    await kit.say("1", "Dit lees je gewoon terug.")
    got = await kit.answer("1", "/antwoorden")
    shown = "\n".join(m.text for m in got)
    assert "Jij schreef: Dit lees je gewoon terug." in shown
    assert "oude sleutel" not in shown
    assert texts.answers_unreadable(1) in shown
