"""The WhatsApp side of `druppel demo --channel whatsapp`: the real sender printing instead of
calling Meta (templates by their text, attachments written to the demo's folder), and the inbox
that the webhook would fill."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass

from bot.app.wiring import Engine
from bot.channels.console import ConsoleChannel
from bot.channels.whatsapp.inbound import InboundHandler, Inbox
from bot.channels.whatsapp.preview import TEMPLATE_BODY, PrintedApi
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.channels.whatsapp.window import Template, Window
from bot.conversation.replies import Conversation
from bot.core.counters import Counters
from storage.models import Channel
from storage.whatsapp import InboundEvent, WhatsAppRepo

PHONE = "31600000000"  # the WhatsApp demo's participant, a made-up number
NAME = "Sanne"


@dataclass
class WhatsAppSide:
    """The WhatsApp channel of the demo: the real sender printing instead of calling Meta, and
    the inbox that the webhook would fill."""

    repo: WhatsAppRepo
    window: Window
    inbox: Inbox
    running: asyncio.Task[None]
    conversation: Conversation

    @classmethod
    def start(cls, eng: Engine, console: ConsoleChannel) -> WhatsAppSide:
        repo = WhatsAppRepo(
            eng.store.redis, eng.store.keys, secrets.token_bytes(16), eng.store.cipher
        )
        window = Window(repo, eng.clock)
        template = Template("druppel_verder", "nl", ("{first_name}",))
        printed = PrintedApi(console, {template.name: TEMPLATE_BODY})
        eng.senders[Channel.WHATSAPP] = WhatsAppSender(
            printed, repo, window, eng.store, template=template
        )
        conversation = Conversation(eng.coach, eng.deliveries)
        handler = InboundHandler(
            conversation, eng.store, repo, eng.clock, eng.courses,
            eng.journey.counters or Counters(eng.store), eng.deliveries.recipient_gone,
        )  # fmt: skip
        inbox = Inbox(repo, handler, eng.settings.lease_seconds, poll=0.02)
        return cls(repo, window, inbox, asyncio.create_task(inbox.run()), conversation)

    async def writes(self, fields: dict[str, str], at_clock: Engine) -> None:
        """What the webhook does with a message, then wait until a worker has answered it."""
        at = at_clock.clock.now()
        event = InboundEvent.model_validate(
            {"kind": "message", "id": secrets.token_hex(8), "chat": PHONE, "at": at,
             "name": NAME, **fields}
        )  # fmt: skip
        until, real = self.window.opened_by(at)
        await self.repo.receive(event, window_until=until, window_real_seconds=real)
        while await self.repo.waiting():  # noqa: ASYNC110 - the inbox lives in Redis
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        await self.inbox.stop(2)
        await asyncio.wait([self.running], timeout=2)
