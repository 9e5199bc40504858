"""Long polling that Telegram ends for good is noticed, and the channel still stops cleanly.

python-telegram-bot stops polling for good once Telegram refuses the token, and the process
would stay up, deaf; the channel says so (`polling_ended`) for the process to end and be
restarted. (`tests/e2e/test_resilience_e2e.py` follows it through to the process's exit.)
A token refused at start ends the start with one clear line and no connection left open.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable

import pytest

from bot.channels.telegram.adapter import TelegramChannel
from bot.core.errors import SetupError
from bot.core.messages import Incoming, Outgoing
from bot.delivery.errors import DeliveryError
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "5550003:polling"


class Heard:
    """A conversation that only keeps what it heard."""

    def __init__(self) -> None:
        self.events: list[Incoming] = []

    async def answer(self, event: Incoming, kept: Callable[[], None] | None = None) -> None:
        self.events.append(event)


async def _until(condition: Callable[[], object], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.02)


async def test_a_token_refused_while_polling_ends_receiving_and_the_channel_still_stops() -> None:
    heard = Heard()
    async with FakeTelegram(TOKEN) as tg:
        channel = TelegramChannel(TOKEN, tg.root, heard, poll_timeout=1)
        try:
            await channel.start_polling()
            tg.user_sends(7001, "eerst")
            await _until(lambda: heard.events)
            assert channel.polling_ended() is None  # polling runs

            tg.token = "5550001:someone-else"  # the Bot API answers 401 to our token
            tg.user_sends(7001, "hoi")  # ends the long poll in flight: the next one meets the 401
            await _until(channel.polling_ended)
            assert channel.polling_ended() == "Telegram refused TELEGRAM_BOT_TOKEN while polling"
            tg.token = TOKEN  # accepted again, but polling does not come back by itself
            assert channel.polling_ended() is not None
        finally:
            await channel.stop()
        await channel.stop()  # safe to repeat


async def test_a_refused_send_is_not_the_end_of_polling() -> None:
    """Only getUpdates speaks for polling: a send refused meanwhile is that send's failure."""
    async with FakeTelegram(TOKEN) as tg:
        channel = TelegramChannel(TOKEN, tg.root, Heard())  # a long poll that stays in flight
        try:
            await channel.start_polling()
            await _until(lambda: any(name == "getUpdates" for name, _ in tg.calls))
            tg.token = "5550001:someone-else"
            with pytest.raises(DeliveryError):
                await channel.send("7002", Outgoing("hallo"))
            assert channel.polling_ended() is None
        finally:
            tg.token = TOKEN
            await channel.stop()


class Slow:
    """A conversation that takes its time over the first message (a stalled store, say)."""

    def __init__(self) -> None:
        self.events: list[Incoming] = []
        self.go = asyncio.Event()

    async def answer(self, event: Incoming, kept: Callable[[], None] | None = None) -> None:
        self.events.append(event)
        await self.go.wait()
        if kept is not None:
            kept()


def _confirmed_below(tg: FakeTelegram) -> int:
    """The highest offset the bot has sent: Telegram has let go of every update below it."""
    return max((int(c.get("offset") or 0) for c in tg.calls_to("getUpdates")), default=0)


async def test_an_update_is_confirmed_to_telegram_only_once_it_is_kept() -> None:
    slow = Slow()
    async with FakeTelegram(TOKEN) as tg:
        channel = TelegramChannel(TOKEN, tg.root, slow, poll_timeout=1)
        try:
            await channel.start_polling()
            update = tg.user_sends(7003, "mijn antwoord")
            await _until(lambda: slow.events)
            await asyncio.sleep(2.5)  # several rounds of polling
            assert _confirmed_below(tg) <= update["update_id"]  # Telegram still holds it
            assert len(tg.calls_to("getUpdates")) >= 3  # and gave it again, but
            assert len(slow.events) == 1  # what is in hand is not handed over twice

            slow.go.set()
            await _until(lambda: _confirmed_below(tg) > update["update_id"])
            later = tg.user_sends(7003, "nog iets")
            await _until(lambda: len(slow.events) == 2)
            assert slow.events[1].text == "nog iets"
        finally:
            slow.go.set()
            await channel.stop()
        # Stopping confirmed what was handled, so a restart does not hear it again.
        assert _confirmed_below(tg) > later["update_id"]


async def test_a_webhook_call_is_answered_once_its_update_is_kept() -> None:
    """Telegram lets go of a webhook update when its call is answered: only once it is kept."""
    slow = Slow()
    update = {
        "update_id": 900,
        "message": {
            "message_id": 1, "date": 1_700_000_000, "text": "hoi",
            "chat": {"id": 7004, "type": "private"},
            "from": {"id": 7004, "is_bot": False, "first_name": "Sanne"},
        },
    }  # fmt: skip
    async with FakeTelegram(TOKEN) as tg:
        channel = TelegramChannel(TOKEN, tg.root, slow)
        try:
            await channel.start_webhook("https://druppel.example/webhooks/telegram", "s" * 32)
            answering = asyncio.create_task(channel.feed(update))
            await _until(lambda: slow.events)
            await asyncio.sleep(0.3)
            assert not answering.done()  # still in hand: Telegram would send it again
            slow.go.set()
            assert await asyncio.wait_for(answering, 5) is True
        finally:
            slow.go.set()
            await channel.stop()


async def test_a_refused_token_at_start_leaves_no_connection_open(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The process ends on the one clear line, not on a complaint about an open session."""
    async with FakeTelegram(TOKEN) as tg:
        tg.token = "5550001:someone-else"
        channel = TelegramChannel(TOKEN, tg.root, Heard())
        with pytest.raises(SetupError, match="refused TELEGRAM_BOT_TOKEN"):
            await channel.start_sending_only()
        del channel
        gc.collect()
        await asyncio.sleep(0)
    unclosed = [r for r in caplog.records if "Unclosed" in r.getMessage()]
    assert not unclosed, [r.getMessage() for r in unclosed]
