"""Delivery benchmarks: real `druppel worker` processes sending through python-telegram-bot to
the fake Bot API (`bench.platform`, a process of its own), with everything on a real Redis.

Every figure is timed on the fake's clock, from the moment the work became due (or the first
message arrived) to the message that completes it, so process start-up is not counted. Each
ratio's two sides run in the same `make bench`, one after the other, on the same servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any

import aiohttp

from bench import measure, profile
from bench.bare import lesson
from bench.platform import TOKEN
from bot.broadcast.runner import Runner
from scheduler.clock import RealClock
from storage.keys import enrollment_member
from storage.models import Broadcast, Channel, Enrollment
from storage.store import Store

ROOT = Path(__file__).resolve().parent.parent
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=30)
#: Messages in one day-1 lesson as druppel sends it (lesson parts, check-in, question).
PARTS = len(lesson())


@dataclass
class Sent:
    chat: int
    at: float
    method: str
    paid: bool


@dataclass
class Report:
    now: float
    floods: int
    sent: list[Sent]


class Platform:
    """The fake Bot API process and its control API."""

    def __init__(self) -> None:
        self._process: asyncio.subprocess.Process | None = None
        self._http: aiohttp.ClientSession | None = None
        self.api = ""
        self._control = ""
        self._sent: list[Sent] = []

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.platform", cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )  # fmt: skip
        assert self._process.stdout is not None
        line = await asyncio.wait_for(self._process.stdout.readline(), 30)
        where = json.loads(line)
        self.api, self._control = where["api"], where["control"]
        self._http = aiohttp.ClientSession(timeout=HTTP_TIMEOUT)

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._process is not None and self._process.returncode is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                await asyncio.wait_for(self._process.wait(), 10)
            except TimeoutError:
                self._process.kill()
                await self._process.wait()

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        assert self._http is not None
        async with self._http.post(self._control + path, json=body) as response:
            response.raise_for_status()
            answer: dict[str, Any] = await response.json()
            return answer

    async def setup(
        self, first: int, chats: int, delay: float = 0.0, limits: dict[str, float] | None = None
    ) -> float:
        """Forget what was sent, open the chats; returns the fake's clock now."""
        self._sent = []
        answer = await self._post("/setup", {"chats": [first, chats], "delay": delay,
                                             "limits": limits})  # fmt: skip
        return float(answer["now"])

    async def say(self, chat: int, text: str) -> float:
        return float((await self._post("/say", {"chat": chat, "text": text}))["at"])

    async def report(self) -> Report:
        """Everything sent since the last setup (fetched in pieces: only what is new)."""
        assert self._http is not None
        async with self._http.get(
            self._control + "/report", params={"since": str(len(self._sent))}
        ) as response:
            response.raise_for_status()
            raw = await response.json()
        self._sent += [Sent(int(c), float(at), str(m), bool(p)) for c, at, m, p in raw["sent"]]
        return Report(float(raw["now"]), int(raw["floods"]), list(self._sent))

    async def wait_for(self, messages: int, within: float, what: str) -> Report:
        """Poll until `messages` new messages have arrived."""
        deadline = time.monotonic() + within
        while True:
            report = await self.report()
            if len([s for s in report.sent if not s.method.startswith("edit")]) >= messages:
                return report
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what}: {len(report.sent)} of {messages} after {within:.0f}s")
            await asyncio.sleep(0.25)


async def enroll(store: Store, first_chat: int, people: int, due: datetime) -> list[str]:
    """`people` Telegram participants, each with day 1 of a course owed at `due` (not yet in the
    due index: see `make_due`)."""
    sem = asyncio.Semaphore(64)

    async def one(chat: int) -> str:
        async with sem:
            p, _ = await store.participants.get_or_create(
                Channel.TELEGRAM, str(chat), now=due, delivery_time=day_time(due.hour, due.minute)
            )
            await store.enrollments.save(
                Enrollment(participant_id=p.id, course_id="twijfel", started_at=due, next_due=due)
            )
            return p.id

    return list(await asyncio.gather(*(one(first_chat + i) for i in range(people))))


#: Members one ZADD makes due: MONITOR's reader takes lines of up to 64 KB.
DUE_AT_ONCE = 500


async def make_due(store: Store, pids: Sequence[str], due: datetime) -> int:
    """Their lessons in the due index, 500 to a command; returns how many commands it took."""
    members = [enrollment_member(pid, "twijfel") for pid in pids]
    chunks = [members[i : i + DUE_AT_ONCE] for i in range(0, len(members), DUE_AT_ONCE)]
    for chunk in chunks:
        await store.redis.zadd(store.keys.due(), dict.fromkeys(chunk, due.timestamp()))
    return len(chunks)


