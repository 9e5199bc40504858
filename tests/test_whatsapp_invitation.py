"""The invitation template and what answers it: the real engine, the WhatsApp sender against the
fake Graph API and the inbound handler, on a fixed course clock.

A participant who stays silent lets WhatsApp's 24-hour window close; what the bot owes them then
waits behind one template. When they tap its "Verder", late at night, they get what is owed,
and never a reminder (a nudge keeps to the daytime and no longer fits once they are back).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.channels.whatsapp import texts as wa_texts
from bot.channels.whatsapp.client import CloudApi
from bot.channels.whatsapp.inbound import InboundHandler, Inbox
from bot.channels.whatsapp.rendering import body
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.channels.whatsapp.window import Template, Window
from bot.conversation.replies import Conversation
from bot.core import texts
from bot.core.counters import Counters
from bot.delivery.items import outgoing
from courses.render import render_day
from storage.models import Channel
from storage.whatsapp import InboundEvent, WhatsAppRepo
from tests.fakes.whatsapp_api import FakeWhatsApp, Sent
from tests.journey_kit import Kit

SANNE = "31612345678"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in Amsterdam, November 2026 (the kit starts on Wednesday the 25th, 10:00)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=AMSTERDAM)


@dataclass
class Phone:
    """Sanne's WhatsApp: what she writes goes through the webhook's store into the inbox."""

    kit: Kit
    wa: FakeWhatsApp
    repo: WhatsAppRepo
    window: Window

    async def writes(self, **fields: Any) -> list[Sent]:
        """She sends a message (type=text, interactive or button); what came back."""
        before = len(self.wa.messages_to(SANNE))
        self.wa.user_writes(SANNE)
        at = self.kit.clock.now()
        event = InboundEvent.model_validate(
            {"kind": "message", "id": secrets.token_hex(8), "chat": SANNE, "at": at,
             "name": "Sanne", **fields}
        )  # fmt: skip
        until, real = self.window.opened_by(at)
        await self.repo.receive(event, window_until=until, window_real_seconds=real)
        for _ in range(500):
            if not await self.repo.waiting():
                break
            await asyncio.sleep(0.01)
        return self.wa.messages_to(SANNE)[before:]

    async def taps(self, data: str) -> list[Sent]:
        return await self.writes(type="interactive", data=data, text=data)

    async def taps_the_template(self) -> list[Sent]:
        return await self.writes(type="button", data="Verder", text="Verder")


@pytest.fixture
async def phone(kit: Kit) -> AsyncIterator[Phone]:
    eng = kit.engine
    async with FakeWhatsApp(token="tok", phone_number_id="1099001") as wa:
        repo = WhatsAppRepo(eng.store.redis, eng.store.keys, b"secret", eng.store.cipher)
        window = Window(repo, kit.clock)
        api = CloudApi(wa.base_url, "1099001", "tok")
        eng.senders[Channel.WHATSAPP] = WhatsAppSender(
            api, repo, window, eng.store,
            template=Template("druppel_verder", "nl", ("{first_name}",)),
        )  # fmt: skip
        handler = InboundHandler(
            Conversation(eng.coach, eng.deliveries), eng.store, repo, kit.clock, eng.courses,
            eng.journey.counters or Counters(eng.store), eng.deliveries.recipient_gone,
        )  # fmt: skip
        inbox = Inbox(repo, handler, lease_seconds=10, poll=0.01)
        running = asyncio.create_task(inbox.run())
        try:
            yield Phone(kit, wa, repo, window)
        finally:
            await inbox.stop(2)
            await asyncio.wait([running], timeout=2)
            await api.close()


async def signed_up(phone: Phone) -> list[Sent]:
    """Wednesday 10:00: Sanne signs up for `twijfel` at 08:00, Amsterdam."""
    got = await phone.writes(type="text", text="START")
    for data in ("c:twijfel", "t:08:00", "z:ok"):
        got += await phone.taps(data)
    return got


def nudges(phone: Phone) -> set[str]:
    course = phone.kit.engine.courses["twijfel"]
    return {course.day(n).nudge or "" for n in range(1, course.length + 1)} - {""}


async def test_the_template_tapped_at_night_brings_the_held_lesson_and_no_nudge(
    phone: Phone,
) -> None:
    await signed_up(phone)
    # Silent since Wednesday morning: day 1 (Thursday 08:00) still came inside the window; its
    # evening nudge and Friday's lesson and nudge wait behind the template.
    await phone.kit.run_until(local(27, 23, 31).astimezone(ZoneInfo("UTC")))
    sent = phone.wa.messages_to(SANNE)
    assert any(m.type == "template" for m in sent)
    assert not any(m.text in nudges(phone) for m in sent)

    got = await phone.taps_the_template()

    course = phone.kit.engine.courses["twijfel"]
    day_two = [body(outgoing(m, course.id, 2)) for m in render_day(course, 2)]
    assert [m.text for m in got] == day_two
    assert not any(m.text in nudges(phone) for m in phone.wa.messages_to(SANNE))


async def test_the_template_tapped_with_only_a_nudge_waiting_says_when_the_next_lesson_comes(
    phone: Phone,
) -> None:
    await signed_up(phone)
    await phone.kit.run_until(local(26, 23, 31).astimezone(ZoneInfo("UTC")))
    assert phone.wa.messages_to(SANNE)[-1].type == "template"  # for day 1's evening nudge

    got = await phone.taps_the_template()

    assert [m.text for m in got] == [texts.NOT_PAUSED.format(when="morgen om 08:00")]
    await phone.kit.run_until(local(27, 12, 0).astimezone(ZoneInfo("UTC")))
    assert not any(m.text in nudges(phone) for m in phone.wa.messages_to(SANNE))


async def test_the_window_note_comes_once_not_again_after_a_pause(phone: Phone) -> None:
    got = await signed_up(phone)
    assert [m.text for m in got].count(wa_texts.WINDOW_NOTE) == 1

    await phone.writes(type="text", text="PAUZE")
    resumed = await phone.writes(type="text", text="VERDER")

    assert resumed[0].text.startswith("Welkom terug!")
    notes = [m for m in phone.wa.messages_to(SANNE) if m.text == wa_texts.WINDOW_NOTE]
    assert len(notes) == 1
