"""Nothing personal in the clear: after a whole journey on Telegram and on WhatsApp, a dump of
Redis (every key and every value) and the files it writes name nobody and quote no one."""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import redis.asyncio as aioredis

from bot.app.settings import BUILTIN_COURSES_DIR, Settings
from bot.app.wiring import Engine, engine
from bot.core.messages import Incoming, Kind
from scheduler.clock import FixedClock
from storage.crypto import KEY_FILE
from storage.models import Channel
from storage.whatsapp import InboundEvent, WhatsAppRepo
from tests.journey_kit import START, RecordingChannel

AMS = ZoneInfo("Europe/Amsterdam")


def local(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=AMS)


@asynccontextmanager
async def embedded_engine(data_dir: Path) -> AsyncIterator[tuple[Engine, FixedClock]]:
    """The engine on the embedded Redis in `data_dir`, no key configured: the default setup."""
    settings = Settings.model_validate(
        {"redis_url": None, "data_dir": data_dir, "key_prefix": "sealed",
         "courses_dir": BUILTIN_COURSES_DIR, "encryption_key": None}
    )  # fmt: skip
    clock = FixedClock(START)
    async with engine(settings, clock=clock) as eng:
        yield eng, clock


async def everything(redis: aioredis.Redis) -> list[str]:
    """Every key name and every value in the server, read by type."""
    found: list[str] = []
    async for key in redis.scan_iter(match="*", count=1000):
        name = str(key)
        found.append(name)
        kind = str(await redis.type(name))
        if kind == "string":
            found.append(str(await redis.get(name)))
        elif kind == "hash":
            for field, value in (await redis.hgetall(name)).items():
                found += [str(field), str(value)]
        elif kind == "set":
            found += [str(m) for m in await redis.smembers(name)]
        elif kind == "zset":
            found += [str(m) for m in await redis.zrange(name, 0, -1)]
        elif kind == "list":
            found += [str(v) for v in await redis.lrange(name, 0, -1)]
        elif kind == "stream":
            for entry_id, fields in await redis.xrange(name) or []:
                found.append(str(entry_id))
                found += [str(x) for pair in (fields or {}).items() for x in pair]
        else:
            raise AssertionError(f"a key of a type this test does not read: {kind}")
    return found


async def answer(eng: Engine, event: Incoming) -> None:
    await eng.conversation.answer(event)


async def journey(eng: Engine, clock: FixedClock, channel: Channel, chat: str, name: str) -> str:
    """Sign up, a lesson, a reflection, a check-in and /antwoorden; returns the reflection."""

    def tap(data: str) -> Incoming:
        return Incoming(channel, chat, Kind.BUTTON, data=data, first_name=name)

    await answer(eng, Incoming.from_text(channel, chat, "/start", first_name=name))
    for data in ("c:twijfel", "t:07:00", "z:ok"):
        await answer(eng, tap(data))
    while clock.now() < local(27, 8):
        clock.set(min(clock.now() + timedelta(minutes=30), local(27, 8)))
        await eng.dispatcher.tick()
    words = f"Ik durf het hem niet te zeggen {secrets.token_hex(5)}"
    await answer(eng, Incoming.from_text(channel, chat, words, first_name=name))
    await answer(eng, tap("k:twijfel:2:4"))
    await answer(eng, Incoming.from_text(channel, chat, "/antwoorden", first_name=name))
    return words


async def test_a_whole_journey_leaves_no_name_number_score_or_word_in_redis_or_its_files(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "var"
    tg_chat = str(7_000_000_000 + secrets.randbelow(999_999_999))
    tg_name = f"Fenna{secrets.token_hex(3)}"
    phone = f"316{secrets.randbelow(10**8):08d}"
    profile = f"Joost{secrets.token_hex(3)}"
    inbound = f"Mijn moeder weet het nog niet {secrets.token_hex(5)}"
    async with embedded_engine(data_dir) as (eng, clock):
        sent = RecordingChannel()
        eng.senders[Channel.TELEGRAM] = sent
        eng.senders[Channel.WHATSAPP] = sent
        said = [await journey(eng, clock, Channel.TELEGRAM, tg_chat, tg_name)]
        clock.set(START)
        said.append(await journey(eng, clock, Channel.WHATSAPP, phone, profile))
        # A message waits in the WhatsApp inbox, as the webhook queues it for a worker.
        inbox = WhatsAppRepo(eng.store.redis, eng.store.keys, b"app-secret", eng.store.cipher)
        event = InboundEvent(
            kind="message", id=f"wamid.{phone}.{secrets.token_hex(4)}", chat=phone,
            at=clock.now(), name=profile, text=inbound,
        )  # fmt: skip
        assert await inbox.receive(event)
        assert await inbox.waiting() == 1

        # What the participants see is what they gave: the dump test reads a real journey.
        assert any(tg_name in m.text for m in sent.to(tg_chat))
        assert any(said[0] in m.text for m in sent.to(tg_chat))
        assert any(said[1] in m.text for m in sent.to(phone))
        tg = await eng.store.participants.by_chat(Channel.TELEGRAM, tg_chat)
        wa = await eng.store.participants.by_chat(Channel.WHATSAPP, phone)
        assert tg is not None
        assert wa is not None
        assert (tg.first_name, wa.first_name) == (tg_name, profile)
        assert [c.score for c in await eng.store.checkins.all(wa.id)] == [4]

        dump = await everything(eng.store.redis)
        await eng.store.redis.save()
        checkin_values = [
            str(v)
            for p in (tg, wa)
            for v in (await eng.store.redis.hgetall(eng.store.keys.checkins(p.id))).values()
        ]
    secrets_ = [tg_chat, tg_name, phone, profile, inbound, *said]
    for value in dump:
        for secret in secrets_:
            assert secret not in value, "a participant's own data is readable in Redis"
        assert "score" not in value
    assert len(checkin_values) == 2
    assert not [v for v in checkin_values if v[:1] in "{[" or v.strip("0123456789 ,:") == ""]
    files = [p for p in data_dir.rglob("*") if p.suffix in (".aof", ".rdb")]  # Redis 7: a folder
    assert {p.suffix for p in files} == {".aof", ".rdb"}
    for path in files:
        content = path.read_bytes()
        for secret in secrets_:
            assert secret.encode() not in content, f"{path.name} holds a participant's data"


async def test_the_embedded_setup_makes_its_key_once_and_keeps_using_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    async with embedded_engine(data_dir) as (eng, _):
        await answer(eng, Incoming.from_text(Channel.TELEGRAM, "4242", "/start", "Saar"))
    key_file = data_dir / KEY_FILE
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    made = key_file.read_bytes()
    async with embedded_engine(data_dir) as (eng, _):
        again = await eng.store.participants.by_chat(Channel.TELEGRAM, "4242")
    assert again is not None
    assert again.first_name == "Saar"
    assert key_file.read_bytes() == made
