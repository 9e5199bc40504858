"""`make bench`: druppel against the platform's ceiling, every ratio's two sides in one run.

Real `druppel` processes send through python-telegram-bot to the fake Bot API (a process of
its own on loopback) on a real Redis (embedded unless REDIS_URL is set); see bench/delivery.py
and bench/storage.py for what each figure means. Prints a table and writes bench/results.json.
`python -m bench --quick` runs everything smaller, to try the harness; `--only=dispatch,paid`
runs only the steps named (results.json then holds only theirs).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import secrets
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import delivery, wave
from bench import safety as safety_bench
from bench import storage as storage_bench
from bench.delivery import Druppel, Platform
from bot.app.settings import Settings
from storage.crypto import new_key
from storage.embedded import socket_path_for
from storage.store import open_store

RESULTS = Path(__file__).resolve().parent / "results.json"

#: (key, goal, "min" when the figure must reach the goal, "max" when it must stay under it).
GOALS: list[tuple[str, float, str]] = [
    ("dispatch_vs_bare_ratio", 1.5, "min"),
    ("cpu_ms_per_message", 1.0, "max"),
    ("redis_calls_per_message", 2.0, "max"),
    ("claim_1m_vs_1k_ratio", 1.5, "max"),
    # What a participant costs in the clear, and what sealing their chat id and name (and
    # filing their chat under an HMAC) adds to it.
    ("redis_bytes_per_participant_plain", 600, "max"),
    ("encryption_bytes_per_participant", 100, "max"),
    ("two_workers_vs_one_ratio", 1.6, "min"),
    ("broadcast_rate_vs_budget", 0.95, "min"),
    ("broadcast_429s", 0, "max"),
    ("lateness_floor_ratio", 1.1, "max"),
    ("first_message_p99_ratio", 1.1, "max"),
    ("reply_latency_p99_s", 1.0, "max"),
    ("paid_broadcast_rate_vs_limit", 0.9, "min"),
    ("morning_wave_lateness_vs_floor", 1.1, "max"),
    ("wave_reply_latency_p99_s", 1.0, "max"),
    ("safety_scan_ms_p99", 5.0, "max"),
]
REPORTED = [
    "redis_commands_per_message",
    "redis_script_commands_per_message",
    "redis_cpu_ms_per_message",
    "bare_cpu_ms_per_message",
    "cpu_vs_bare_ratio",
    "load_average",
    "redis_bytes_per_participant",
    "redis_bytes_per_reflection",
    "redis_bytes_per_reflection_encrypted",
    "dispatch_druppel_msgs_per_s",
    "dispatch_bare_msgs_per_s",
    "one_worker_msgs_per_s",
    "two_workers_msgs_per_s",
    "broadcast_msgs_per_s",
    "lateness_last_whole_lesson_s",
    "lateness_floor_s",
    "lateness_p50_s",
    "lateness_p99_s",
    "first_message_p99_s",
    "reply_latency_p50_s",
    "paid_broadcast_rate",
    "paid_broadcast_429s",
    "paid_broadcast_processes",
    "paid_broadcast_cpu_ms_per_message",
    "wave_msgs_per_s",
    "wave_last_whole_lesson_s",
    "wave_floor_s",
    "wave_429s",
    "wave_paid_share",
    "wave_druppel_cpu_ms_per_message",
    "wave_platform_cpu_ms_per_message",
    "wave_reply_latency_p50_s",
    "safety_scan_ms_p50",
    "safety_scan_mixed_ms_p99",
    "safety_scan_ordinary_ms_p99",
]


def table(results: dict[str, Any]) -> str:
    rows = ["", f"{'figure':<38} {'value':>12} {'goal':>10}  ", "-" * 66]
    for key, goal, kind in GOALS:
        if key not in results:
            rows.append(f"{key:<38} {'(not run)':>12}")
            continue
        value = float(results[key])
        met = value >= goal if kind == "min" else value <= goal
        sign = "≥" if kind == "min" else "≤"
        rows.append(f"{key:<38} {value:>12g} {sign + format(goal, 'g'):>10}  "
                    f"{'met' if met else 'NOT MET'}")  # fmt: skip
    for key in REPORTED:
        if key in results:
            rows.append(f"{key:<38} {float(results[key]):>12g}")
    return "\n".join(rows)


async def main(quick: bool, only: set[str] | None = None) -> int:
    settings = Settings()
    prefix = f"bench{secrets.token_hex(3)}"
    scale = 0.1 if quick else 1.0
    started = time.monotonic()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="druppel-bench-") as folder:
        key = new_key()
        async with open_store(
            settings.redis_url, Path(folder), prefix, settings.redis_cluster, [key]
        ) as store:
            info = await store.redis.info("server")
            url = settings.redis_url or f"unix://{socket_path_for(Path(folder))}"
            print(f"druppel bench on Redis {info['redis_version']}, Python "
                  f"{platform.python_version()}")  # fmt: skip
            results.update(
                when=datetime.now(UTC).isoformat(timespec="seconds"),
                python=platform.python_version(),
                redis=info["redis_version"],
                redis_where="url" if settings.redis_url else "embedded",
                quick=quick,
            )
            fake = Platform()
            await fake.start()
            druppel = Druppel(url, prefix, Path(folder), fake.api, key)

            def n(count: int) -> int:
                return max(50, int(count * scale))

            steps: list[tuple[str, Callable[[], Awaitable[dict[str, Any]]]]] = [
                ("dispatch", lambda: delivery.dispatch_vs_bare(store, druppel, fake, n(5_000))),
                ("scale-out", lambda: delivery.two_workers_vs_one(store, druppel, fake, n(1_500))),
                ("07:00", lambda: delivery.lateness(store, druppel, fake, n(3_000))),
                ("broadcast", lambda: delivery.broadcast(store, druppel, fake, n(3_000))),
                (
                    "paid",
                    lambda: delivery.broadcast(
                        store,
                        druppel,
                        fake,
                        n(3_000),
                        budget=delivery.PAID_LIMIT,
                        paid=True,
                        workers=wave.WORKERS,
                    ),
                ),
                ("wave", lambda: wave.morning_wave(store, druppel, fake, n(20_000))),
            ]
            steps.append(("memory", lambda: storage_bench.participant_memory(store)))
            steps.append(("claims", lambda: storage_bench.claim_scaling(store)))
            steps.append(("safety", lambda: asyncio.to_thread(safety_bench.scan_speed, n(400))))
            if only:
                steps = [(name, step) for name, step in steps if name in only]
            try:
                for name, step in steps:
                    t0 = time.monotonic()
                    await storage_bench.clear(store)
                    try:
                        results.update(await step())
                    except Exception as exc:  # one broken step must not hide the others
                        print(f"  {name}: FAILED ({type(exc).__name__}: {exc})")
                        results[f"{name}_error"] = f"{type(exc).__name__}: {exc}"
                    load = round(os.getloadavg()[0], 2)
                    results[f"{name}_load_average"] = load
                    print(f"    ({name} took {time.monotonic() - t0:.0f} s, load average {load})")
            finally:
                await fake.close()
                await storage_bench.clear(store)
    results["bench_seconds"] = round(time.monotonic() - started, 1)
    print(table(results))
    print(f"\nall in {results['bench_seconds']:.0f} s")
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.name}")
    return 0


if __name__ == "__main__":
    named = [a.removeprefix("--only=") for a in sys.argv[1:] if a.startswith("--only=")]
    chosen = {n for arg in named for n in arg.split(",") if n} or None
    sys.exit(asyncio.run(main("--quick" in sys.argv[1:], chosen)))
