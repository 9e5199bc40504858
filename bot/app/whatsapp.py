"""WhatsApp in druppel's processes: the sender and inbox in `run` and `worker`, the webhook in
`web`, and the settings check in `druppel check`.

WhatsApp is on when any of its settings is set; then all of them must be. Staff commands are
Telegram's: a WhatsApp number is never taken for a trainer's or operator's id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from bot.app.settings import Settings
from bot.channels.whatsapp.client import CloudApi
from bot.channels.whatsapp.inbound import InboundHandler, Inbox
from bot.channels.whatsapp.sender import WhatsAppSender, pair_rate
from bot.channels.whatsapp.webhook import WhatsAppWebhook
from bot.channels.whatsapp.window import Template, Window
from bot.core.counters import Counters
from bot.core.errors import SetupError
from scheduler.clock import Clock
from scheduler.ratelimit import Rate, RateLimiter
from storage.models import Channel
from storage.store import Store
from storage.whatsapp import WhatsAppRepo

if TYPE_CHECKING:  # `druppel check` reads the settings here without loading the whole engine
    from bot.app.wiring import Engine

log = logging.getLogger(__name__)

#: Real seconds the inbox gives the chats in hand when the process stops.
STOP_GRACE = 10.0
#: Of the number's throughput, the share unsolicited messages (lessons) may take.
BULK_SHARE = 0.8


def _secret(value: object) -> str:
    getter = getattr(value, "get_secret_value", None)
    return str(getter()).strip() if callable(getter) else ""


def configured(settings: Settings) -> bool:
    """Whether WhatsApp is meant to be on: any of its own settings is set."""
    return any((
        _secret(settings.whatsapp_access_token), settings.whatsapp_phone_number_id,
        _secret(settings.whatsapp_app_secret), _secret(settings.whatsapp_verify_token),
        settings.whatsapp_template_name,
    ))  # fmt: skip


def problems(settings: Settings) -> list[str]:
    """What is missing or wrong in WhatsApp's settings (nothing when WhatsApp is off)."""
    if not configured(settings):
        return []
    found = [
        f"{name} is not set"
        for name, value in (
            ("WHATSAPP_ACCESS_TOKEN", _secret(settings.whatsapp_access_token)),
            ("WHATSAPP_PHONE_NUMBER_ID", settings.whatsapp_phone_number_id),
            ("WHATSAPP_APP_SECRET", _secret(settings.whatsapp_app_secret)),
            ("WHATSAPP_VERIFY_TOKEN", _secret(settings.whatsapp_verify_token)),
            ("WHATSAPP_TEMPLATE_NAME", settings.whatsapp_template_name),
        )
        if not value
    ]
    if not settings.whatsapp_api_base_url.startswith(("https://", "http://")):
        found.append("WHATSAPP_API_BASE_URL is not an http(s) URL")
    return found


def describe(settings: Settings) -> str:
    """One line for `druppel check`."""
    if not configured(settings):
        return "whatsapp: off (no WHATSAPP_* settings)"
    wrong = problems(settings)
    if wrong:
        return f"whatsapp: {'; '.join(wrong)}"
    return (
        f"whatsapp: number {settings.whatsapp_phone_number_id} at "
        f"{settings.whatsapp_api_base_url}, template {settings.whatsapp_template_name} "
        f"({settings.whatsapp_template_language}, "
        f"{len(settings.whatsapp_template_parameters)} parameters): ok"
    )


def _required(settings: Settings) -> None:
    wrong = problems(settings)
    if wrong:
        raise SetupError(f"WhatsApp settings: {'; '.join(wrong)}")


def repo(store: Store, settings: Settings) -> WhatsAppRepo:
    secret = _secret(settings.whatsapp_app_secret).encode()
    return WhatsAppRepo(store.redis, store.keys, secret, store.cipher)


def template(settings: Settings) -> Template:
    return Template(
        settings.whatsapp_template_name or "", settings.whatsapp_template_language,
        tuple(settings.whatsapp_template_parameters),
    )  # fmt: skip


@asynccontextmanager
async def whatsapp_channel(eng: Engine) -> AsyncIterator[bool]:
    """WhatsApp's sender in `eng.senders` and its inbox running, while inside; False (and
    nothing started) when WhatsApp is off."""
    from bot.conversation.replies import Conversation

    settings = eng.settings
    if not configured(settings):
        yield False
        return
    _required(settings)
    wa = repo(eng.store, settings)
    eng.store.chat_erasers[Channel.WHATSAPP] = wa.forget
    mps = settings.whatsapp_max_per_second
    limiter = RateLimiter(
        eng.store.redis, eng.store.keys, Channel.WHATSAPP.value, Rate.steady(mps),
        pair_rate(settings.whatsapp_chat_burst), bulk=Rate.steady(mps * BULK_SHARE),
    )  # fmt: skip
    api = CloudApi(
        settings.whatsapp_api_base_url, settings.whatsapp_phone_number_id or "",
        _secret(settings.whatsapp_access_token),
    )  # fmt: skip
    eng.senders[Channel.WHATSAPP] = WhatsAppSender(
        api, wa, Window(wa, eng.clock), eng.store, template=template(settings), limiter=limiter
    )
    handler = InboundHandler(
        Conversation(eng.coach, eng.deliveries), eng.store, wa, eng.clock, eng.courses,
        eng.journey.counters or Counters(eng.store), eng.deliveries.recipient_gone,
    )  # fmt: skip
    inbox = Inbox(wa, handler, settings.lease_seconds)
    running = asyncio.create_task(inbox.run())
    log.info(
        "whatsapp: sending as number %s; taking inbound events", settings.whatsapp_phone_number_id
    )
    try:
        yield True
    finally:
        await inbox.stop(STOP_GRACE)
        await asyncio.wait([running], timeout=STOP_GRACE)
        eng.senders.pop(Channel.WHATSAPP, None)
        eng.store.chat_erasers.pop(Channel.WHATSAPP, None)
        await api.close()


def webhook(settings: Settings, store: Store, clock: Clock) -> WhatsAppWebhook | None:
    """The `/webhooks/whatsapp` handler for `druppel web`; None when WhatsApp is off."""
    if not configured(settings):
        return None
    _required(settings)
    return WhatsAppWebhook(
        Window(repo(store, settings), clock),
        app_secret=_secret(settings.whatsapp_app_secret).encode(),
        verify_token=_secret(settings.whatsapp_verify_token),
        phone_number_id=settings.whatsapp_phone_number_id,
        counters=Counters(store),
    )
