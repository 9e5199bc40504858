"""`make bench`: what the engine costs, measured on a real Redis.

- tick cost with nothing due, as the number of scheduled participants grows (should stay flat:
  the due index is read from its head, never scanned);
- dispatch throughput: due lessons claimed, counted and handed to a channel per second, by two
  workers on separate connections;
- Redis memory per participant with a course in progress and nine reflections.

Runs on the embedded Redis unless REDIS_URL is set; works under its own key prefix and removes
its keys afterwards.
"""

from __future__ import annotations

import asyncio
import json
import platform
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.delivery.owed import Deliveries
from bot.journey import Journey
from bot.messages import Outgoing
from bot.settings import BUILTIN_COURSES_DIR, Settings
from courses.loader import load_course_dir
from scheduler.clock import FixedClock
from scheduler.dispatcher import Dispatcher
from storage.embedded import socket_path_for
from storage.keys import Keys, enrollment_member
from storage.models import Channel, Enrollment, Lane, ReflectionEntry
from storage.store import Store, connect_redis, open_store

RESULTS = Path(__file__).resolve().parent / "results.json"
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
COURSES = load_course_dir(BUILTIN_COURSES_DIR)


class NullChannel:
    """Accepts every message at once, so we measure druppel and Redis, not a network."""

    def __init__(self) -> None:
        self.count = 0

    async def send(self, chat_id: str, message: Outgoing, lane: Lane) -> None:
        self.count += 1


async def _participants(store: Store, count: int, due_at: datetime) -> None:
    for start in range(0, count, 500):
        batch = []
        for i in range(start, min(count, start + 500)):
            p, _ = await store.participants.get_or_create(Channel.CONSOLE, str(i), now=NOW)
            enrollment = Enrollment(participant_id=p.id, course_id="twijfel", started_at=NOW,
                                    next_due=due_at)  # fmt: skip
            batch.append(enrollment)
        for enrollment in batch:
            await store.enrollments.save(enrollment)
        async with store.redis.pipeline(transaction=False) as pipe:
            for e in batch:
                pipe.zadd(store.keys.due(), {enrollment_member(e.participant_id, e.course_id):
                                             due_at.timestamp()})  # fmt: skip
            await pipe.execute()


async def _clear(store: Store) -> None:
    keys = [k async for k in store.redis.scan_iter(match=store.keys.everything(), count=5000)]
    for i in range(0, len(keys), 5000):
        await store.redis.delete(*keys[i : i + 5000])


async def tick_cost(store: Store) -> dict[str, float]:
    """Median microseconds of one claim with nothing due, by scheduled participants."""
    out: dict[str, float] = {}
    scheduled = 0
    for size in (1_000, 10_000, 50_000):
        await _participants_future(store, scheduled, size)
        scheduled = size
        for _ in range(100):  # warm up: let Redis settle after the bulk insert
            await store.due.claim(NOW, 200, 120)
        samples = []
        for _ in range(500):
            t0 = time.perf_counter()
            await store.due.claim(NOW, 200, 120)
            samples.append(time.perf_counter() - t0)
        samples.sort()
        out[str(size)] = round(samples[len(samples) // 2] * 1e6, 1)
        print(f"  tick with nothing due, {size:>6} scheduled: {out[str(size)]:8.1f} µs (median)")
    return out


async def _participants_future(store: Store, have: int, want: int) -> None:
    later = (NOW + timedelta(days=1)).timestamp()
    async with store.redis.pipeline(transaction=False) as pipe:
        for i in range(have, want):
            pipe.zadd(store.keys.due(), {f"idle{i}/twijfel": later + i})
        await pipe.execute()


async def throughput(url: str, keys: Keys, store: Store, count: int = 2_000) -> dict[str, float]:
    await _participants(store, count, NOW)
    clock = FixedClock(NOW)
    channel = NullChannel()
    clients = [await connect_redis(url) for _ in range(2)]
    try:
        workers = []
        for client in clients:
            s = Store(client, keys)
            deliveries = Deliveries(Journey(s, COURSES, clock, "Europe/Amsterdam"),
                                    {Channel.CONSOLE: channel})  # fmt: skip
            workers.append(Dispatcher(s.due, clock, deliveries.on_due, batch=200))
        t0 = time.perf_counter()
        handled = await asyncio.gather(*(w.tick() for w in workers))
        elapsed = time.perf_counter() - t0
    finally:
        for client in clients:
            await client.aclose()
    result = {
        "enrollments": float(sum(handled)),
        "seconds": round(elapsed, 3),
        "lessons_per_second": round(sum(handled) / elapsed, 1),
        "messages_per_second": round(channel.count / elapsed, 1),
    }
    print(f"  dispatch: {sum(handled)} lessons ({channel.count} messages) in {elapsed:.2f} s "
          f"= {result['lessons_per_second']:.0f} lessons/s with two workers")  # fmt: skip
    return result


async def memory(store: Store, count: int = 2_000) -> dict[str, float]:
    await _clear(store)
    before = int((await store.redis.info("memory"))["used_memory"])
    await _participants(store, count, NOW + timedelta(days=1))
    text = "Een eerlijk antwoord van een paar zinnen, zoals deelnemers ze schrijven. " * 3
    async with store.redis.pipeline(transaction=False) as pipe:
        async for pid in store.participants.ids():
            for day in range(1, 10):
                entry = ReflectionEntry(course_id="twijfel", day=day, text=text, at=NOW)
                pipe.rpush(store.keys.reflections(pid), entry.model_dump_json())
        await pipe.execute()
    after = int((await store.redis.info("memory"))["used_memory"])
    per = (after - before) / count
    print(f"  Redis memory: {per / 1024:.1f} KiB per participant (course + 9 reflections)")
    return {"participants": float(count), "bytes_per_participant": round(per, 1)}


async def main() -> int:
    settings = Settings()
    prefix = f"bench{secrets.token_hex(3)}"
    with tempfile.TemporaryDirectory(prefix="druppel-bench-") as folder:
        async with open_store(settings.redis_url, Path(folder), prefix) as store:
            info = await store.redis.info("server")
            url = settings.redis_url or f"unix://{socket_path_for(Path(folder))}"
            print(f"druppel bench on Redis {info['redis_version']}")
            results: dict[str, Any] = {
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "python": platform.python_version(),
                "redis": info["redis_version"],
                "redis_where": "url" if settings.redis_url else "embedded",
            }
            try:
                results["tick_us_nothing_due_by_scheduled"] = await tick_cost(store)
                await _clear(store)
                results["dispatch"] = await throughput(url, store.keys, store)
                results["memory"] = await memory(store)
            finally:
                await _clear(store)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.name}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
