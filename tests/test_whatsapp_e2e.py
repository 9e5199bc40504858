"""End to end over WhatsApp: `druppel web` and `druppel worker` as real processes, Meta played by
signed webhook calls and a fake Graph API on loopback.

Nothing inside druppel is replaced. People write by posting the webhook call Meta would post
(signed with the app secret) to the running `druppel web`; the worker takes it from Redis and
answers through the fake Graph API, which keeps Meta's 24-hour window on the same sped-up time
(a course day is ten real seconds) and refuses what Meta refuses. No Telegram token is set: the
worker runs WhatsApp only.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import aiohttp
import pytest

from bot.channels.whatsapp import texts as wa_texts
from bot.channels.whatsapp.rendering import body
from bot.channels.whatsapp.words import as_words
from bot.conversation.buttons import COMMON_TIMES
from bot.core import texts, texts_care
from bot.core.counters import Counters
from bot.core.messages import Outgoing
from bot.delivery.items import outgoing
from courses.models import Course
from courses.render import render_day
from scheduler.clock import Clock, make_clock
from storage.models import Channel, Enrollment, EnrollmentStatus, Participant
from storage.store import Store
from tests.fakes.whatsapp_api import (
    FakeWhatsApp,
    Sent,
    encode,
    message_webhook,
    new_message_id,
    sign,
    status_webhook,
)
from tests.test_telegram_e2e import (
    COURSES,
    PARTNER,
    READY_AT,
    REPLY,
    STARTUP,
    STARTUP_GUESS,
    Druppel,
    eventually,
    local_hhmm,
    next_slot,
)

ROOT = Path(__file__).resolve().parent.parent
SPEED = 8640.0  # a course day in ten real seconds
SECRET = "e2e-app-secret"
VERIFY = "e2e-verify"
TOKEN = "e2e-access-token"
NUMBER_ID = "1099001"
TEMPLATE = "druppel_verder"
SANNE = "31612345678"
BRAM = "32470123456"


def day_texts(course: Course, number: int) -> list[str]:
    """A day's messages as WhatsApp shows them: the heading in bold, commands as words."""
    return [body(outgoing(m, course.id, number)) for m in render_day(course, number)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class World:
    """The fake Graph API, the store, and the druppel processes of one test."""

    def __init__(self, wa: FakeWhatsApp, store: Store, redis_url: str, tmp: Path) -> None:
        self.wa = wa
        self.store = store
        self.redis_url = redis_url
        self.tmp = tmp
        self.port = _free_port()
        self.processes: list[Druppel] = []
        self._logs: list[IO[bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/whatsapp"

    def env(self) -> dict[str, str]:
        ours = ("DRUPPEL_", "TELEGRAM_", "WHATSAPP_", "REDIS_URL", "DEFAULT_TIMEZONE", "PORT")
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith(ours)}
        env.update(
            REDIS_URL=self.redis_url,
            DRUPPEL_KEY_PREFIX=self.store.keys.prefix,
            DRUPPEL_CLOCK_SPEED=f"{SPEED:g}",
            DRUPPEL_TICK_SECONDS="0.05",
            DRUPPEL_DATA_DIR=str(self.tmp / "var"),
            DRUPPEL_LOG_LEVEL="INFO",
            PORT=str(self.port),
            WHATSAPP_ACCESS_TOKEN=TOKEN,
            WHATSAPP_PHONE_NUMBER_ID=NUMBER_ID,
            WHATSAPP_APP_SECRET=SECRET,
            WHATSAPP_VERIFY_TOKEN=VERIFY,
            WHATSAPP_API_BASE_URL=self.wa.base_url,
            WHATSAPP_TEMPLATE_NAME=TEMPLATE,
            WHATSAPP_TEMPLATE_PARAMETERS=json.dumps(["{first_name}"]),
            # A day lasts ten seconds here, so one message every six real seconds to a person
            # would be days; the pair rate itself has its unit test.
            WHATSAPP_CHAT_BURST="45",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        )
        return env

    async def set_clock(self) -> None:
        """Course time reads early morning (READY_AT) about when the processes are up."""
        real_now = datetime.now(UTC)
        course_now = READY_AT - timedelta(seconds=STARTUP_GUESS * SPEED)
        anchor = real_now + (real_now - course_now) / (SPEED - 1)
        await self.store.redis.set(self.store.keys.clock_anchor(), anchor.isoformat())

    async def start(self, command: str) -> Druppel:
        log = self.tmp / f"{command}-{len(self.processes)}.log"
        handle = log.open("wb")
        self._logs.append(handle)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.app.cli", command,
            env=self.env(), cwd=self.tmp, stdin=subprocess.DEVNULL, stdout=handle, stderr=handle,
        )  # fmt: skip
        druppel = Druppel(command, process, log)
        self.processes.append(druppel)
        return druppel

    async def up(self) -> Clock:
        """`druppel web` and one `druppel worker`, both answering."""
        await self.set_clock()
        await self.start("web")
        await self.start("worker")
        await eventually(self._answers, STARTUP, f"druppel web on port {self.port}\n{self.logs()}")
        key = self.store.keys.clock_anchor()
        raw = await eventually(lambda: self.store.redis.get(key), STARTUP, "a clock anchor")
        return make_clock(SPEED, datetime.fromisoformat(str(raw)))

    async def _answers(self) -> bool:
        try:
            async with aiohttp.ClientSession() as http, http.get(self.url) as response:
                return response.status == 403  # a handshake without our token
        except aiohttp.ClientConnectionError:
            return False

    def logs(self) -> str:
        return "\n".join(f"--- {p.log.name}\n{p.output()[-4000:]}" for p in self.processes)

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

    _read: dict[str, int]

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


@pytest.fixture
async def world(store: Store, redis_url: str, tmp_path: Path) -> AsyncIterator[World]:
    async with FakeWhatsApp(
        token=TOKEN, phone_number_id=NUMBER_ID, templates={(TEMPLATE, "nl"): 1},
        window_seconds=24 * 3600 / SPEED,
    ) as wa:  # fmt: skip
        w = World(wa, store, redis_url, tmp_path)
        w._read = {}
        try:
            yield w
        finally:
            for druppel in w.processes:
                await druppel.stop()
            for handle in w._logs:
                handle.close()
            print(w.logs())  # shown by pytest only when the test failed


async def test_sign_up_by_buttons_and_by_words_then_a_lesson_inside_the_window(
    world: World,
) -> None:
    w = world
    clock = await w.up()
    sanne_at = await w.sign_up_by_buttons(SANNE, clock)

    # Bram signs up by typing only: the course in the START word, the time, the city.
    await w.writes(BRAM, text="START twijfel", name="Bram")
    chosen = await w.next(BRAM, within=STARTUP)
    assert chosen.text.startswith(f"Je kiest voor “{COURSES['twijfel'].title}”")
    await w.next(BRAM)  # the time list
    bram_at = next_slot(clock, ahead=timedelta(hours=2))
    await w.writes(BRAM, text=bram_at, name="Bram")
    await w.next(BRAM)  # the zone question
    await w.writes(BRAM, text="Amsterdam", name="Bram")
    enrolled = await w.next(BRAM)
    assert enrolled.text.startswith(f"Je bent ingeschreven voor “{COURSES['twijfel'].title}”")
    assert (await w.next(BRAM)).text == wa_texts.WINDOW_NOTE
    assert local_hhmm((await w.enrollment(BRAM, "twijfel")).next_due) == bram_at

    # The first lessons come at the chosen time, inside the window: no template.
    day_one = await w.receive_day(SANNE, PARTNER, 1)
    assert day_one[-1].text == PARTNER.day(1).prompt
    assert local_hhmm((await w.enrollment(SANNE)).last_delivered_at) >= sanne_at
    await w.receive_day(BRAM, COURSES["twijfel"], 1)
    assert not [m for m in w.wa.sent if m.type == "template"]

    await w.writes(SANNE, text="Het voelt zwaar, maar ik wil het proberen.")
    ack = await w.next(SANNE)
    assert ack.text.startswith(texts.REFLECTION_SAVED.format(day=1))
    reflections = await w.store.reflections.all((await w.participant(SANNE)).id)
    assert [r.text for r in reflections] == ["Het voelt zwaar, maar ik wil het proberen."]

    # Everything kept about her, as a file: the typed word, an uploaded document.
    await w.writes(SANNE, text="MIJNGEGEVENS")
    export = await w.next(SANNE)
    assert (export.type, export.filename) == ("document", "druppel-mijn-gegevens.json")
    assert export.media is not None
    assert "Het voelt zwaar, maar ik wil het proberen." in export.media.decode()
    assert not w.wa.errors


async def test_outside_the_window_a_template_then_the_lesson_after_the_answer(
    world: World,
) -> None:
    w = world
    clock = await w.up()
    await w.sign_up_by_buttons(SANNE, clock)
    await w.receive_day(SANNE, PARTNER, 1)
    # Sanne stays silent: the window closes before day 2, so only the template may go.
    invitation = await w.next(SANNE, lambda m: m.type == "template", within=2 * 10 + 5)
    assert (invitation.template, invitation.parameters) == (TEMPLATE, ("Sanne",))
    # Counted, and waiting in the queue (the record is written just after the template goes).
    for _ in range(50):
        if (await w.enrollment(SANNE)).last_delivered_day == 2:
            break
        await asyncio.sleep(0.1)
    assert (await w.enrollment(SANNE)).last_delivered_day == 2
    await asyncio.sleep(1.5)
    assert w.wa.messages_to(SANNE)[-1].id == invitation.id  # nothing free-form after it
    assert not [code for _, code in w.wa.errors if code == 131047]

    # She taps the template's button: day 2 follows at once, check-in included.
    await w.writes(SANNE, quick_reply="Verder")
    day_two = await w.receive_day(SANNE, PARTNER, 2)
    checkin = next(m for m in day_two if m.ids)
    assert (checkin.type, checkin.ids) == ("list", [f"k:partner:2:{s}" for s in range(1, 6)])
    await w.taps(SANNE, checkin, "k:partner:2:4")
    assert (await w.next(SANNE)).text == texts.CHECKIN_SAVED.format(score=4, day=2)
    (saved,) = await w.store.checkins.all((await w.participant(SANNE)).id)
    assert (saved.day, saved.score) == (2, 4)

    # Pause and resume by words.
    await w.writes(SANNE, text="PAUZE")
    assert (await w.next(SANNE)).text == as_words(texts.PAUSED)
    assert (await w.enrollment(SANNE)).status is EnrollmentStatus.PAUSED
    await w.writes(SANNE, text="verder")
    resumed = await w.next(SANNE)
    assert resumed.text.startswith("Welkom terug! Je volgende les (dag 3) komt ")
    assert (await w.enrollment(SANNE)).status is EnrollmentStatus.ACTIVE


async def test_a_bad_signature_is_refused_and_a_retried_webhook_counts_once(
    world: World,
) -> None:
    w = world
    clock = await w.up()
    async with aiohttp.ClientSession() as http:
        query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "42"}
        async with http.get(w.url, params=query) as handshake:
            assert (handshake.status, await handshake.text()) == (200, "42")

    forged = message_webhook(SANNE, text="START", phone_number_id=NUMBER_ID)
    assert await w.post(forged, secret="not-the-app-secret") == 401
    await asyncio.sleep(0.5)
    assert await w.store.participants.count() == 0
    assert not w.wa.sent

    await w.sign_up_by_buttons(SANNE, clock)
    await w.receive_day(SANNE, PARTNER, 1)
    reflection = message_webhook(
        SANNE, text="Ik merk dat ik wegloop.", message_id=new_message_id(),
        phone_number_id=NUMBER_ID,
    )  # fmt: skip
    for _ in range(3):  # Meta retries the same call
        assert await w.post(reflection) == 200
    ack = await w.next(SANNE)
    assert ack.text.startswith(texts.REFLECTION_SAVED.format(day=1))
    await asyncio.sleep(1.0)
    pid = (await w.participant(SANNE)).id
    assert [r.text for r in await w.store.reflections.all(pid)] == ["Ik merk dat ik wegloop."]
    acks = [m for m in w.wa.messages_to(SANNE) if m.text.startswith("Dank je wel.")]
    assert len(acks) == 1


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (131064, "rate_limited"),
        (131056, "rate_limited"),
        (131000, "transient"),
        (131047, "rejected"),
    ],
)
async def test_a_failed_status_is_read_as_the_send_path_reads_its_code(
    world: World, code: int, kind: str
) -> None:
    """One reading of Meta's codes: a "failed" status later means what a refused call means."""
    w = world
    clock = await w.up()
    await w.sign_up_by_buttons(SANNE, clock)
    last = w.wa.messages_to(SANNE)[-1]
    failed = status_webhook(SANNE, last.id, "failed", code=code, phone_number_id=NUMBER_ID)
    assert await w.post(failed) == 200
    pid = (await w.participant(SANNE)).id

    async def reported() -> bool:
        return any(f.participant == pid for f in await w.store.failures.recent())

    await eventually(reported, REPLY, "the failure in operators' /errors")
    (entry,) = [f for f in await w.store.failures.recent() if f.participant == pid]
    assert entry.kind == kind
    assert (await w.enrollment(SANNE)).status is EnrollmentStatus.ACTIVE