async def seed(store: Store, first_chat: int, people: int, due: datetime) -> list[str]:
    """`people` Telegram participants, each with day 1 of a course due at `due`."""
    pids = await enroll(store, first_chat, people, due)
    await make_due(store, pids, due)
    return pids


@dataclass
class Druppel:
    """Where the druppel processes find Redis and the platform, and their limits."""

    redis_url: str
    prefix: str
    folder: Path
    api: str
    #: The key the bench's store seals with: the processes must open what it wrote.
    key: str

    def env(self, **settings: str) -> dict[str, str]:
        ours = ("DRUPPEL_", "TELEGRAM_", "REDIS_", "DEFAULT_TIMEZONE", "OPERATOR_", "TRAINER_")
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith(ours)}
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=self.api,
            REDIS_URL=self.redis_url,
            DRUPPEL_KEY_PREFIX=self.prefix,
            DRUPPEL_DATA_DIR=str(self.folder / "var"),
            DRUPPEL_ENCRYPTION_KEY=self.key,
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        )
        env.update(settings)
        return env

    async def start(self, command: str, log: str, **settings: str) -> asyncio.subprocess.Process:
        with (self.folder / f"{log}.log").open("ab") as out:
            return await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.app.cli", command, env=self.env(**settings),
                cwd=self.folder, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
            )  # fmt: skip


async def stop(processes: Sequence[asyncio.subprocess.Process]) -> None:
    for process in processes:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


def rate(sent: Sequence[Sent]) -> float:
    """Messages a second from the first arrival to the last."""
    if len(sent) < 2:
        return 0.0
    times = sorted(s.at for s in sent)
    return (len(times) - 1) / (times[-1] - times[0])


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


#: Telegram's limit for paid broadcasts, messages a second (the fake keeps it too).
PAID_LIMIT = 1000.0

NO_LIMITS = {
    "TELEGRAM_MAX_PER_SECOND": "1000",
    "TELEGRAM_BULK_PER_SECOND": "1000",
    "TELEGRAM_CHAT_BURST": "100",
}


#: Handlers one druppel worker runs at once (scheduler.dispatcher.Dispatcher.concurrency), and
#: so the chats the bare sender serves at once.
CONCURRENCY = 32


PROFILE = "dispatch-profile.txt"


@dataclass
class Spent:
    """What a worker spent on the messages of one run: CPU seconds (None where it cannot be
    read) and the Redis commands the server ran meanwhile, by name."""

    messages: int
    cpu_s: float | None
    commands: Counter[str]
    redis_cpu_s: float


async def _dispatch(
    store: Store, druppel: Druppel, platform: Platform, first: int, people: int, delay: float,
    log: str, during: Callable[[int], Awaitable[None]] | None = None,
    watch: measure.Watch | None = None,
) -> tuple[Report, Spent]:  # fmt: skip
    """One worker sends `people` due lessons; counted from the moment they fall due (its
    start-up is not) to the last message's arrival."""
    await platform.setup(first, people, delay)
    now = datetime.now(UTC)
    pids = await enroll(store, first, people, now)
    worker = await druppel.start("worker", log, **NO_LIMITS)
    try:
        await measure.started(druppel.folder / f"{log}.log")
        cpu0, before = measure.cpu_seconds(worker.pid), await measure.commands(store.redis)
        redis0 = await measure.redis_cpu_seconds(store.redis)
        async with watch or contextlib.nullcontext():
            zadds = await make_due(store, pids, now)
            waiting = platform.wait_for(people * PARTS, 600, f"druppel's dispatch ({log})")
            if during is None:
                report = await waiting
            else:
                report, _ = await asyncio.gather(waiting, during(worker.pid))
            cpu1, after = measure.cpu_seconds(worker.pid), await measure.commands(store.redis)
            redis1 = await measure.redis_cpu_seconds(store.redis)
    finally:
        await stop([worker])
    after.subtract(before)
    after.subtract({"info": 2, "zadd": zadds})  # the reading itself, and making them due
    if watch is not None:
        watch.sent.subtract({"zadd": zadds})
    cpu = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
    return report, Spent(people * PARTS, cpu, +after, redis1 - redis0)


