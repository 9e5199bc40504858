"""Erasing a participant leaves nothing that names them: every key family, every broadcast, the
failure log, WhatsApp's inbox, and no write in flight brings anything back."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis

from storage.broadcasts import Queued
from storage.errors import Erased as ErasedError
from storage.families import FAMILIES, HELPERS, Erased
from storage.keys import Keys
from storage.models import (
    Broadcast,
    Channel,
    CheckIn,
    Enrollment,
    EnrollmentStatus,
    FailureEntry,
    QueueItem,
    ReflectionEntry,
)
from storage.store import Store
from storage.whatsapp import InboundEvent, SentStatus, WhatsAppRepo

NOW = datetime(2026, 3, 29, 6, 30, tzinfo=UTC)
PHONE = "31612345678"


async def _mentions(redis: aioredis.Redis, keys: Keys, *needles: str) -> list[str]:
    """Every key whose name or content holds one of `needles`."""
    found: list[str] = []
    async for key in redis.scan_iter(match=keys.everything(), count=1000):
        kind = await redis.type(key)
        if kind == "string":
            content = str(await redis.get(key))
        elif kind == "hash":
            content = str(await redis.hgetall(key))
        elif kind == "list":
            content = str(await redis.lrange(key, 0, -1))
        elif kind == "set":
            content = str(await redis.smembers(key))
        else:
            content = str(await redis.zrange(key, 0, -1, withscores=True))
        if any(n in key or n in content for n in needles):
            found.append(key)
    return sorted(found)


async def _signed_up(store: Store, channel: Channel, chat_id: str) -> str:
    p, _ = await store.participants.get_or_create(channel, chat_id, now=NOW, first_name="Sanne")
    await store.enrollments.save(
        Enrollment(participant_id=p.id, course_id="twijfel", started_at=NOW, next_due=NOW)
    )
    await store.reflections.add(p.id, ReflectionEntry(course_id="twijfel", day=1, text="x", at=NOW))
    await store.checkins.record(p.id, CheckIn(course_id="twijfel", day=1, score=4, at=NOW))
    await store.activity.touch(p.id, NOW)
    return p.id


async def _broadcast(store: Store, n: int, recipients: list[str]) -> str:
    bid = f"{n:08x}"
    made = Broadcast(
        id=bid, by="1", segment="all", segment_label="iedereen", text="Hallo",
        created_at=NOW + timedelta(seconds=n), progress_chat="1",
    )  # fmt: skip
    await store.broadcasts.create(made, recipients)
    return bid


def test_every_key_family_says_how_erasure_reaches_it() -> None:
    methods = {
        name for name, _ in inspect.getmembers(Keys, inspect.isfunction) if not name.startswith("_")
    }
    assert sorted(methods - HELPERS - set(FAMILIES)) == []  # a new family must be listed
    assert sorted(set(FAMILIES) - methods) == []
    keys = Keys("x")
    in_slot = set(keys.participant_keys("p1", ["twijfel"]))
    for name, family in FAMILIES.items():
        if family.erased is Erased.SLOT:
            method = getattr(keys, name)
            args = ("p1", "twijfel") if name == "enrollment" else ("p1",)
            assert method(*args) in in_slot, name


async def test_erasing_leaves_no_key_or_value_that_names_them(
    store: Store, redis_client: aioredis.Redis, keys: Keys
) -> None:
    pid = await _signed_up(store, Channel.TELEGRAM, "4242")
    other = await _signed_up(store, Channel.TELEGRAM, "4343")
    # A running broadcast older than the hundred most recent, still to reach them.
    await _broadcast(store, 0, [other, pid])
    for n in range(1, 102):
        await _broadcast(store, n, [other])
    await store.broadcasts.hold_until(f"{1:08x}", pid, NOW + timedelta(hours=3))
    await store.failures.record(
        FailureEntry(kind="transient", cause="timeout", participant=pid, at=NOW)
    )
    await store.failures.record(
        FailureEntry(kind="transient", cause="timeout", participant=other, at=NOW)
    )
    # A race left them in a status set their enrollment no longer has.
    await store.enrollments.segments.move(pid, "twijfel", None, EnrollmentStatus.PAUSED)

    assert await store.delete_participant(pid) is True

    assert await _mentions(redis_client, keys, pid, "4242") == [keys.erased(pid)]
    assert 0 < await redis_client.ttl(keys.erased(pid)) <= 24 * 3600
    assert len(await _mentions(redis_client, keys, other)) > 5  # the other one keeps everything
    assert [f.participant for f in await store.failures.recent()] == [other]


async def test_erasing_a_whatsapp_participant_empties_their_inbox(
    store: Store, redis_client: aioredis.Redis, keys: Keys
) -> None:
    wa = WhatsAppRepo(redis_client, keys, b"a secret", store.cipher)
    store.chat_erasers[Channel.WHATSAPP] = wa.forget
    pid = await _signed_up(store, Channel.WHATSAPP, PHONE)
    waiting = InboundEvent(
        kind="message", id=f"wamid.{PHONE}", chat=PHONE, at=NOW, name="Sanne",
        text="Wat ik je nog wilde zeggen",
    )  # fmt: skip
    assert await wa.receive(waiting, window_until=NOW + timedelta(hours=24),
                            window_real_seconds=3600)  # fmt: skip
    assert await wa.invite(PHONE, 60)
    for n in range(3):  # what was sent to them, and what became of it
        await wa.sent(f"wamid.out{n}", "lesson", NOW, to=PHONE)
        await wa.status(f"wamid.out{n}", "read", NOW + timedelta(minutes=n))
    chat = wa.hashed(PHONE)
    assert await wa.first(chat) is not None
    assert len(await wa.sent_to(PHONE)) == 3

    assert await store.delete_participant(pid) is True

    assert await wa.first(chat) is None
    assert await wa.waiting() == 0
    # What stays: the tombstone, and the window's end (a time, lapsing within a day).
    assert await _mentions(redis_client, keys, pid, PHONE, chat) == sorted(
        [keys.erased(pid), keys.wa_window(chat)]
    )
    # Their messages' statuses go with them; the one id received stays, hashed, against replays.
    assert [await wa.statuses(f"wamid.out{n}") for n in range(3)] == [SentStatus()] * 3
    left = [k async for k in redis_client.scan_iter(match=f"{keys.prefix}:{{wa}}:*")]
    assert sorted(left) == sorted([keys.wa_window(chat), keys.wa_seen(wa.hashed(waiting.id))])
    assert 0 < await redis_client.pttl(keys.wa_window(chat)) <= 24 * 3600 * 1000


async def test_nothing_in_flight_brings_an_erased_participant_back(
    store: Store, redis_client: aioredis.Redis, keys: Keys
) -> None:
    pid = await _signed_up(store, Channel.TELEGRAM, "4242")
    bid = await _broadcast(store, 0, [pid])
    # A broadcast run took them in hand and read their record, then they were erased.
    assert await store.broadcasts.take(bid, 10) == [pid]
    assert await store.delete_participant(pid) is True

    assert await store.broadcasts.queue_for(pid, bid, QueueItem(kind="text")) is Queued.ERASED
    await store.broadcasts.hold_until(bid, pid, NOW + timedelta(hours=1))
    await store.failures.record(FailureEntry(kind="gone", cause="403", participant=pid, at=NOW))
    assert await store.queue.count_failure(pid, "a drainer's token") == -1
    await store.enrollments.segments.move(pid, "twijfel", None, EnrollmentStatus.ACTIVE)
    await store.activity.touch(pid, NOW)
    with pytest.raises(ErasedError):
        await store.enrollments.start(
            Enrollment(participant_id=pid, course_id="partner", started_at=NOW), lambda e: None
        )

    assert await _mentions(redis_client, keys, pid) == [keys.erased(pid)]
