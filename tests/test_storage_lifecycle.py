"""Opening storage, forgetting a participant, and surviving a restart of the embedded server."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from storage.errors import RedisUnavailable
from storage.keys import Keys, enrollment_member
from storage.models import Channel, CheckIn, Enrollment, ReflectionEntry
from storage.store import Store, open_store, redacted
from tests.journey_kit import TEST_KEY

NOW = datetime(2026, 3, 29, 6, 30, tzinfo=UTC)


async def _everything(client: aioredis.Redis, keys: Keys) -> list[str]:
    return sorted([k async for k in client.scan_iter(match=keys.everything(), count=1000)])


async def _fill(store: Store, chat_id: str) -> str:
    p, _ = await store.participants.get_or_create(Channel.TELEGRAM, chat_id, now=NOW)
    for course in ("twijfel", "partner"):
        await store.enrollments.save(
            Enrollment(participant_id=p.id, course_id=course, started_at=NOW, next_due=NOW)
        )
        await store.due.schedule(enrollment_member(p.id, course), NOW)
    await store.reflections.add(p.id, ReflectionEntry(course_id="twijfel", day=1, text="x", at=NOW))
    await store.checkins.record(p.id, CheckIn(course_id="twijfel", day=2, score=4, at=NOW))
    return p.id


async def test_deleting_a_participant_leaves_no_key_behind(
    store: Store, redis_client: aioredis.Redis, keys: Keys
) -> None:
    before = await _everything(redis_client, keys)
    pid = await _fill(store, "1")
    await store.due.claim(NOW, limit=1, lease_seconds=60)  # one enrollment is mid-delivery
    assert len(await _everything(redis_client, keys)) > len(before)

    assert await store.delete_participant(pid) is True

    # Only the erasure's tombstone stays, and only for a day.
    assert await _everything(redis_client, keys) == sorted([*before, keys.erased(pid)])
    assert 0 < await redis_client.ttl(keys.erased(pid)) <= 24 * 3600
    assert await store.participants.by_chat(Channel.TELEGRAM, "1") is None
    assert await store.delete_participant(pid) is False  # twice is harmless


async def test_deleting_one_participant_keeps_the_others(
    store: Store, redis_client: aioredis.Redis, keys: Keys
) -> None:
    gone = await _fill(store, "1")
    kept = await _fill(store, "2")
    keys_of_kept = [k async for k in redis_client.scan_iter(match=keys.participant_pattern(kept))]
    await store.delete_participant(gone)
    assert await store.participants.get(kept) is not None
    assert len(await store.enrollments.for_participant(kept)) == 2
    assert await store.due.size() == 2
    assert [k async for k in redis_client.scan_iter(match=keys.participant_pattern(gone))] == [
        keys.erased(gone)
    ]
    still = [k async for k in redis_client.scan_iter(match=keys.participant_pattern(kept))]
    assert sorted(still) == sorted(keys_of_kept)
    assert await store.participants.count() == 1


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_unreachable_server_is_one_clear_line(tmp_path: Path) -> None:
    url = f"redis://:hunter2@127.0.0.1:{_closed_port()}/0"
    with pytest.raises(RedisUnavailable) as caught:
        async with open_store(url, tmp_path, encryption_keys=[TEST_KEY]):
            pass
    message = str(caught.value)
    assert message.startswith("cannot reach Redis at redis://:***@127.0.0.1:")
    assert "hunter2" not in message
    assert "\n" not in message


def test_redacted_hides_only_the_password() -> None:
    assert redacted("redis://user:secret@host:6379/2") == "redis://user:***@host:6379/2"
    assert redacted("redis://host:6379/2") == "redis://host:6379/2"


async def test_embedded_redis_keeps_data_across_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    async with open_store(None, data_dir) as store:
        p, _ = await store.participants.get_or_create(Channel.CONSOLE, "demo", now=NOW)
    assert (data_dir / "druppel.aof").exists() or (data_dir / "appendonlydir").exists()
    async with open_store(None, data_dir) as store:
        assert await store.participants.get(p.id) == p


async def test_a_second_process_shares_the_running_embedded_server(tmp_path: Path) -> None:
    async with open_store(None, tmp_path) as first, open_store(None, tmp_path) as second:
        p, _ = await first.participants.get_or_create(Channel.CONSOLE, "x", now=NOW)
        assert await second.participants.get(p.id) == p
