"""The morning wave: a crowd's lessons due at one moment, sent as paid broadcasts at Telegram's
1,000 a second, by a polling `druppel run` and as many `druppel worker` processes as the bench
asks for; meanwhile participants type a command and wait for the answer.

The fake platform allows 1,000 paid messages a second (and 30 unpaid, with each chat's one a
second); druppel paces paid sends at the same 1,000. The time to the last whole lesson is held
against the floor (messages ÷ 1,000 a second), on the fake's clock from the first message that
arrives. The CPU every druppel process and the fake spent is read from /proc, so the figure
comes with what it cost on this machine's cores.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import measure
from bench.delivery import (
    PAID_LIMIT,
    PARTS,
    Druppel,
    Platform,
    enroll,
    limits,
    make_due,
    paced,
    percentile,
    rate,
    stop,
)
from storage.store import Store

#: Worker processes beside the polling `druppel run` (which also sends).
WORKERS = 3
#: Seconds between two participants typing a command while the wave runs.
ASK_EVERY = 0.5


def paid_settings() -> dict[str, str]:
    """Paid broadcasting at the platform's limit; replies keep the free pace."""
    return {"TELEGRAM_PAID_BROADCAST": "true", "TELEGRAM_PAID_PER_SECOND": f"{PAID_LIMIT:g}",
            **paced(30.0)}  # fmt: skip


async def morning_wave(
    store: Store, druppel: Druppel, platform: Platform, people: int = 20_000,
    workers: int = WORKERS, askers: int = 20,
) -> dict[str, Any]:  # fmt: skip
    """`people` lessons due at once at the paid limit; `askers` others type /help meanwhile."""
    first = 8_000_000
    await platform.setup(first, people + askers, 0.0, limits(30.0, paid_per_second=PAID_LIMIT))
    now = datetime.now(UTC)
    pids = await enroll(store, first, people, now)
    await enroll(store, first + people, askers, now + timedelta(hours=12))
    settings = paid_settings()
    running = [await druppel.start("run", "wave-run", **settings)]
    running += [await druppel.start("worker", f"wave-{n}", **settings) for n in range(workers)]
    crowd = range(first, first + people)
    latencies: list[float] = []
    try:
        logs = ["wave-run", *(f"wave-{n}" for n in range(workers))]
        await asyncio.gather(*(measure.started(druppel.folder / f"{log}.log") for log in logs))
        await asyncio.sleep(2)  # the bot is polling
        pids_cpu = [p.pid for p in running] + [platform.pid]
        cpu0 = [measure.cpu_seconds(pid) for pid in pids_cpu]
        await make_due(store, pids, now)
        deadline = time.monotonic() + 1800
        asked = 0
        next_ask = time.monotonic() + 2
        while True:
            report = await platform.report()
            wave = [s for s in report.sent if s.chat in crowd and s.method == "sendMessage"]
            if len(wave) >= people * PARTS:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"morning wave: {len(wave)} of {people * PARTS} after 30 min")
            if asked < askers and time.monotonic() >= next_ask:
                latencies.append(await _ask(platform, first + people + asked))
                asked += 1
                next_ask = time.monotonic() + ASK_EVERY
            await asyncio.sleep(0.5)
        cpu1 = [measure.cpu_seconds(pid) for pid in pids_cpu]
    finally:
        await stop(running)
    messages = people * PARTS
    t0 = min(s.at for s in wave)
    wholes: dict[int, float] = {}
    for s in wave:
        wholes[s.chat] = max(wholes.get(s.chat, 0.0), s.at - t0)
    last = max(wholes.values())
    floor = messages / PAID_LIMIT
    spent = [b - a for a, b in zip(cpu0, cpu1, strict=True) if a is not None and b is not None]
    out: dict[str, Any] = {
        "wave_people": float(people),
        "wave_workers": float(workers + 1),
        "wave_msgs_per_s": round(rate(wave), 1),
        "wave_last_whole_lesson_s": round(last, 2),
        "wave_floor_s": round(floor, 2),
        "morning_wave_lateness_vs_floor": round(last / floor, 3),
        "wave_429s": float(report.floods),
        "wave_paid_share": round(sum(1 for s in wave if s.paid) / len(wave), 3),
    }
    if len(spent) == len(pids_cpu):
        out["wave_druppel_cpu_ms_per_message"] = round(sum(spent[:-1]) * 1000 / messages, 3)
        out["wave_platform_cpu_ms_per_message"] = round(spent[-1] * 1000 / messages, 3)
    if latencies:
        out["wave_reply_latency_p50_s"] = round(percentile(latencies, 0.5), 3)
        out["wave_reply_latency_p99_s"] = round(percentile(latencies, 0.99), 3)
    print(f"  morning wave: {people} lessons ({messages} messages) at the paid limit with "
          f"{workers} workers and the bot: {out['wave_msgs_per_s']:.0f}/s, the last whole lesson "
          f"after {last:.1f} s (floor {floor:.0f} s); {report.floods} 429s; replies p99 "
          f"{out.get('wave_reply_latency_p99_s', '?')} s; CPU a message: druppel "
          f"{out.get('wave_druppel_cpu_ms_per_message', '?')} ms, the fake "
          f"{out.get('wave_platform_cpu_ms_per_message', '?')} ms")  # fmt: skip
    return out


async def _ask(platform: Platform, chat: int) -> float:
    """One participant types /help; seconds until the answer arrives (30 when none does)."""
    seen = len((await platform.report()).sent)
    at = await platform.say(chat, "/help")
    while True:
        report = await platform.report()
        answers = [s.at for s in report.sent[seen:] if s.chat == chat and s.at >= at]
        if answers:
            return min(answers) - at
        if report.now - at > 30:
            return 30.0
        await asyncio.sleep(0.02)
