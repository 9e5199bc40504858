"""`druppel demo`: the real engine, run on a sped-up clock in the terminal, with nothing to set up.

An embedded Redis in a temporary folder, the console as the channel, and a course day that lasts
a few seconds. A scripted participant signs up, reads every lesson of `twijfel`, answers the
check-ins and prompts, pauses for two days and resumes. With --interactive, you are the
participant, at a prompt: what you type is shown once, as a line of the chat, and a number taps
a button of what just came. With --channel whatsapp the same runs through the WhatsApp channel
(its rendering, the 24-hour window and the invitation template), printed as the chat would show
it. A chart or the /mijngegevens file is written to a folder, and the chat's line names the path.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app.demo_whatsapp import NAME, PHONE, WhatsAppSide
from bot.app.settings import Settings
from bot.app.wiring import Engine, engine
from bot.channels.console import WHO, ConsoleChannel
from bot.channels.whatsapp.preview import TEMPLATE_BUTTON, TEMPLATE_TAP
from bot.core.messages import Button, Incoming, Kind
from bot.core.texts_ops import STATUS
from scheduler.clock import SteppingClock
from storage.models import Channel, Enrollment, EnrollmentStatus, Participant

DEMO_SPEED = 28_800.0  # a course day lasts three real seconds
#: What takes the interactive demo to the next day, besides an empty line (Enter).
NEXT_DAY = "/volgende"
NEXT_DAY_HINT = "druk op Enter of typ /volgende: dan komt de volgende dag"
#: Real seconds the interactive demo waits for a day to arrive after the clock went on to it.
DAY_ARRIVES = 15.0
#: Real seconds the scripted demo waits for the buttons it is about to tap.
BUTTON_WAIT = 10.0
CHAT = "demo"
DEADLINE = 150.0  # real seconds; the scripted demo ends well within this
#: What the interactive demo shows where the reader types, in the chat's speaker column.
PROMPT = f"{'':6}{'jij':<{WHO}}> "
#: Real seconds the prompt waits for druppel's answer to what the reader did.
ANSWER_ARRIVES = 5.0

#: What the scripted participant answers, day by day. Written for the demo, in our own words.
ANSWERS = [
    "Ik denk dat ik vooral twijfel als het goed gaat. Gek eigenlijk.",
    "Ik wil het zeker weten voor ik kies. Maar dat moment komt nooit.",
    "Het nieuwe trekt, ja. Vooral als het thuis rustig is.",
    "Ik voel me vaak niet gezien in wat ik allemaal doe.",
    "Ruimte nemen doe ik, maar ik zeg er zelden iets bij.",
    "Ik vergelijk meer dan ik wil toegeven. Vooral 's avonds op mijn telefoon.",
    "Bij ons thuis werd er niet over gevoelens gepraat. Dat merk ik nu.",
    "Ik heb eigenlijk nooit gezien hoe een goede relatie eruitziet.",
    "Ik wil kiezen, ook al is het spannend. Ik ga een coach zoeken.",
]
CHECKIN_SCORES = {2: "4", 3: "2", 4: "3", 5: "4", 6: "3", 7: "5", 8: "4"}
PAUSE_AFTER_DAY = 3
#: On WhatsApp the participant says nothing this day, so the 24-hour window closes before the
#: next lesson and the invitation template comes first.
SILENT_DAY = 5


@dataclass
class Demo:
    """The demo's one participant, scripted or at the keyboard, in the terminal or on
    WhatsApp (`whatsapp` given)."""

    eng: Engine
    console: ConsoleChannel
    whatsapp: WhatsAppSide | None = None
    #: Interactive: a number taps a button among the messages from here on (what came since
    #: the reader last tapped or went on to the next day).
    tappable_from: int = 0

    async def participant(self) -> Participant | None:
        """The participant, once the first message made one."""
        if self.whatsapp is None:
            return await self.eng.store.participants.by_chat(Channel.CONSOLE, CHAT)
        return await self.eng.store.participants.by_chat(Channel.WHATSAPP, PHONE)

    async def command(self, name: str) -> None:
        """A command as one types it: `/pauze` in the terminal, `PAUZE` on WhatsApp."""
        await self.act(name.upper() if self.whatsapp is not None else f"/{name}")

    async def act(self, text: str | None = None, tap: str | None = None, label: str = "") -> None:
        """The participant types `text` or taps the button with data `tap`."""
        if self.whatsapp is not None:
            said = f"(tikt op “{label or tap}”)" if tap is not None else text or ""
            self.console.participant_says(NAME, said)
            if tap == TEMPLATE_TAP:
                fields = {"type": "button", "data": TEMPLATE_BUTTON, "text": TEMPLATE_BUTTON}
            elif tap is not None:
                fields = {"type": "interactive", "data": tap, "text": label}
            else:
                fields = {"type": "text", "text": text or ""}
            await self.whatsapp.writes(fields, self.eng)
            return
        if tap is not None:
            self.console.participant_says(NAME, f"(tikt op “{label or tap}”)")
            event = Incoming(Channel.CONSOLE, CHAT, Kind.BUTTON, data=tap, first_name=NAME)
        else:
            self.console.participant_says(NAME, text or "")
            event = Incoming.from_text(Channel.CONSOLE, CHAT, text or "", first_name=NAME)
        await self.eng.conversation.answer(event)

    async def tap_label(self, contains: str, within: float = BUTTON_WAIT) -> None:
        """Tap the button whose label holds `contains`, once the bot has shown it (on a busy
        machine the message with the buttons may still be on its way)."""
        waited = 0.0
        while True:
            button = next((b for b in self.console.last_buttons() if contains in b.label), None)
            if button is not None:
                break
            if waited >= within:
                raise RuntimeError(f"the demo waited {within:g}s for a button {contains!r}")
            await asyncio.sleep(0.05)
            waited += 0.05
        await self.act(tap=button.data, label=button.label)

    async def delivered_day(self) -> tuple[int, EnrollmentStatus]:
        participant = await self.participant()
        assert participant is not None
        enrollment = await self.eng.journey.current(participant.id)
        assert enrollment is not None
        return enrollment.last_delivered_day, enrollment.status

    async def wait_for_day(self, day: int) -> None:
        # The state lives in Redis, written by the dispatcher task: polling it is the honest check.
        while (await self.delivered_day())[0] < day or await self._outbox_busy():
            if self.whatsapp is not None and await self.whatsapp.repo.invited(PHONE) > 0:
                await asyncio.sleep(0.3)  # the invitation came: the participant taps it
                await self.act(tap=TEMPLATE_TAP, label=TEMPLATE_BUTTON)
            await asyncio.sleep(0.02)

    async def _outbox_busy(self) -> bool:
        participant = await self.participant()
        return participant is not None and await self.eng.store.queue.size(participant.id) > 0

    async def _sending(self) -> bool:
        """Whether druppel is still sending: something is queued that is not waiting for the
        reader (on WhatsApp, once the invitation is shown, what it holds waits for their tap)."""
        shown = any(b.data == TEMPLATE_TAP for b in self.console.last_buttons(self.tappable_from))
        if shown and self.whatsapp is not None and await self.whatsapp.repo.invited(PHONE) > 0:
            return False
        return await self._outbox_busy()

    async def script(self) -> int:
        course = self.eng.courses["twijfel"]
        await self.command("start")
        await self.tap_label("Ik twijfel")
        await self.tap_label("08:00")
        await self.tap_label("klopt")
        for day in range(1, course.length + 1):
            await self.wait_for_day(day)
            if self.whatsapp is not None and day == SILENT_DAY:
                self.console.note("een dag stilte: het venster van 24 uur gaat dicht")
                continue
            if day in CHECKIN_SCORES:
                await asyncio.sleep(0.2)
                await self.tap_label(CHECKIN_SCORES[day])
            await asyncio.sleep(0.3)
            await self.act(ANSWERS[day - 1])
            if day == PAUSE_AFTER_DAY:
                await self.command("pauze")
                await asyncio.sleep(self.eng.clock.to_real_seconds(2 * 86_400))
                self.console.note("twee dagen stilte: op pauze komt er niets")
                await self.command("verder")
        await asyncio.sleep(0.3)
        await self.command("voortgang")
        # The end of the course, its summary and the progress, read (WhatsApp paces a
        # person's messages after a burst: they may take a while).
        await self._answered(within=60.0)
        return await self.summary()

    async def summary(self) -> int:
        participant = await self.participant()
        assert participant is not None
        reflections = await self.eng.store.reflections.all(participant.id)
        checkins = await self.eng.store.checkins.all(participant.id)
        day, status = await self.delivered_day()
        scores = ", ".join(f"dag {c.day}: {c.score}" for c in checkins)
        print(
            f"\nDemo klaar: {day} lessen ontvangen, {len(reflections)} antwoorden bewaard, "
            f"check-ins {scores}. De cursus is {STATUS[status.value]}."
        )
        silent = 1 if self.whatsapp is not None else 0
        done = status is EnrollmentStatus.COMPLETED
        return 0 if done and len(reflections) == day - silent else 1

    async def interactive(self, clock: SteppingClock) -> int:
        help_word = "HELP" if self.whatsapp is not None else "/help"  # WhatsApp: words
        print(f"Jij bent de deelnemer. Typ een bericht of een commando ({help_word}); een")
        print("cijfer tikt op die knop van wat net kwam. De klok wacht op jou: druk op Enter")
        print(f"(of typ {NEXT_DAY}) en de volgende dag komt. Ctrl-D of 'klaar' stopt de demo.\n")
        await self.command("start")
        loop = asyncio.get_running_loop()
        hinted = False
        while True:
            await self._answered()
            line = await loop.run_in_executor(None, self.console.ask, PROMPT)
            if not line or line.strip().lower() in {"klaar", "exit", "quit"}:
                return 0
            text = line.strip()
            if not text or text.lower() == NEXT_DAY:
                self.tappable_from = len(self.console.received)
                hinted = await self.next_day(clock)
                continue
            buttons = self.console.last_buttons(self.tappable_from)
            if text.isdigit() and 1 <= int(text) <= len(buttons):
                await self.tap(buttons[int(text) - 1])
            else:
                await self.act(text)
            if not hinted and await self._following() is not None:
                self.console.note(NEXT_DAY_HINT)  # once signed up: how the days come
                hinted = True

    async def tap(self, button: Button) -> None:
        """A tap: that message's buttons are used; the next number is for what comes after."""
        self.tappable_from = len(self.console.received)
        await self.act(tap=button.data, label=button.label)

    async def _answered(self, within: float = ANSWER_ARRIVES) -> None:
        """Until druppel has answered what the reader did, so the prompt comes after it."""
        deadline = asyncio.get_running_loop().time() + within
        # The queue lives in Redis, emptied by the dispatcher task: polling it is the check.
        while await self._sending() and asyncio.get_running_loop().time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)

    async def _following(self) -> Enrollment | None:
        participant = await self.participant()
        return None if participant is None else await self.eng.journey.current(participant.id)

    async def next_day(self, clock: SteppingClock) -> bool:
        """The course clock goes on to what comes next (the next lesson, the last day's nudge,
        the follow-up), and waits until it has arrived; or the reader hears why nothing comes.
        True when the hint was shown."""
        before = await self._following()
        if before is None:
            self.console.note("kies eerst een cursus; dan komen de dagen")
            return False
        followup = before.followup_due if before.followup_sent_at is None else None
        target = before.next_due or before.nudge_due or followup
        if target is None:
            self.console.note(_why_nothing_comes(before))
            return False
        clock.jump_to(target)
        deadline = asyncio.get_running_loop().time() + DAY_ARRIVES
        while asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
            now = await self._following()
            if now is not None and now != before and not await self._sending():
                break
        self.console.note(NEXT_DAY_HINT)
        return True