async def _profile(
    store: Store, druppel: Druppel, platform: Platform, first: int, people: int, delay: float
) -> dict[str, Any]:
    """The same dispatch once more, sampled by py-spy and watched by MONITOR: apart from the
    measured one, as sampling pauses the process it samples and MONITOR slows Redis."""
    sampled: list[bool] = []

    async def sample(pid: int) -> None:
        await asyncio.sleep(1)  # past the first claims
        sampled.append(await profile.record(pid, 8, druppel.folder / PROFILE))

    watch = measure.Watch(store.redis)
    _, spent = await _dispatch(
        store, druppel, platform, first, people, delay, "dispatch-profiled", sample, watch
    )
    out: dict[str, Any] = {}
    sent = sum(watch.sent.values())
    if sent:
        per = spent.messages
        out["redis_calls_per_message"] = round(sent / per, 2)
        out["redis_calls_by_command"] = {
            name: round(n / per, 3) for name, n in watch.sent.most_common()
        }
        out["redis_script_commands_per_message"] = round(sum(watch.in_scripts.values()) / per, 2)
    if sampled and sampled[0]:
        out["dispatch_profile"] = profile.summarize(druppel.folder / PROFILE)
    return out


async def dispatch_vs_bare(
    store: Store, druppel: Druppel, platform: Platform, people: int = 5_000, delay: float = 0.005
) -> dict[str, Any]:
    """One worker sending `people` due lessons, against plain PTB sending as many messages."""
    messages = people * PARTS
    ours, spent = await _dispatch(store, druppel, platform, 1_000_000, people, delay, "dispatch")
    first = 2_000_000
    await platform.setup(first, people, delay)
    bare = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.bare", platform.api, str(first), str(people),
        str(CONCURRENCY), cwd=ROOT, stdout=subprocess.PIPE,
    )  # fmt: skip
    said, _ = await asyncio.wait_for(bare.communicate(), 600)
    bare_cpu = float(json.loads(said.decode().strip().splitlines()[-1])["cpu_s"])
    theirs = await platform.wait_for(messages, 10, "bare PTB")
    druppel_rate, bare_rate = rate(ours.sent), rate(theirs.sent)
    out: dict[str, Any] = {
        "dispatch_messages": float(messages),
        "dispatch_druppel_msgs_per_s": round(druppel_rate, 1),
        "dispatch_bare_msgs_per_s": round(bare_rate, 1),
        "dispatch_vs_bare_ratio": round(druppel_rate / bare_rate, 3),
        "redis_commands_per_message": round(sum(spent.commands.values()) / messages, 2),
        "redis_cpu_ms_per_message": round(spent.redis_cpu_s * 1000 / messages, 3),
        "load_average": round(os.getloadavg()[0], 2),
    }
    out["bare_cpu_ms_per_message"] = round(bare_cpu * 1000 / messages, 3)
    if spent.cpu_s is not None:
        out["cpu_ms_per_message"] = round(spent.cpu_s * 1000 / messages, 3)
        out["cpu_vs_bare_ratio"] = round(spent.cpu_s / bare_cpu, 3)
    print(f"  dispatch: {messages} messages ({people} lessons), one worker "
          f"{druppel_rate:.0f}/s vs bare PTB {bare_rate:.0f}/s; "
          f"{out.get('cpu_ms_per_message', '?')} ms CPU (bare PTB "
          f"{out['bare_cpu_ms_per_message']}) and "
          f"{out['redis_commands_per_message']} Redis commands (scripts' own included) a "
          f"message; load average {out['load_average']}")  # fmt: skip
    out.update(await _profile(store, druppel, platform, 2_500_000, min(people, 2_000), delay))
    if "redis_calls_per_message" in out:
        each = ", ".join(f"{k} {v}" for k, v in out["redis_calls_by_command"].items())
        print(f"  Redis commands sent a message (MONITOR, in the profiled run): "
              f"{out['redis_calls_per_message']}, of which {each}")  # fmt: skip
    if "dispatch_profile" in out:
        print("  where one worker's time goes (py-spy, while it holds the GIL):")
        for name, share in out["dispatch_profile"].items():
            print(f"    {share * 100:5.1f}%  {name}")
    else:
        print("  (no profile: py-spy is not installed or may not attach here)")
    return out


def limits(budget: float, **more: float) -> dict[str, float]:
    """The fake's flood control at `budget` messages a second, with a burst of a second's worth
    (as it models Telegram: 30/s, 30 at once) and Telegram's per-chat pace."""
    return {"global_per_second": budget, "global_burst": max(1, int(budget)),
            "per_chat_per_second": 1.0, "per_chat_burst": 3, **more}  # fmt: skip


