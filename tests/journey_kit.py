"""A journey without any app: the real engine, a fixed clock and a recording channel.

The `kit` fixture (tests/conftest.py) gives a test one started at START; tests that need another
start, other courses or other settings open `journey_kit` themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app.settings import BUILTIN_COURSES_DIR, Settings
from bot.app.wiring import Engine, engine
from bot.core.messages import Incoming, Kind, Outgoing
from bot.delivery.errors import DeliveryError
from scheduler.clock import FixedClock
from storage.crypto import new_key
from storage.keys import Keys
from storage.models import Channel, Enrollment, Lane

#: The encryption key of the test run: every store of the tests seals with it (there is no
#: other way to store anything), and the druppel processes of the end-to-end tests get it too.
TEST_KEY = new_key()

#: When the `kit` fixture's clock starts: a Wednesday, ten in the morning in Amsterdam.
START = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")).astimezone(UTC)


@dataclass
class RecordingChannel:
    """Keeps what was sent per chat; can be told to fail the next sends to a chat."""

    sent: list[tuple[str, Outgoing]] = field(default_factory=list)
    failures: dict[str, list[DeliveryError]] = field(default_factory=dict)
    edits: int = 0

    async def send(self, chat_id: str, message: Outgoing, lane: Lane = Lane.REPLY) -> None:
        pending = self.failures.get(chat_id)
        if pending:
            raise pending.pop(0)
        self.sent.append((chat_id, message))

    async def post(self, chat_id: str, message: Outgoing) -> str:
        await self.send(chat_id, message)
        return str(len(self.sent))

    async def edit(self, chat_id: str, message_id: str, message: Outgoing) -> None:
        """Replace the message with that id (its place in `sent`, counting from 1)."""
        index = int(message_id) - 1
        self.sent[index] = (chat_id, message)
        self.edits += 1

    def to(self, chat_id: str) -> list[Outgoing]:
        return [m for c, m in self.sent if c == chat_id]

    def headings(self, chat_id: str) -> list[str]:
        return [m.heading for m in self.to(chat_id) if m.heading]


@dataclass
class Kit:
    engine: Engine
    clock: FixedClock
    channel: RecordingChannel

    async def say(
        self, chat_id: str, text: str, first_name: str | None = "Sanne"
    ) -> list[Outgoing]:
        event = Incoming.from_text(Channel.CONSOLE, chat_id, text, first_name=first_name)
        return await self.engine.coach.handle(event)

    async def answer(self, chat_id: str, text: str) -> list[Outgoing]:
        """Type `text` as a participant does: the replies go through the chat's queue, and what
        the chat received meanwhile is returned."""
        before = len(self.channel.to(chat_id))
        event = Incoming.from_text(Channel.CONSOLE, chat_id, text, first_name="Sanne")
        await self.engine.conversation.answer(event)
        return self.channel.to(chat_id)[before:]

    async def tap(self, chat_id: str, data: str) -> list[Outgoing]:
        event = Incoming(Channel.CONSOLE, chat_id, Kind.BUTTON, data=data)
        return await self.engine.coach.handle(event)

    async def enrollment(self, chat_id: str, course: str = "twijfel") -> Enrollment:
        """The stored enrollment of the participant of a console chat."""
        p = await self.engine.store.participants.by_chat(Channel.CONSOLE, chat_id)
        assert p is not None
        e = await self.engine.store.enrollments.get(p.id, course)
        assert e is not None
        return e

    async def sign_up(self, chat_id: str, course: str = "twijfel", at: str = "07:00") -> None:
        await self.say(chat_id, "/start")
        await self.tap(chat_id, f"c:{course}")
        await self.tap(chat_id, f"t:{at}")
        await self.tap(chat_id, "z:ok")

    async def run_until(self, until: datetime, step: timedelta = timedelta(minutes=5)) -> None:
        """Let course time pass, ticking the dispatcher as a worker would."""
        while self.clock.now() < until:
            self.clock.set(min(self.clock.now() + step, until))
            await self.engine.dispatcher.tick()

    async def tick(self) -> int:
        return await self.engine.dispatcher.tick()


@asynccontextmanager
async def journey_kit(
    redis_url: str,
    keys: Keys,
    tmp_path: Path,
    start: datetime,
    courses_dir: Path | None = None,
    **settings_overrides: str,
) -> AsyncIterator[Kit]:
    settings = Settings.model_validate(
        {"redis_url": redis_url, "data_dir": tmp_path / "var", "key_prefix": keys.prefix,
         "courses_dir": courses_dir or BUILTIN_COURSES_DIR, "encryption_key": TEST_KEY,
         **settings_overrides}
    )  # fmt: skip
    clock = FixedClock(start)
    channel = RecordingChannel()
    async with engine(settings, clock=clock) as eng:
        eng.senders[Channel.CONSOLE] = channel
        yield Kit(eng, clock, channel)
