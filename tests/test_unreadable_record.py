"""A participant whose own record no configured key opens (a damaged value): nothing is tried
again every minute, they are told what happened when they write, and they can still erase
everything, from the chat or by an operator."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis.asyncio as aioredis
from cryptography.fernet import Fernet

from bot.core import texts
from bot.core.messages import Incoming, Kind
from storage.crypto import TextCipher
from storage.keys import Keys, chat_member, enrollment_member
from storage.models import Channel, ReflectionEntry
from storage.store import Store
from tests.journey_kit import Kit

AMS = ZoneInfo("Europe/Amsterdam")
OTHER_KEY = Fernet.generate_key().decode()

pytestmark = pytest.mark.redis


async def damage(redis: aioredis.Redis, keys: Keys, pid: str) -> None:
    """Their chat id and name as no configured key opens them."""
    other = TextCipher([OTHER_KEY])
    await redis.hset(keys.participant(pid), mapping={
        "chat_id": other.seal("1"), "first_name": other.seal("Sanne")})  # fmt: skip


async def signed_up_and_damaged(kit: Kit) -> str:
    await kit.sign_up("1")
    await kit.run_until(datetime(2026, 11, 26, 8, 0, tzinfo=AMS))
    store = kit.engine.store
    participant = await store.participants.by_chat(Channel.CONSOLE, "1")
    assert participant is not None
    await kit.say("1", "Ik twijfel vaak.")
    await damage(store.redis, store.keys, participant.id)
    return participant.id


async def keys_naming(redis: aioredis.Redis, keys: Keys, pid: str) -> list[str]:
    found = [k async for k in redis.scan_iter(match=keys.everything(), count=1000)]
    return sorted(k for k in found if pid in k and k != keys.erased(pid))


async def test_an_unreadable_record_is_not_tried_again_every_minute(
    kit: Kit, caplog: pytest.LogCaptureFixture
) -> None:
    pid = await signed_up_and_damaged(kit)
    store = kit.engine.store
    await store.due.wake(chat_member(pid), kit.clock.now())
    sent_before = len(kit.channel.to("1"))
    with caplog.at_level(logging.ERROR):
        # Two days: the next lessons fall due, and a retry would come every minute.
        await kit.run_until(kit.clock.now() + timedelta(days=2), step=timedelta(minutes=1))
    assert len(kit.channel.to("1")) == sent_before
    assert await store.due.due_at(chat_member(pid)) is None
    assert await store.due.due_at(enrollment_member(pid, "twijfel")) is None
    failures = [f for f in await store.failures.recent() if f.participant == pid]
    assert [f.kind for f in failures] == ["unreadable", "unreadable"]  # the queue, the lesson
    assert len(caplog.records) <= 2
    assert "Sanne" not in caplog.text


async def test_they_are_told_and_can_erase_everything_from_the_chat(kit: Kit) -> None:
    pid = await signed_up_and_damaged(kit)
    store = kit.engine.store
    assert [m.text for m in await kit.answer("1", "Nog een gedachte")] == [texts.RECORD_UNREADABLE]
    asked = await kit.answer("1", "/wisgegevens")
    assert [m.text for m in asked] == [texts.DELETE_ASK]
    yes = next(b for row in asked[0].buttons for b in row if b.label == texts.DELETE_YES)
    before = len(kit.channel.to("1"))
    await kit.engine.conversation.answer(Incoming(Channel.CONSOLE, "1", Kind.BUTTON, data=yes.data))
    assert [m.text for m in kit.channel.to("1")[before:]] == [texts.DELETE_DONE]
    assert await keys_naming(store.redis, store.keys, pid) == []
    assert await store.participants.linked(Channel.CONSOLE, "1") is None
    assert await store.participants.count() == 0


async def test_an_operator_erases_an_unreadable_record_by_its_id(
    store: Store, redis_client: aioredis.Redis, keys: Keys
) -> None:
    now = datetime(2026, 11, 26, 8, 0, tzinfo=AMS)
    created, _ = await store.participants.get_or_create(Channel.TELEGRAM, "4242", now=now)
    await store.reflections.add(
        created.id, ReflectionEntry(course_id="twijfel", day=1, text="Mijn woorden", at=now)
    )
    await damage(redis_client, keys, created.id)
    assert await store.delete_participant(created.id) is True
    assert await keys_naming(redis_client, keys, created.id) == []
    assert await redis_client.hlen(keys.chat_index(Channel.TELEGRAM)) == 0
    assert await store.participants.count() == 0


@pytest.mark.kit(retention_days="30")
async def test_retention_erases_an_unreadable_record_when_its_time_comes(kit: Kit) -> None:
    pid = await signed_up_and_damaged(kit)
    store = kit.engine.store
    kit.clock.set(kit.clock.now() + timedelta(days=40))
    assert (await kit.engine.retention.once()).erased == 0  # the notice, which cannot reach them
    kit.clock.set(kit.clock.now() + timedelta(days=15))
    assert (await kit.engine.retention.once()).erased == 1
    assert await keys_naming(store.redis, store.keys, pid) == []
    assert await store.participants.count() == 0