def paced(budget: float) -> dict[str, str]:
    """druppel's limiter at the same budget, for lessons and broadcasts alike."""
    return {"TELEGRAM_MAX_PER_SECOND": f"{budget:g}", "TELEGRAM_BULK_PER_SECOND": f"{budget:g}",
            "TELEGRAM_CHAT_BURST": "3"}  # fmt: skip


#: Handlers per worker in the scale-out figure: few enough that one worker waits on the platform
#: (30 ms an answer) rather than on its CPU, so what is measured is whether a second worker
#: adds as much again through the same Redis, not how many cores this machine has.
SCALE_CONCURRENCY = 6


async def _throughput(
    store: Store, druppel: Druppel, platform: Platform, first: int, people: int, workers: int,
    delay: float,
) -> float:  # fmt: skip
    await platform.setup(first, people, delay)
    await seed(store, first, people, datetime.now(UTC))
    running = [await druppel.start("worker", f"scale-{workers}-{n}", **NO_LIMITS,
                                   DRUPPEL_WORKER_CONCURRENCY=str(SCALE_CONCURRENCY))
               for n in range(workers)]  # fmt: skip
    try:
        report = await platform.wait_for(people * PARTS, 600, f"{workers} worker(s)")
    finally:
        await stop(running)
    return rate(report.sent)


async def two_workers_vs_one(
    store: Store, druppel: Druppel, platform: Platform, people: int = 2_000, delay: float = 0.030
) -> dict[str, float]:
    one = await _throughput(store, druppel, platform, 3_000_000, people, 1, delay)
    two = await _throughput(store, druppel, platform, 4_000_000, people, 2, delay)
    print(
        f"  scale-out: one worker {one:.0f} messages/s, two {two:.0f}/s (the platform "
        f"answering after {delay * 1000:.0f} ms, {SCALE_CONCURRENCY} chats at once each)"
    )
    return {
        "one_worker_msgs_per_s": round(one, 1),
        "two_workers_msgs_per_s": round(two, 1),
        "two_workers_vs_one_ratio": round(two / one, 3),
    }


async def lateness(
    store: Store, druppel: Druppel, platform: Platform, people: int = 3_000,
    budget: float = 150.0, workers: int = 2,
) -> dict[str, float]:  # fmt: skip
    """`people` lessons due at one moment, with druppel and the fake at the same budget."""
    first = 5_000_000
    await platform.setup(first, people, 0.0, limits(budget))
    await seed(store, first, people, datetime.now(UTC))
    running = [await druppel.start("worker", f"late-{n}", **paced(budget))
               for n in range(workers)]  # fmt: skip
    try:
        report = await platform.wait_for(people * PARTS, 900, "the 07:00 crowd")
    finally:
        await stop(running)
    sent = sorted(report.sent, key=lambda s: s.at)
    t0 = sent[0].at  # the moment the first worker was up: its start-up is not druppel's lateness
    firsts: dict[int, float] = {}
    wholes: dict[int, float] = {}
    for s in sent:
        firsts.setdefault(s.chat, s.at - t0)
        wholes[s.chat] = s.at - t0
    messages = people * PARTS
    floor = messages / budget
    last = max(wholes.values())
    first_p99 = percentile(list(firsts.values()), 0.99)
    out = {
        "lateness_people": float(people),
        "lateness_budget_per_s": budget,
        "lateness_last_whole_lesson_s": round(last, 2),
        "lateness_floor_s": round(floor, 2),
        "lateness_floor_ratio": round(last / floor, 3),
        "first_message_p99_s": round(first_p99, 2),
        "first_message_p99_ratio": round(first_p99 / (people / budget), 3),
        "lateness_p50_s": round(percentile(list(wholes.values()), 0.50), 2),
        "lateness_p99_s": round(percentile(list(wholes.values()), 0.99), 2),
        "lateness_429s": float(report.floods),
    }
    print(f"  07:00: {people} lessons ({messages} messages) at {budget:g}/s: the last whole "
          f"lesson after {last:.1f} s (floor {floor:.1f} s); first messages p99 "
          f"{first_p99:.1f} s; {report.floods} 429s")  # fmt: skip
    return out