async def test_a_failed_status_is_shown_to_operators_and_stops_an_unreachable_number(
    world: World,
) -> None:
    w = world
    clock = await w.up()
    await w.sign_up_by_buttons(SANNE, clock)
    last = w.wa.messages_to(SANNE)[-1]
    for state in ("sent", "delivered"):
        assert await w.post(status_webhook(SANNE, last.id, state, phone_number_id=NUMBER_ID)) == 200
    failed = status_webhook(SANNE, last.id, "failed", code=131026, phone_number_id=NUMBER_ID)
    assert await w.post(failed) == 200
    assert await w.post(failed) == 200  # retried: counted once

    pid = (await w.participant(SANNE)).id

    async def reported() -> bool:
        return any(f.participant == pid for f in await w.store.failures.recent())

    await eventually(reported, REPLY, "the failure in operators' /errors")
    (entry,) = [f for f in await w.store.failures.recent() if f.participant == pid]
    assert entry.kind == "gone"
    assert "131026" in entry.cause
    assert SANNE not in entry.cause

    async def stopped() -> bool:
        return (await w.enrollment(SANNE)).status is EnrollmentStatus.STOPPED

    await eventually(stopped, REPLY, "the unreachable number's course stopped")
    assert (await w.enrollment(SANNE)).end_reason == "unreachable"
    assert (await Counters(w.store).totals())["failures_gone"] == 1

    async def counted() -> bool:  # messages sent are written in bunches, every half second
        return (await Counters(w.store).totals())["messages_sent"] >= 5

    await eventually(counted, REPLY, "the messages sent counted")
    for process in w.processes:
        assert SANNE not in process.output()
        assert "Het voelt" not in process.output()


