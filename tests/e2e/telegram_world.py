"""A Telegram world: druppel processes talking HTTP to a fake Bot API on loopback (real
python-telegram-bot long polling on the bot's side), and what a participant does there: sign up
through the buttons, wait for the next message, receive a course day."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Self

from bot.conversation.buttons import COMMON_TIMES
from bot.core import texts
from courses.models import Course
from courses.render import render_day
from scheduler.clock import Clock
from storage.models import Channel, Enrollment, EnrollmentStatus, Participant
from storage.store import Store
from tests.e2e.processes import (
    COURSES,
    FAST,
    REPLY,
    STARTUP,
    TZ,
    ZONE,
    Processes,
    local_hhmm,
    next_slot,
    shown,
)
from tests.fakes.telegram_api import FakeTelegram, SentMessage

TOKEN = "5550001:e2e-SECRET-token"


def day_texts(course: Course, number: int) -> list[str]:
    """What the participant sees of a day: the heading in bold above the first lesson part."""
    return [
        (f"{m.heading}\n\n{m.text}" if m.heading else m.text).strip()
        for m in render_day(course, number)
    ]


class TelegramWorld(Processes):
    """The fake Telegram, the Redis store and the druppel processes of one test."""

    SCRUB = (*Processes.SCRUB, "PTB_")

    def __init__(self, tg: FakeTelegram, store: Store, redis_url: str, tmp: Path) -> None:
        super().__init__(store, redis_url, tmp, FAST)
        self.tg = tg
        self.token = TOKEN
        self.taps = 0

    @classmethod
    @asynccontextmanager
    async def opened(cls, store: Store, redis_url: str, tmp: Path) -> AsyncIterator[Self]:
        async with FakeTelegram(token=TOKEN) as tg, cls(tg, store, redis_url, tmp).running() as w:
            yield w

    def world_env(self) -> dict[str, str]:
        return {
            "TELEGRAM_BOT_TOKEN": self.token,
            "TELEGRAM_API_BASE_URL": self.tg.root,
            "PTB_TIMEDELTA": "true",
            # Course time runs thousands of times faster than real time here, so the one real
            # second per message of per-chat pacing would be hours, and a course walked day by
            # day would wait on it (the fake keeps no flood control in these tests); the default
            # pacing has its own test (test_telegram_pacing.py).
            "TELEGRAM_CHAT_BURST": "100",
        }

    async def up(self) -> Clock:
        """`druppel run` on the shared clock; the clock, once the process has set it."""
        await self.set_clock()
        await self.start()
        return await self.clock()

    async def next(
        self,
        chat: int,
        match: Callable[[SentMessage], bool] | None = None,
        within: float = REPLY,
        since: int | None = None,
    ) -> SentMessage:
        """The chat's next (matching) message; on time-out, say what the processes logged."""
        try:
            return await self.tg.wait_for_message(chat, match, timeout=within, since=since)
        except TimeoutError as exc:
            raise AssertionError(f"{exc}\n{self.logs()}") from None

    def tap(self, chat: int, data: str) -> None:
        self.tg.user_taps(chat, data)
        self.taps += 1

    async def participant(self, chat: int) -> Participant:
        found = await self.store.participants.by_chat(Channel.TELEGRAM, str(chat))
        assert found is not None, f"no participant for chat {chat}"
        return found

    async def enrollment(self, chat: int, course_id: str = "partner") -> Enrollment:
        found = await self.store.enrollments.get((await self.participant(chat)).id, course_id)
        assert found is not None, f"chat {chat} is not enrolled in {course_id}"
        return found

    async def receive_day(self, chat: int, course: Course, number: int) -> list[SentMessage]:
        """Wait (up to a course day) for all of a day's messages and check them, in order."""
        expected = day_texts(course, number)
        first = await self.next(
            chat, lambda m: m.text.startswith(f"Dag {number} van "),
            within=self.real(timedelta(days=1)) + 5,
        )  # fmt: skip
        got = [first] + [await self.next(chat) for _ in expected[1:]]
        assert [m.text for m in got] == expected
        return got

    async def sign_up(
        self, chat: int, course_id: str, clock: Clock, *, deep_link: bool = False, name: str = ""
    ) -> str:
        """Sign up through the buttons; returns the delivery time chosen."""
        if deep_link:
            self.tg.user_sends(chat, f"/start {course_id}", first_name=name or "Sanne")
        else:
            self.tg.user_sends(chat, "/start", first_name=name or "Sanne")
            welcome = await self.next(chat, within=STARTUP)
            assert f"c:{course_id}" in welcome.callback_data
            self.tap(chat, f"c:{course_id}")
        chosen = await self.next(chat, within=STARTUP)
        assert chosen.text.startswith(f"Je kiest voor “{COURSES[course_id].title}”")
        ask_time = await self.next(chat)
        assert ask_time.callback_data == [f"t:{t}" for t in COMMON_TIMES] + ["t:?"]
        at = next_slot(clock, ahead=timedelta(hours=3))
        self.tap(chat, f"t:{at}")
        ask_zone = await self.next(chat)
        assert ask_zone.text == texts.ASK_ZONE.format(zone=shown(ZONE, clock.now()))
        self.tap(chat, "z:ok")
        confirmed = await self.next(chat)
        received = clock.now()
        enrollment = await self.enrollment(chat, course_id)
        assert enrollment.status is EnrollmentStatus.ACTIVE
        assert local_hhmm(enrollment.next_due) == at
        assert enrollment.next_due is not None
        expected = enrolled_texts(enrollment, COURSES[course_id].title, received)
        assert confirmed.text in expected, f"{confirmed.text!r} not in {expected!r}"
        return at


#: The trainer named in a `TrainerWorld`'s settings.
TRAINER = 5_000_011


class TrainerWorld(TelegramWorld):
    """The usual world, with a trainer named in the processes' settings."""

    def world_env(self) -> dict[str, str]:
        return {**super().world_env(), "TRAINER_IDS": str(TRAINER)}


def enrolled_texts(enrollment: Enrollment, title: str, received: datetime) -> set[str]:
    """The confirmation of a sign-up, with "vandaag" or "morgen" as seen when it was written: on
    the sped-up clock (a real second is hours) that moment lies between the enrolment and the
    confirmation's arrival (`received`), and midnight may fall in between."""
    assert enrollment.next_due is not None
    return {
        texts.ENROLLED.format(
            title=title,
            when=texts.when(enrollment.next_due.astimezone(TZ), seen.astimezone(TZ).date()),
            zone=shown(ZONE, seen),
        )
        for seen in (enrollment.started_at, received)
    }