async def broadcast(
    store: Store, druppel: Druppel, platform: Platform, people: int = 3_000,
    budget: float = 100.0, paid: bool = False, askers: int = 20, workers: int = 1,
) -> dict[str, float]:  # fmt: skip
    """A broadcast to `people` through a polling `druppel run`, with the fake at the same
    budget; meanwhile `askers` participants each type a command and wait for the answer."""
    first = 6_000_000 if not paid else 7_000_000
    trainer = first - 1
    # Paid: the fake allows Telegram's 1,000 a second to paid sends, 30 to the rest.
    fake = limits(30.0, paid_per_second=PAID_LIMIT) if paid else limits(budget)
    await platform.setup(trainer, people + askers + 1, 0.0, fake)
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=12)
    # The askers are participants too, but not in the broadcast: what they get is their answer.
    pids = (await seed(store, first, people + askers, later))[:people]
    settings = {"TELEGRAM_PAID_BROADCAST": "true", "TELEGRAM_PAID_PER_SECOND": f"{budget:g}",
                **paced(30.0)} if paid else paced(budget)  # fmt: skip
    name = "broadcast" + ("-paid" if paid else "")
    # The polling bot (it answers the askers) and one worker, as the Procfile runs them.
    bot = await druppel.start("run", name, **settings)
    running = [bot] + [await druppel.start("worker", f"{name}-worker-{n}", **settings)
                       for n in range(workers)]  # fmt: skip
    latencies: list[float] = []
    try:
        # Start-up (reading the courses and the safety net) is not what is measured.
        logs = [name, *(f"{name}-worker-{n}" for n in range(workers))]
        await asyncio.gather(*(measure.started(druppel.folder / f"{log}.log") for log in logs))
        await asyncio.sleep(2)  # the bot is polling
        cpu0 = [measure.cpu_seconds(p.pid) for p in running]
        now = datetime.now(UTC)
        bid = secrets.token_hex(8)
        b = Broadcast(id=bid, by=str(trainer), segment="active", segment_label="Iedereen",
                      text="Een bericht van je trainer: morgen is er een extra sessie.",
                      total=people, created_at=now, progress_chat=str(trainer))  # fmt: skip
        await Runner(store, RealClock(), {}).start(b, pids)
        recipients = range(first, first + people)

        def received(report: Report) -> list[Sent]:
            return [s for s in report.sent if s.chat in recipients and s.method == "sendMessage"]

        # Replies while it runs.
        for n in range(askers if not paid else 0):
            await asyncio.sleep(0.4)
            chat = first + people + n
            at = await platform.say(chat, "/help")
            while True:
                report = await platform.report()
                answers = [s for s in report.sent if s.chat == chat and s.at >= at]
                if answers:
                    latencies.append(answers[0].at - at)
                    break
                if report.now - at > 30:
                    latencies.append(30.0)
                    break
                await asyncio.sleep(0.02)
        deadline = time.monotonic() + 900
        while True:
            report = await platform.report()
            got = received(report)
            if len({s.chat for s in got}) >= people:
                cpu1 = [measure.cpu_seconds(p.pid) for p in running]
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"broadcast: {len(got)} of {people} after 900 s")
            await asyncio.sleep(0.25)
    finally:
        await stop(running)
    firsts: dict[int, float] = {}
    for s in sorted(got, key=lambda s: s.at):
        firsts.setdefault(s.chat, s.at)
    achieved = rate([Sent(c, at, "sendMessage", False) for c, at in firsts.items()])
    key = "paid_broadcast" if paid else "broadcast"
    out = {
        f"{key}_people": float(people),
        f"{key}_budget_per_s": budget,
        f"{key}_msgs_per_s": round(achieved, 1),
        f"{key}_rate_vs_budget": round(achieved / budget, 3),
        f"{key}_429s": float(report.floods),
    }
    if paid:
        out["paid_broadcast_rate"] = round(achieved, 1)
        out["paid_broadcast_rate_vs_limit"] = round(achieved / PAID_LIMIT, 3)
        out["paid_broadcast_processes"] = float(len(running))
        out["paid_broadcast_messages_paid"] = float(sum(1 for s in got if s.paid))
        spent = [b - a for a, b in zip(cpu0, cpu1, strict=True) if a is not None and b is not None]
        if len(spent) == len(running):
            out["paid_broadcast_cpu_ms_per_message"] = round(sum(spent) * 1000 / people, 3)
    elif latencies:
        out["reply_latency_p50_s"] = round(percentile(latencies, 0.5), 3)
        out["reply_latency_p99_s"] = round(percentile(latencies, 0.99), 3)
    cost = out.get("paid_broadcast_cpu_ms_per_message", "?")
    more = f"; {len(running)} processes, {cost} ms of their CPU a message" if paid else ""
    if latencies:
        more += f"; replies meanwhile p99 {out['reply_latency_p99_s']:.2f} s"
    print(f"  {'paid ' if paid else ''}broadcast to {people}: {achieved:.0f}/s against a budget "
          f"of {budget:g}/s, {report.floods} 429s{more}")  # fmt: skip
    return out
