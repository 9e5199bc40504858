"""druppel as real processes for an end-to-end test: the settings they start with, the course clock
they share (sped up thousands of times, anchored in Redis), bounded waits, and their logs.

A world (tests/e2e/telegram_world.py, tests/e2e/whatsapp_world.py) is these processes around one
fake platform; the `world` fixture (tests/e2e/conftest.py) gives a test one.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, NamedTuple, Self, TypeVar
from zoneinfo import ZoneInfo

from bot.conversation.buttons import COMMON_TIMES
from bot.core import texts
from courses.loader import load_course_dir
from scheduler.clock import Clock, make_clock
from scheduler.localtime import parse_time_of_day
from scheduler.places import zone_label
from storage.store import Store
from tests.journey_kit import TEST_KEY

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
ZONE = "Europe/Amsterdam"
TZ = ZoneInfo(ZONE)
COURSES = load_course_dir(ROOT / "courses")
PARTNER = COURSES["partner"]

#: Course seconds per real second. PRECISE (a course day in ten seconds) where the test pins
#: lesson times; FAST (five seconds a day) where it walks through several days.
PRECISE = 8640.0
FAST = 17280.0
TICK = "0.05"
#: Real seconds a lesson may come after its time: a few ticks, and room for a busy machine.
SLACK_REAL = 0.3
#: Real seconds from spawning the process to its first answer, generously.
STARTUP = 30.0
#: Real seconds for any one reply once the bot runs.
REPLY = 10.0
#: About how long the process takes to start; the clock is set so that course time is early
#: morning then, before the offered delivery times.
STARTUP_GUESS = 1.5
#: A Monday in June, far from daylight saving changes, at four in the morning.
READY_AT = datetime(2031, 6, 2, 4, 0, tzinfo=TZ)


def shown(zone: str, now: datetime) -> str:
    """A zone as the bot shows it at course time `now` ("Amsterdam (UTC+1)")."""
    return zone_label(zone, now)


def next_slot(clock: Clock, ahead: timedelta) -> str:
    """The first offered delivery time at least `ahead` of now, so sign-up ends before it."""
    now = clock.now().astimezone(TZ)
    candidates = []
    for date in (now.date(), now.date() + timedelta(days=1)):
        for hhmm in COMMON_TIMES:
            at = parse_time_of_day(hhmm)
            assert at is not None
            when = datetime.combine(date, at, tzinfo=TZ)
            if when >= now + ahead:
                candidates.append((when, hhmm))
    return min(candidates)[1]


def local_hhmm(at: datetime | None) -> str:
    assert at is not None
    return texts.hhmm(at.astimezone(TZ).time())


async def eventually(probe: Callable[[], Awaitable[T | None]], within: float, what: str) -> T:
    """Poll `probe` until it gives something truthy; fail after `within` real seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await probe()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"not within {within}s: {what}")
        await asyncio.sleep(0.02)


class Druppel:
    """One running druppel process; its output goes to a log file the test can read."""

    def __init__(self, command: str, process: asyncio.subprocess.Process, log: Path) -> None:
        self.command = command
        self.process = process
        self.log = log

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    async def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Signal the process and wait for it, killing it if it does not stop in time."""
        if self.process.returncode is None:
            self.process.send_signal(sig)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        code = self.process.returncode
        assert code is not None
        return code


class WorldRedis(NamedTuple):
    """Where a world keeps its data: a store and the URL its processes connect to."""

    store: Store
    url: str


class Processes(ABC):
    """The druppel processes of one test, the settings they get, and their logs. A kind of world
    adds its fake platform and what the processes need to reach it (`world_env`)."""

    #: Variables of the test's own environment not passed on: druppel's settings and the like.
    SCRUB: tuple[str, ...] = ("DRUPPEL_", "TELEGRAM_", "REDIS_URL", "DEFAULT_TIMEZONE", "METRICS_")

    def __init__(self, store: Store, redis_url: str, tmp: Path, speed: float) -> None:
        self.store = store
        self.redis_url = redis_url
        self.tmp = tmp
        self.speed = speed
        self.log_level = "INFO"
        self.processes: list[Druppel] = []
        #: Settings of the test's own, on top of the ones every test shares.
        self.extra_env: dict[str, str] = {}
        self._logs: list[IO[bytes]] = []

    @classmethod
    @abstractmethod
    def opened(cls, store: Store, redis_url: str, tmp: Path) -> AbstractAsyncContextManager[Self]:
        """A world of this kind around its fake platform; every process is stopped after."""

    @abstractmethod
    def world_env(self) -> dict[str, str]:
        """What this kind of world sets on top of what every process gets."""

    def env(self) -> dict[str, str]:
        """The process's environment: ours without druppel's settings, then the world's, then
        the test's own."""
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith(self.SCRUB)}
        env.update(
            REDIS_URL=self.redis_url,
            DRUPPEL_KEY_PREFIX=self.store.keys.prefix,
            DRUPPEL_CLOCK_SPEED=f"{self.speed:g}",
            DRUPPEL_TICK_SECONDS=TICK,
            DRUPPEL_DATA_DIR=str(self.tmp / "var"),
            DRUPPEL_LOG_LEVEL=self.log_level,
            METRICS_PORT="0",  # any free port: tests side by side never share one
            DRUPPEL_ENCRYPTION_KEY=TEST_KEY,
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        )
        env.update(self.world_env())
        env.update(self.extra_env)
        return env

    async def set_clock(self) -> None:
        """Anchor the shared clock so course time reads READY_AT about when the bot is up.

        The engine keeps an anchor already in Redis (that is how processes share a clock), so
        the test chooses the course's calendar: a fixed date, and early morning at sign-up.
        """
        real_now = datetime.now(UTC)
        course_now = READY_AT - timedelta(seconds=STARTUP_GUESS * self.speed)
        anchor = real_now + (real_now - course_now) / (self.speed - 1)
        await self.store.redis.set(self.store.keys.clock_anchor(), anchor.isoformat())

    async def start(self, command: str = "run") -> Druppel:
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

    async def clock(self) -> Clock:
        """The course clock every druppel process shares, from the anchor in Redis."""
        key = self.store.keys.clock_anchor()
        raw = await eventually(lambda: self.store.redis.get(key), STARTUP, "a clock anchor")
        return make_clock(self.speed, datetime.fromisoformat(str(raw)))

    def real(self, course: timedelta) -> float:
        return course.total_seconds() / self.speed

    def slack(self) -> timedelta:
        return timedelta(seconds=SLACK_REAL * self.speed)

    def logs(self) -> str:
        return "\n".join(f"--- {p.log.name}\n{p.output()[-4000:]}" for p in self.processes)

    async def until(self, clock: Clock, at: datetime) -> None:
        """Sleep until the course clock shows `at` (bounded by its real-time equivalent)."""
        bound = self.real(at - clock.now()) + 2.0
        await asyncio.wait_for(clock.sleep_until(at), max(bound, 0.5))

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Self]:
        """This world; afterwards every process started in it is stopped, and its logs are
        shown if the test failed."""
        try:
            yield self
        finally:
            for druppel in self.processes:
                await druppel.stop()
            for handle in self._logs:
                handle.close()
            print(self.logs())  # shown by pytest only when the test failed
