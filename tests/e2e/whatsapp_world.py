"""A WhatsApp world: `druppel web` and `druppel worker` as real processes, Meta played by signed
webhook calls and a fake Graph API on loopback, and what a person does there: write, tap, sign up
by buttons, receive a course day.

The fake Graph API keeps Meta's 24-hour window on the same sped-up time (a course day is ten real
seconds) and refuses what Meta refuses. No Telegram token is set: the worker runs WhatsApp only.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, Self

import aiohttp

from bot.channels.whatsapp import texts as wa_texts
from bot.channels.whatsapp.rendering import body
from bot.channels.whatsapp.words import as_words
from bot.conversation.buttons import COMMON_TIMES
from bot.core import texts
from bot.delivery.items import outgoing
from courses.models import Course
from courses.render import render_day
from scheduler.clock import Clock
from storage.models import Channel, Enrollment, Participant
from storage.store import Store
from tests.e2e.processes import (
    COURSES,
    PARTNER,
    REPLY,
    STARTUP,
    Processes,
    eventually,
    next_slot,
)
from tests.fakes.whatsapp_api import FakeWhatsApp, Sent, encode, message_webhook, sign

SPEED = 8640.0  # a course day in ten real seconds
SECRET = "e2e-app-secret"
VERIFY = "e2e-verify"
TOKEN = "e2e-access-token"
NUMBER_ID = "1099001"
TEMPLATE = "druppel_verder"


def day_texts(course: Course, number: int) -> list[str]:
    """A day's messages as WhatsApp shows them: the heading in bold, commands as words."""
    return [body(outgoing(m, course.id, number)) for m in render_day(course, number)]


