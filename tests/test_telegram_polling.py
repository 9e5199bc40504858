"""Long polling that Telegram ends for good is noticed, and the channel still stops cleanly.

python-telegram-bot stops polling for good once Telegram refuses the token, and the process
would stay up, deaf; the channel says so (`polling_ended`) for the process to end and be
restarted. (`tests/e2e/test_resilience_e2e.py` follows it through to the process's exit.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from bot.channels.telegram.adapter import TelegramChannel
from bot.core.messages import Incoming, Outgoing
from bot.delivery.errors import DeliveryError
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "5550003:polling"


class Heard:
    """A conversation that only keeps what it heard."""

    def __init__(self) -> None:
        self.events: list[Incoming] = []

    async def answer(self, event: Incoming) -> None:
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
            tg.token = "5550001:someone-else"
            with pytest.raises(DeliveryError):
                await channel.send("7002", Outgoing("hallo"))
            assert channel.polling_ended() is None
        finally:
            tg.token = TOKEN
            await channel.stop()
