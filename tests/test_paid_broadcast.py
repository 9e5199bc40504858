"""Telegram's paid broadcasting: lessons and broadcasts at up to 1000 a second, for Stars.

With TELEGRAM_PAID_BROADCAST, lessons and broadcasts carry `allow_paid_broadcast` and the shared
pacing lets them go far faster than the free 30 a second, while replies stay unpaid and keep the
free pace. The fake Bot API counts paid sends in a bucket of their own (1000 a second), so a burst
the free limit would answer with 429 goes through, and a Stars balance too low is answered as
Telegram answers it. druppel is built from the environment, as `druppel run` builds it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from pydantic import ValidationError
from telegram import Bot
from telegram.error import RetryAfter

from bot.app.cli import main
from bot.app.run import telegram_channel
from bot.app.settings import Settings
from bot.app.wiring import Engine, engine
from bot.channels.telegram import pacing
from bot.channels.telegram.adapter import TelegramChannel
from bot.channels.telegram.order import CONCURRENT_UPDATES
from bot.core import texts_staff
from bot.core.messages import Incoming, Outgoing
from scheduler.ratelimit import Rate
from storage.keys import Keys, enrollment_member
from storage.models import Broadcast, Channel, Enrollment, Lane
from storage.store import Store
from tests.fakes.telegram_api import FakeTelegram, RateLimits
from tests.journey_kit import TEST_KEY

TOKEN = "5550009:paid"
SANNE = 9101
TRAINER = 9102
#: Telegram's free limit (30 a second, as a burst too) and its paid one (1000 a second).
LIMITS = RateLimits(global_per_second=30.0, global_burst=30)
#: Sends in flight at once: a worker's claims, and updates handled side by side.
WORKER = 32  # Dispatcher.concurrency
UPDATES = CONCURRENT_UPDATES


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only the settings a test gives; PTB reads periods as timedelta, quietly."""
    for name in list(os.environ):
        if name.upper().startswith(("TELEGRAM_", "DRUPPEL_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    monkeypatch.chdir(tmp_path)  # no stray .env


@asynccontextmanager
async def druppel(
    tg: FakeTelegram, redis_url: str, keys: Keys, tmp_path: Path, **env: str
) -> AsyncIterator[tuple[Engine, TelegramChannel]]:
    """druppel's engine and Telegram channel as a worker builds them from its environment."""
    settings = {
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": tg.root, "REDIS_URL": redis_url,
        "DRUPPEL_KEY_PREFIX": keys.prefix, "DRUPPEL_DATA_DIR": str(tmp_path / "var"),
        "DRUPPEL_ENCRYPTION_KEY": TEST_KEY, **env,
    }  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        for name, value in settings.items():
            patch.setenv(name, value)
        loaded = Settings()
    async with engine(loaded) as eng:
        channel = telegram_channel(eng, TOKEN)
        await channel.start_sending_only()
        try:
            yield eng, channel
        finally:
            await channel.stop()


async def side_by_side(at_once: int, sends: list[Coroutine[object, object, None]]) -> None:
    """Run the sends with at most `at_once` in flight, as a worker (or the update handlers)
    does: more at once would only wait for a connection, and bunch up after their turn."""
    free = asyncio.Semaphore(at_once)

    async def one(send: Coroutine[object, object, None]) -> None:
        async with free:
            await send

    await asyncio.gather(*(one(send) for send in sends))


async def until(done: Callable[[], bool], step: Callable[[], Awaitable[object]]) -> None:
    """Take `step` until `done`, for at most ten seconds."""
    deadline = time.monotonic() + 10
    while not done():
        assert time.monotonic() < deadline, "not within 10 s"
        await step()
        await asyncio.sleep(0.05)


def test_the_paid_pace_is_kept_as_set() -> None:
    assert (Rate.steady(900).per_second, Rate.steady(900).interval_us, Rate.steady(900).burst) == (
        900, 1111, 180,
    )  # fmt: skip
    assert Rate.steady(1000).interval_us == 1000


def test_paid_broadcasting_is_off_by_default_and_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings()
    assert settings.telegram_paid_broadcast is False
    assert settings.telegram_paid_per_second == 900
    monkeypatch.setenv("TELEGRAM_PAID_BROADCAST", "1")
    monkeypatch.setenv("TELEGRAM_PAID_PER_SECOND", "1000")
    settings = Settings()
    assert settings.telegram_paid_broadcast is True
    assert settings.telegram_paid_per_second == 1000
    monkeypatch.setenv("TELEGRAM_PAID_PER_SECOND", "1001")  # over what Telegram allows
    with pytest.raises(ValidationError):
        Settings()


def test_druppel_check_says_paid_broadcasting_is_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], redis_url: str
) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("DRUPPEL_ENCRYPTION_KEY", TEST_KEY)
    monkeypatch.setenv("DRUPPEL_KEY_PREFIX", f"t{secrets.token_hex(4)}")  # only reads
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "5550009:paid")
    assert main(["check"]) == 0
    assert "paid broadcasting" not in capsys.readouterr().out
    monkeypatch.setenv("TELEGRAM_PAID_BROADCAST", "true")
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "telegram: paid broadcasting is on" in out
    assert "900 a second" in out
    assert "0.1 Telegram Stars" in out