def fake_graph_api() -> FakeWhatsApp:
    """Meta as these worlds play it: our number, the template, the window on the world's time."""
    return FakeWhatsApp(
        token=TOKEN, phone_number_id=NUMBER_ID, templates={(TEMPLATE, "nl"): 1},
        window_seconds=24 * 3600 / SPEED,
    )  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class WhatsAppWorld(Processes):
    """The fake Graph API, the store, and the druppel processes of one test."""

    SCRUB = (*Processes.SCRUB, "WHATSAPP_", "PORT")

    def __init__(self, wa: FakeWhatsApp, store: Store, redis_url: str, tmp: Path) -> None:
        super().__init__(store, redis_url, tmp, SPEED)
        self.wa = wa
        self.port = _free_port()
        #: Per number, how many of its messages `next` has read.
        self._read: dict[str, int] = {}

    @classmethod
    @asynccontextmanager
    async def opened(cls, store: Store, redis_url: str, tmp: Path) -> AsyncIterator[Self]:
        async with fake_graph_api() as wa, cls(wa, store, redis_url, tmp).running() as w:
            yield w

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/whatsapp"

    def world_env(self) -> dict[str, str]:
        return {
            "PORT": str(self.port),
            "WHATSAPP_ACCESS_TOKEN": TOKEN,
            "WHATSAPP_PHONE_NUMBER_ID": NUMBER_ID,
            "WHATSAPP_APP_SECRET": SECRET,
            "WHATSAPP_VERIFY_TOKEN": VERIFY,
            "WHATSAPP_API_BASE_URL": self.wa.base_url,
            "WHATSAPP_TEMPLATE_NAME": TEMPLATE,
            "WHATSAPP_TEMPLATE_PARAMETERS": json.dumps(["{first_name}"]),
            # A day lasts ten seconds here, so one message every six real seconds to a person
            # would be days; the pair rate itself has its unit test.
            "WHATSAPP_CHAT_BURST": "45",
        }

    async def up(self, sender: str = "worker") -> Clock:
        """`druppel web` and one `druppel worker` (or `sender`), both answering."""
        await self.set_clock()
        await self.start("web")
        await self.start(sender)
        await eventually(self._answers, STARTUP, f"druppel web on port {self.port}\n{self.logs()}")
        return await self.clock()

    async def _answers(self) -> bool:
        try:
            async with aiohttp.ClientSession() as http, http.get(self.url) as response:
                return response.status == 403  # a handshake without our token
        except aiohttp.ClientConnectionError:
            return False

    # -- people ---------------------------------------------------------------------------------
    async def post(self, payload: dict[str, Any], *, secret: str = SECRET) -> int:
        raw = encode(payload)
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw, secret)}
        async with (
            aiohttp.ClientSession() as http,
            http.post(self.url, data=raw, headers=headers) as response,
        ):
            return response.status

    async def writes(self, phone: str, **message: Any) -> dict[str, Any]:
        """`phone` sends a message (text=..., button=(id, title), row=..., quick_reply=...)."""
        self.wa.user_writes(phone)
        payload = message_webhook(phone, phone_number_id=NUMBER_ID, **message)
        assert await self.post(payload) == 200
        return payload

    async def taps(self, phone: str, sent: Sent, choice: str) -> None:
        """Tap the button or list row whose id is `choice` in a message druppel sent."""
        title = dict(sent.choices)[choice]
        if sent.type == "button":
            await self.writes(phone, button=(choice, title))
        else:
            await self.writes(phone, row=(choice, title))

    async def next(
        self, phone: str, match: Callable[[Sent], bool] | None = None, within: float = REPLY
    ) -> Sent:
        """The first message to `phone` not yet read by `next` that matches."""
        seen = self._read.setdefault(phone, 0)
        try:
            message = await self.wa.wait_for(phone, match, within=within, since=seen)
        except TimeoutError:
            raise AssertionError(f"no message to {phone} within {within}s\n{self.logs()}") from None
        self._read[phone] = self.wa.messages_to(phone).index(message) + 1
        return message

    async def participant(self, phone: str) -> Participant:
        found = await self.store.participants.by_chat(Channel.WHATSAPP, phone)
        assert found is not None, "no participant for that number"
        return found

    async def enrollment(self, phone: str, course_id: str = "partner") -> Enrollment:
        found = await self.store.enrollments.get((await self.participant(phone)).id, course_id)
        assert found is not None
        return found

    async def sign_up_by_buttons(self, phone: str, clock: Clock, name: str = "Sanne") -> str:
        await self.writes(phone, text="START", name=name)
        welcome = await self.next(phone, within=STARTUP)
        assert welcome.text == f"{texts.greeting(name)} {as_words(texts.WELCOME)}"
        assert welcome.type == "list"  # "Mijn partner twijfelt" is over 20 characters
        assert sorted(welcome.ids) == sorted(f"c:{c}" for c in COURSES)
        await self.taps(phone, welcome, "c:partner")
        chosen = await self.next(phone)
        assert chosen.text.startswith(f"Je kiest voor “{PARTNER.title}”")
        ask_time = await self.next(phone)
        assert (ask_time.type, ask_time.ids) == ("list", [f"t:{t}" for t in COMMON_TIMES] + ["t:?"])
        at = next_slot(clock, ahead=timedelta(hours=2))
        await self.taps(phone, ask_time, f"t:{at}")
        ask_zone = await self.next(phone)
        assert (ask_zone.type, ask_zone.ids) == ("button", ["z:ok", "z:?"])
        await self.taps(phone, ask_zone, "z:ok")
        enrolled = await self.next(phone)
        assert enrolled.text.startswith(f"Je bent ingeschreven voor “{PARTNER.title}”")
        assert "HELP" in enrolled.text
        assert "/help" not in enrolled.text
        note = await self.next(phone)
        assert note.text == wa_texts.WINDOW_NOTE
        return at

    async def receive_day(self, phone: str, course: Course, number: int) -> list[Sent]:
        expected = day_texts(course, number)
        first = await self.next(
            phone, lambda m: m.text.startswith(f"*Dag {number} van "), within=2 * 10 + 5
        )
        got = [first] + [await self.next(phone) for _ in expected[1:]]
        assert [m.text for m in got] == expected
        return got
