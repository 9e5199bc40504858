"""Retention, on by default: a participant quiet for 365 days is told once, 14 days before, and
then everything of theirs is erased; anyone who writes keeps everything; 0 turns it off."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import redis.asyncio as aioredis

from bot.app.settings import Settings
from bot.core.messages import Outgoing
from bot.core.texts_retention import RETENTION_NOTICE
from storage.keys import Keys
from storage.models import Channel
from tests.journey_kit import START, Kit, journey_kit

NOTICE_START = RETENTION_NOTICE.split("{name}")[0]


def _notices(kit: Kit, chat_id: str) -> list[Outgoing]:
    return [m for m in kit.channel.to(chat_id) if m.text.startswith(NOTICE_START)]


async def _names(redis: aioredis.Redis, keys: Keys, pid: str) -> list[str]:
    """Every key whose name or content holds the participant id."""
    found = []
    async for key in redis.scan_iter(match=keys.everything(), count=1000):
        kind = str(await redis.type(key))
        if kind == "list":
            held = str(await redis.lrange(key, 0, -1))
        elif kind == "zset":
            held = str(await redis.zrange(key, 0, -1))
        elif kind == "set":
            held = str(await redis.smembers(key))
        elif kind == "hash":
            held = str(await redis.hgetall(key))
        else:
            held = str(await redis.get(key))
        if pid in key or pid in held:
            found.append(key)
    return sorted(found)


async def _quiet_for(kit: Kit, days: float) -> None:
    """Course time passes and the retention pass runs, as it does once a day; what it queued
    is sent."""
    kit.clock.set(START + timedelta(days=days))
    await kit.engine.retention.run()
    await kit.tick()


async def _paused(kit: Kit, chat_id: str) -> str:
    await kit.sign_up(chat_id)
    await kit.answer(chat_id, "/pauze")  # no lessons from now on: only they can break the quiet
    p = await kit.engine.store.participants.by_chat(Channel.CONSOLE, chat_id)
    assert p is not None
    return p.id


def test_retention_is_on_by_default_for_365_days() -> None:
    assert Settings.model_validate({}).retention_days == 365


async def test_a_quiet_participant_is_told_once_and_erased_after_365_days(
    kit: Kit, redis_client: aioredis.Redis, keys: Keys
) -> None:
    pid = await _paused(kit, "1")
    await kit.say("1", "Iets wat ik over mezelf schreef.")

    await _quiet_for(kit, 350)
    assert _notices(kit, "1") == []
    await _quiet_for(kit, 351.1)
    [notice] = _notices(kit, "1")
    assert notice.text.startswith("Hoi Sanne, het is al een tijd stil tussen ons.")
    assert "op 25 november 2027 wis ik alles" in notice.text
    assert "/verder" in notice.text
    for day in range(352, 365):
        await _quiet_for(kit, day + 0.1)
    assert len(_notices(kit, "1")) == 1  # once
    assert await kit.engine.store.participants.get(pid) is not None

    await _quiet_for(kit, 365.2)
    assert await kit.engine.store.participants.by_chat(Channel.CONSOLE, "1") is None
    assert await _names(redis_client, keys, pid) == [keys.erased(pid)]


async def test_a_participant_who_writes_keeps_everything(kit: Kit) -> None:
    pid = await _paused(kit, "1")
    await _quiet_for(kit, 351.1)
    assert len(_notices(kit, "1")) == 1
    kit.clock.set(START + timedelta(days=352))
    await kit.answer("1", "/verder")
    for day in range(353, 380):
        await _quiet_for(kit, day + 0.1)
    assert await kit.engine.store.participants.get(pid) is not None
    assert len(await kit.engine.store.enrollments.for_participant(pid)) == 1
    assert len(_notices(kit, "1")) == 1  # /verder started a new spell: not quiet long enough


async def test_an_active_participant_keeps_everything(kit: Kit) -> None:
    pid = await _paused(kit, "1")
    for month in range(1, 15):
        kit.clock.set(START + timedelta(days=30 * month))
        await kit.answer("1", "/voortgang")
        await _quiet_for(kit, 30 * month + 0.5)
    assert _notices(kit, "1") == []
    assert await kit.engine.store.participants.get(pid) is not None


async def test_zero_turns_retention_off(redis_url: str, keys: Keys, tmp_path: Path) -> None:
    async with journey_kit(redis_url, keys, tmp_path, START, retention_days="0") as kit:
        pid = await _paused(kit, "1")
        await _quiet_for(kit, 351.1)
        await _quiet_for(kit, 400)
        assert _notices(kit, "1") == []
        assert await kit.engine.store.participants.get(pid) is not None