async def test_the_fake_counts_paid_broadcasts_apart_from_the_free_limit() -> None:
    now = [0.0]
    limits = RateLimits(global_per_second=30.0, global_burst=30, paid_per_second=50.0,
                        paid_burst=50)  # fmt: skip
    async with (
        FakeTelegram(TOKEN, rate_limits=limits, clock=lambda: now[0]) as tg,
        Bot(TOKEN, base_url=tg.base_url) as bot,
    ):
        for chat in range(1, 101):
            tg.user_sends(chat, "/start")
        for chat in range(1, 31):
            await bot.send_message(chat, "nieuws")
        with pytest.raises(RetryAfter):  # over the free limit without the flag: 429
            await bot.send_message(31, "nieuws")
        for _ in range(3):  # each chat's limit holds for paid sends too: a burst of three
            await bot.send_message(31, "nieuws", allow_paid_broadcast=True)
        with pytest.raises(RetryAfter):
            await bot.send_message(31, "te veel", allow_paid_broadcast=True)
        for chat in range(32, 79):  # the free bucket is spent; the paid one is not
            await bot.send_message(chat, "nieuws", allow_paid_broadcast=True)
        with pytest.raises(RetryAfter):  # the paid bucket has a limit of its own
            await bot.send_message(79, "nieuws", allow_paid_broadcast=True)
        assert tg.flood_count == 3
        assert [m.paid for m in tg.messages_to(1)] == [False]
        assert [m.paid for m in tg.messages_to(31)] == [True, True, True]


async def test_lessons_and_broadcasts_are_paid_broadcasts_and_replies_never_are(
    redis_url: str, keys: Keys, store: Store, tmp_path: Path
) -> None:
    # A day's five messages and a reply at once: a chat's burst of three would pace them over
    # seconds, which is not what this test is about.
    limits = RateLimits(global_per_second=30.0, global_burst=30, per_chat_burst=10)
    async with (
        FakeTelegram(TOKEN, rate_limits=limits) as tg,
        druppel(tg, redis_url, keys, tmp_path, TELEGRAM_PAID_BROADCAST="1",
                TELEGRAM_CHAT_BURST="10") as (eng, channel),
    ):  # fmt: skip
        assert channel.paid_broadcast
        tg.user_sends(SANNE, "/start")  # Telegram only knows chats that started the bot
        tg.user_sends(TRAINER, "/start")
        now = eng.clock.now()
        p, _ = await eng.store.participants.get_or_create(Channel.TELEGRAM, str(SANNE), now=now)
        await eng.store.enrollments.save(Enrollment(participant_id=p.id, course_id="twijfel",
                                                    started_at=now, next_due=now))  # fmt: skip
        await eng.store.due.schedule(enrollment_member(p.id, "twijfel"), now)
        per_day = len(eng.courses["twijfel"].day(1).lesson) + 1
        await until(lambda: len(tg.messages_to(SANNE)) >= per_day, eng.dispatcher.tick)
        lesson = tg.messages_to(SANNE)
        assert lesson[0].text.startswith("Dag 1 van 9")

        await eng.conversation.answer(Incoming.from_text(Channel.TELEGRAM, str(SANNE), "/help"))
        reply = tg.messages_to(SANNE)[per_day:]

        broadcast = Broadcast(
            id=secrets.token_hex(8), by=str(TRAINER), segment="active", segment_label="actief",
            text="Vanavond is er een vragenuur.", total=1, created_at=now,
            progress_chat=str(TRAINER),
        )  # fmt: skip
        await eng.staff.broadcasts.start(broadcast, [p.id])
        await until(
            lambda: any(
                m.text.startswith(texts_staff.BROADCAST_HEADING) for m in tg.messages_to(SANNE)
            ),
            eng.dispatcher.tick,
        )
        [sent] = [
            m for m in tg.messages_to(SANNE) if m.text.startswith(texts_staff.BROADCAST_HEADING)
        ]

        assert len(lesson) == per_day
        assert all(m.paid for m in lesson)
        assert reply
        assert not any(m.paid for m in reply)
        assert sent.paid
        progress = tg.messages_to(TRAINER, include_edits=True)
        assert progress
        assert not any(m.paid for m in progress)
        flagged = [c for c in tg.calls_to("sendMessage") if "allow_paid_broadcast" in c]
        assert len(flagged) == per_day + 1  # replies do not carry the parameter at all
        assert tg.flood_count == 0