WHATSAPP_DANGER = [
    # (what they type, the tier, the category), every category once
    ("Eerlijk gezegd wil ik er gewoon niet meer zijn.", "concern", "suicide"),
    ("ik heb pillen gespaard en vanavond neem ik ze allemaal in", "acute", "suicide_plan"),
    ("ik ben gisteren weer begonnen met krassen in mijn armen", "concern", "selfharm"),
    ("hij slaat me als hij gedronken heeft", "concern", "violence"),
    ("hij dreigt dat hij me iets aandoet als ik wegga", "concern", "threat"),
    ("ik ben echt bang voor mijn vriend", "concern", "fear"),
    ("hij controleert elke avond mijn telefoon en mijn bankrekening", "concern", "control"),
    ("hij dwingt me tot seks als ik geen zin heb", "concern", "sexual"),
    ("mijn ex staat elke dag bij mijn werk en volgt me naar huis", "concern", "stalking"),
    ("hij slaat onze zoon als hij boos is", "concern", "children"),
    ("hij slaat me nu, help", "acute", "violence"),
]


async def test_danger_over_whatsapp_gets_help_first_and_nothing_routine(world: World) -> None:
    """Over the real webhook and Graph API: every category is answered with help and nothing
    routine; "Nee" to "Ben je nu veilig?" is answered as acute; a paused participant is heard; the
    next lesson starts by asking how they are."""
    w = world
    clock = await w.up()
    await w.writes(BRAM, text="START twijfel", name="Bram")
    await w.next(BRAM, within=STARTUP)  # the course chosen
    await w.next(BRAM)  # the time list
    await w.writes(BRAM, text=next_slot(clock, ahead=timedelta(hours=2)), name="Bram")
    await w.next(BRAM)  # the zone question
    await w.writes(BRAM, text="Amsterdam", name="Bram")
    await w.next(BRAM)  # enrolled
    await w.next(BRAM)  # the window note
    await w.receive_day(BRAM, COURSES["twijfel"], 1)

    for words, tier, category in WHATSAPP_DANGER:
        await w.writes(BRAM, text=words, name="Bram")
        first = await w.next(BRAM)
        if tier == "acute":
            assert first.text.split("\n")[0] in (texts_care.ACT_112, texts_care.ACT_113), words
            assert first.ids == ["h:rust", "h:praat", "h:pauze"]
        else:
            assert first.text == texts_care.concern(category, "nl"), words
            assert first.ids == [f"v:ja:{category}", f"v:nee:{category}", f"v:stil:{category}"]
            helps = await w.next(BRAM)
            assert (helps.text, helps.type) == (texts_care.WHAT_HELPS, "button")
    assert not [m for m in w.wa.messages_to(BRAM) if "bewaard" in m.text]
    kept = await w.store.reflections.all((await w.participant(BRAM)).id)
    assert len(kept) == len(WHATSAPP_DANGER)

    # The next day's lesson starts by asking how they are (after the template, should the
    # 24-hour window have closed meanwhile).
    check = body(Outgoing(texts_care.CARE_CHECK))
    came = await w.next(BRAM, lambda m: m.type == "template" or m.text == check, within=25)
    if came.type == "template":
        await w.writes(BRAM, text="ja", name="Bram")
        came = await w.next(BRAM, lambda m: m.text == check, within=25)
    heading = await w.next(BRAM)
    assert heading.text.startswith("*Dag 2 van ")

    # Paused, they are heard too; "Nee" to "Ben je nu veilig?" is answered as acute.
    await w.writes(BRAM, text="PAUZE", name="Bram")
    await w.next(BRAM, lambda m: m.text == body(Outgoing(texts.PAUSED)), within=25)
    await w.writes(BRAM, text="ik wil dood", name="Bram")
    heard = await w.next(BRAM, lambda m: m.ids[:1] == ["v:ja:suicide"], within=25)
    assert heard.text == texts_care.concern("suicide", "nl")
    await w.taps(BRAM, heard, "v:nee:suicide")
    acute = await w.next(BRAM, lambda m: m.text.startswith(texts_care.ACT_113), within=25)
    assert acute.text == texts_care.acute("suicide", "nl")