def _why_nothing_comes(enrollment: Enrollment) -> str:
    if enrollment.status is EnrollmentStatus.PAUSED:
        return "je cursus staat op pauze: met /verder gaat hij door"
    if enrollment.status is EnrollmentStatus.ACTIVE:
        return f"de volgende les komt na je antwoord op dag {enrollment.last_delivered_day}"
    return "de cursus is klaar; 'klaar' stopt de demo"


async def run_demo(
    settings: Settings, interactive: bool = False, speed: float = DEMO_SPEED,
    channel: str = "console", files: Path | None = None,
) -> int:  # fmt: skip
    """The demo; a chart or file it shows goes to `files` (a new folder by default), which
    outlives the demo so the reader can open what the line names."""
    if files is None:
        files = Path(tempfile.mkdtemp(prefix="druppel-demo-bestanden-"))
    files.mkdir(parents=True, exist_ok=True)
    try:
        return await _run(settings, interactive, speed, channel, files)
    finally:
        if not any(files.iterdir()):
            shutil.rmtree(files, ignore_errors=True)


async def _run(
    settings: Settings, interactive: bool, speed: float, channel: str, files: Path
) -> int:
    with tempfile.TemporaryDirectory(prefix="druppel-demo-") as folder:
        demo_settings = settings.model_copy(
            update={"redis_url": None, "data_dir": Path(folder), "clock_speed": speed,
                    "tick_seconds": 0.05, "default_timezone": "Europe/Amsterdam"}
        )  # fmt: skip
        # Interactive, the course clock waits for the reader: it runs as a clock does, and
        # goes on to the next day when they ask.
        stepping = SteppingClock(datetime.now(UTC)) if interactive else None
        # A tick skipped while the one before still runs is the design, not news for a reader.
        logging.getLogger("apscheduler").setLevel(logging.ERROR)
        async with engine(demo_settings, clock=stepping) as eng:
            console = ConsoleChannel(
                eng.clock, ZoneInfo("Europe/Amsterdam"), files=files, bold=sys.stdout.isatty()
            )
            eng.senders[Channel.CONSOLE] = console
            if stepping is not None:
                print("druppel demo: de echte motor; de klok loopt gewoon en wacht op jou,")
            else:
                seconds = 86_400 / speed
                print(
                    "druppel demo: de echte motor op een versnelde klok "
                    f"(een dag duurt {seconds:g} s),"
                )
            print("met een ingebouwde Redis en de terminal als chat.")
            whatsapp = WhatsAppSide.start(eng, console) if channel == "whatsapp" else None
            if whatsapp is not None:
                print(
                    "Het kanaal is WhatsApp: knoppen, lijsten, het 24-uursvenster en het sjabloon."
                )
            job = eng.tick_job()
            job.start()
            try:
                demo = Demo(eng, console, whatsapp)
                if stepping is not None:
                    return await demo.interactive(stepping)
                # The scripted participant types as fast as the course runs, which from a
                # person would be a flood; every answer of theirs is answered.
                for conversation in (eng.conversation, whatsapp and whatsapp.conversation):
                    if conversation:
                        conversation.flood.LIMIT = 10_000
                return await asyncio.wait_for(demo.script(), timeout=DEADLINE)
            except TimeoutError:
                print(f"\nDe demo liep langer dan {DEADLINE:.0f} seconden; er klopt iets niet.")
                return 1
            finally:
                await job.stop()
                if whatsapp is not None:
                    await whatsapp.stop()