async def test_six_hundred_paid_lessons_outrun_the_free_limit_without_a_429(
    redis_url: str, keys: Keys, store: Store, tmp_path: Path
) -> None:
    """At the free 30 a second, 600 lessons would take 20 seconds."""
    chats = range(20_001, 20_601)
    async with (
        FakeTelegram(TOKEN, rate_limits=LIMITS) as tg,
        druppel(tg, redis_url, keys, tmp_path, TELEGRAM_PAID_BROADCAST="1") as (_, channel),
    ):
        for chat in chats:
            tg.user_sends(chat, "/start")
        started = time.monotonic()
        await side_by_side(
            WORKER, [channel.send(str(c), Outgoing(f"Les {c}"), Lane.LESSON) for c in chats]
        )
        elapsed = time.monotonic() - started
        assert tg.flood_count == 0, f"Telegram refused {tg.flood_count} sends"
        assert sorted(m.chat_id for m in tg.sent) == list(chats)
        assert all(m.paid for m in tg.sent)
        assert elapsed < 10, f"600 paid lessons took {elapsed:.1f} s"


async def test_replies_keep_the_free_pace_while_lessons_go_paid(
    redis_url: str, keys: Keys, store: Store, tmp_path: Path
) -> None:
    """Forty replies at once are over the free limit's burst of 30: unpaid, they wait for it
    even though the paid budget the lessons use has plenty of room."""
    lessons, replies = range(30_001, 30_301), range(31_001, 31_041)
    async with (
        FakeTelegram(TOKEN, rate_limits=LIMITS) as tg,
        druppel(tg, redis_url, keys, tmp_path, TELEGRAM_PAID_BROADCAST="1") as (_, channel),
    ):
        for chat in (*lessons, *replies):
            tg.user_sends(chat, "/start")
        await asyncio.gather(
            side_by_side(WORKER, [channel.send(str(c), Outgoing("Les"), Lane.LESSON)
                                  for c in lessons]),
            side_by_side(UPDATES, [channel.send(str(c), Outgoing("Antwoord"), Lane.REPLY)
                                   for c in replies]),
        )  # fmt: skip
        assert tg.flood_count == 0, f"Telegram refused {tg.flood_count} sends"
        assert {m.chat_id for m in tg.sent if m.paid} == set(lessons)
        assert {m.chat_id for m in tg.sent if not m.paid} == set(replies)


async def test_a_stars_balance_too_low_sends_lessons_unpaid_and_warns_once(
    redis_url: str, keys: Keys, store: Store, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    monkeypatch.setattr(pacing, "PAID_PAUSE", 0.5)
    async with (
        FakeTelegram(TOKEN, rate_limits=LIMITS) as tg,
        druppel(tg, redis_url, keys, tmp_path, TELEGRAM_PAID_BROADCAST="1") as (_, channel),
    ):
        for chat in range(40_001, 40_005):
            tg.user_sends(chat, "/start")
        tg.stars_too_low = True
        with caplog.at_level(logging.WARNING, logger="bot.channels.telegram"):
            for chat in range(40_001, 40_004):
                await channel.send(str(chat), Outgoing("Les"), Lane.LESSON)
        # The first lesson was refused as a paid broadcast and went unpaid; the next two went
        # unpaid straight away, and the log says so once.
        assert [m.paid for m in tg.sent] == [False, False, False]
        assert [e[2] for e in tg.errors] == ["Bad Request: BALANCE_TOO_LOW"]
        [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert "BALANCE_TOO_LOW" in warning.getMessage()
        assert "Stars balance is too low" in warning.getMessage()

        tg.stars_too_low = False  # topped up: after the pause, lessons are paid again
        await asyncio.sleep(0.6)
        await channel.send("40004", Outgoing("Les"), Lane.LESSON)
        assert tg.sent[-1].paid
