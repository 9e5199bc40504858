"""Telegram's webhook mode: `druppel web` receives the updates; only calls carrying the secret
token are taken, anything else is refused and changes nothing."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.core import texts
from storage.models import Channel
from storage.store import Store
from tests.e2e.processes import STARTUP
from tests.e2e.telegram_world import TelegramWorld
from tests.fakes.telegram_api import FakeTelegram

SECRET = "een-geheim_van-druppel"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class WebhookWorld(TelegramWorld):
    """The usual world, with `druppel web` taking Telegram's updates on a port of its own."""

    def __init__(self, tg: FakeTelegram, store: Store, redis_url: str, tmp: Path) -> None:
        super().__init__(tg, store, redis_url, tmp)
        self.port = _free_port()

    def world_env(self) -> dict[str, str]:
        env = super().world_env()
        env["PORT"] = str(self.port)
        env["TELEGRAM_WEBHOOK_URL"] = f"http://127.0.0.1:{self.port}/webhooks/telegram"
        env["TELEGRAM_WEBHOOK_SECRET"] = SECRET
        return env


pytestmark = pytest.mark.world(kind=WebhookWorld)


def _update(update_id: int, chat: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id, "date": 0, "text": text,
            "chat": {"id": chat, "type": "private", "first_name": "Sanne"},
            "from": {"id": chat, "is_bot": False, "first_name": "Sanne"},
        },
    }  # fmt: skip


async def _post(port: int, body: dict[str, Any], secret: str | None) -> int:
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
        session.post(
            f"http://127.0.0.1:{port}/webhooks/telegram", json=body, headers=headers
        ) as answer,
    ):
        return answer.status


async def test_only_calls_with_the_secret_are_taken_and_then_answered(world: WebhookWorld) -> None:
    w, tg = world, world.tg
    await w.set_clock()
    web = await w.start("web")
    for _ in range(int(STARTUP / 0.05)):  # until it listens (slow on a busy machine)
        try:
            await _post(w.port, {}, None)
            break
        except aiohttp.ClientError:
            await asyncio.sleep(0.05)
    assert tg.webhook == {"url": f"http://127.0.0.1:{w.port}/webhooks/telegram",
                          "secret_token": SECRET}  # fmt: skip
    chat = 8301
    tg.user_sends(chat, "hoi")  # Telegram knows the chat
    for secret in (None, "", "fout", SECRET + "x"):
        assert await _post(w.port, _update(1, chat, "/start twijfel"), secret) == 401
    await asyncio.sleep(0.5)
    assert await w.store.participants.by_chat(Channel.TELEGRAM, str(chat)) is None
    assert tg.messages_to(chat) == []

    assert await _post(w.port, _update(2, chat, "/help"), SECRET) == 200
    reply = await w.next(chat, within=STARTUP)
    assert reply.text.startswith(texts.HELP.split("\n")[0])
    assert web.process.returncode is None


@pytest.mark.parametrize("secret", ["", "0123456789abcde"])
def test_a_webhook_is_never_served_without_a_real_secret(secret: str) -> None:
    """Even were the settings bypassed: a blank secret would match a call without the header."""
    from typing import cast

    from bot.app.web.app import telegram_webhook
    from bot.channels.telegram.adapter import TelegramChannel
    from bot.core.errors import SetupError

    with pytest.raises(SetupError):
        telegram_webhook(cast(TelegramChannel, None), secret)
