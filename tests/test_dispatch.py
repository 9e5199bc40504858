"""Several workers on one Redis: every due lesson goes out exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import redis.asyncio as aioredis

from bot.delivery.items import day_items
from bot.delivery.journey import Journey
from bot.delivery.owed import Deliveries
from courses.loader import load_course_dir
from scheduler.clock import FixedClock, RealClock
from scheduler.dispatcher import Dispatcher
from storage.crypto import TextCipher
from storage.due import Claim, DueIndex
from storage.keys import Keys, enrollment_member
from storage.models import Channel, Enrollment
from storage.scripts import Scripts
from storage.store import Store, connect_redis
from tests.journey_kit import TEST_KEY, RecordingChannel
from tests.rivals import held_against_a_rival

COURSES = load_course_dir(Path(__file__).resolve().parent.parent / "courses")
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


async def _due_enrollments(store: Store, count: int) -> None:
    for i in range(count):
        p, _ = await store.participants.get_or_create(
            Channel.CONSOLE, str(i), now=NOW - timedelta(days=1), delivery_time=time(7, 0)
        )
        enrollment = Enrollment(participant_id=p.id, course_id="twijfel",
                                started_at=NOW - timedelta(days=1), next_due=NOW)  # fmt: skip
        await store.enrollments.save(enrollment)
        await store.due.schedule(enrollment_member(p.id, "twijfel"), NOW)


def _worker(
    client: aioredis.Redis, keys: Keys, clock: FixedClock, channel: RecordingChannel,
    concurrency: int = 32,
) -> Dispatcher:  # fmt: skip
    store = Store(
        client, keys, TextCipher([TEST_KEY])
    )  # one connection pool per worker, as in separate processes
    journey = Journey(store, COURSES, clock, "Europe/Amsterdam")
    deliveries = Deliveries(journey, {Channel.CONSOLE: channel})
    return Dispatcher(store.due, clock, deliveries.on_due, batch=50, concurrency=concurrency)


async def test_two_dispatchers_over_a_thousand_due_enrollments_send_each_lesson_once(
    redis_url: str, keys: Keys, store: Store
) -> None:
    await _due_enrollments(store, 1000)
    clock = FixedClock(NOW)
    channel = RecordingChannel()
    first, second = await connect_redis(redis_url), await connect_redis(redis_url)
    try:
        workers = [_worker(first, keys, clock, channel), _worker(second, keys, clock, channel)]
        handled = await asyncio.gather(*(w.tick() for w in workers))
    finally:
        await first.aclose()
        await second.aclose()
    assert sum(handled) == 1000
    assert all(n > 0 for n in handled), f"one worker did everything: {handled}"
    headings = Counter(chat for chat, m in channel.sent if m.heading)
    assert len(headings) == 1000
    assert set(headings.values()) == {1}
    per_day = len(COURSES["twijfel"].day(1).lesson) + 1  # lesson messages and the prompt
    assert len(channel.sent) == 1000 * per_day
    assert await store.due.leased() == 0
    assert await store.due.size() == 1000  # everyone is due again tomorrow


async def test_workers_filling_each_freed_slot_as_it_frees_send_each_lesson_once(
    redis_url: str, keys: Keys, store: Store
) -> None:
    """Running as a worker does (a pulse, then every handler that ends claims the next due
    member in the same step as it lets go of its own), nothing is sent twice or left behind."""
    await _due_enrollments(store, 120)
    clock = FixedClock(NOW)
    channel = RecordingChannel()
    clients = [await connect_redis(redis_url) for _ in range(2)]
    per_day = len(COURSES["twijfel"].day(1).lesson) + 1
    try:
        # Far fewer slots than lessons: each slot is filled again some fifteen times.
        workers = [_worker(c, keys, clock, channel, concurrency=4) for c in clients]
        for worker in workers:
            await worker.pulse()  # once: the rest comes from the freed slots alone
        for _ in range(400):
            if len(channel.sent) >= 120 * per_day and not any(w.running for w in workers):
                break
            await asyncio.sleep(0.05)
        for worker in workers:
            await worker.settle()
    finally:
        for client in clients:
            await client.aclose()
    headings = Counter(chat for chat, m in channel.sent if m.heading)
    assert len(headings) == 120
    assert set(headings.values()) == {1}
    assert len(channel.sent) == 120 * per_day
    assert await store.due.leased() == 0
    assert await store.due.size() == 120


async def test_a_claim_whose_worker_died_is_delivered_once_by_another(
    redis_url: str, keys: Keys, store: Store
) -> None:
    await _due_enrollments(store, 3)
    clock = FixedClock(NOW)
    dead = await store.due.claim(NOW, limit=1, lease_seconds=15, token="gone")  # then it died
    assert len(dead) == 1
    channel = RecordingChannel()
    survivor = _worker(store.redis, keys, clock, channel)
    assert await survivor.tick() == 2
    clock.advance(timedelta(seconds=16))
    assert await survivor.tick() == 1
    headings = Counter(chat for chat, m in channel.sent if m.heading)
    assert sorted(headings.values()) == [1, 1, 1]


async def test_a_handler_that_fails_is_retried_later_not_lost(keys: Keys, store: Store) -> None:
    await store.due.schedule("p1/twijfel", NOW)
    clock = FixedClock(NOW)
    calls: list[str] = []

    async def flaky(member: str) -> datetime | None:
        calls.append(member)
        if len(calls) == 1:
            raise RuntimeError("redis hiccup")
        return None

    dispatcher = Dispatcher(store.due, clock, flaky, retry_after_error=60)
    await dispatcher.tick()
    assert dispatcher.stats.failed == 1
    assert await store.due.due_at("p1/twijfel") == NOW + timedelta(seconds=60)
    clock.advance(timedelta(seconds=61))
    await dispatcher.tick()
    assert calls == ["p1/twijfel", "p1/twijfel"]
    assert await store.due.due_at("p1/twijfel") is None


async def test_a_worker_that_died_mid_lesson_leaves_nothing_lost_and_nothing_repeated(
    keys: Keys, store: Store
) -> None:
    """The state a SIGKILL leaves mid-send: the lesson counted and queued, one part sent, the
    chat's drain lock and the enrollment's lease held by a worker that is gone."""
    await _due_enrollments(store, 1)
    clock = FixedClock(NOW)
    dead = RecordingChannel()
    dying = _worker(store.redis, keys, clock, dead)
    [claim] = await store.due.claim(NOW, 1, 15, token="dead-worker")
    pid = claim.member.split("/")[0]
    day1 = COURSES["twijfel"].day(1)
    await dying.handler(claim.member)  # the whole day went out...
    assert len(dead.sent) == len(day1.lesson) + 1
    # ...but pretend the process died after the first part: the rest is queued again, as the
    # queue holds it until each part is acknowledged, and the dead worker's lock is still there.
    course = COURSES["twijfel"]
    await store.queue.put(pid, day_items(course, 1)[1:])
    assert await store.queue.acquire(pid, "dead-worker", 15_000) == 0.0

    channel = RecordingChannel()
    restarted = _worker(store.redis, keys, clock, channel)
    assert await restarted.tick() == 0  # the dead worker's lease still holds
    clock.advance(timedelta(seconds=16))
    assert await restarted.tick() == 1  # its lease expired: the enrollment is looked at again
    enrollment = (await store.enrollments.for_participant(pid))[0]
    assert enrollment.last_delivered_day == 1  # counted once, not again
    # The drain lock is a real-time expiry in Redis; once it is gone, the chat is drained.
    await store.redis.delete(store.keys.queue_lock(pid))
    clock.advance(timedelta(seconds=16))
    await restarted.tick()
    assert [m.text for _, m in channel.sent] == [*day1.lesson[1:], day1.prompt]
    assert await store.queue.size(pid) == 0


async def test_a_handler_slower_than_its_lease_keeps_it_and_no_second_worker_takes_it(
    redis_url: str, keys: Keys, store: Store
) -> None:
    clock = RealClock()
    await store.due.schedule("p1/twijfel", clock.now())
    calls: list[str] = []

    async def slow(member: str) -> datetime | None:
        calls.append(member)
        await asyncio.sleep(1.8)  # three leases long: only the heartbeat keeps it ours
        return None

    holder = await held_against_a_rival(redis_url, keys, store, slow)
    assert calls == ["p1/twijfel"]
    assert holder.stats.handled == 1
    assert await store.due.leased() == 0


async def test_a_handler_whose_lease_was_taken_is_stopped_and_its_late_finish_changes_nothing(
    store: Store,
) -> None:
    clock = RealClock()
    await store.due.schedule("p1/twijfel", clock.now())
    started = asyncio.Event()
    finished: list[str] = []

    async def slow(member: str) -> datetime | None:
        started.set()
        await asyncio.sleep(5)
        finished.append(member)
        return clock.now()

    holder = Dispatcher(store.due, clock, slow, lease_seconds=0.3)
    await holder.pulse()
    await asyncio.wait_for(started.wait(), 2)
    later = clock.now() + timedelta(days=1)
    await store.due.schedule("p1/twijfel", later)  # the participant changed their time meanwhile
    await asyncio.wait_for(holder.settle(), 2)
    assert finished == []
    assert holder.stats.lost == 1
    assert await store.due.due_at("p1/twijfel") == later  # their word stands


async def test_a_stopping_worker_hands_back_what_it_could_not_finish(store: Store) -> None:
    clock = RealClock()
    now = clock.now()
    for i in range(5):
        await store.due.schedule(f"p{i}/twijfel", now)
    release = asyncio.Event()

    async def stuck(member: str) -> datetime | None:
        await release.wait()
        return None

    worker = Dispatcher(store.due, clock, stuck, concurrency=3, lease_seconds=60)
    assert await worker.pulse() == 3  # only what it can start now
    assert await store.due.size() == 2
    assert await worker.stop(grace=0.2) is False
    assert worker.stats.handed_back == 3
    assert await store.due.leased() == 0
    assert len(await store.due.due_before(clock.now())) == 5  # all due again, for anyone
    assert await worker.pulse() == 0  # a stopped worker claims nothing


class _HeldBeat(DueIndex):
    """The due index, whose heartbeat extends only after the test's `ended` and answers only
    after `again`: the answer arrives late, about a lease that has changed hands."""

    def __init__(self, store: Store, keys: Keys) -> None:
        super().__init__(store.redis, keys, Scripts(store.redis))
        self.ended, self.extended, self.again = asyncio.Event(), asyncio.Event(), asyncio.Event()
        self.finished = asyncio.Event()

    async def finish(
        self, member: str, next_due: datetime | None, token: str = "anonymous"
    ) -> bool:
        done = await super().finish(member, next_due, token)
        self.finished.set()
        return done

    async def extend(
        self, members: Sequence[str], until: datetime, token: str = "anonymous"
    ) -> set[str]:
        await self.ended.wait()
        lost = await super().extend(members, until, token)
        self.extended.set()
        await self.again.wait()
        return lost


async def test_a_heartbeat_late_about_a_finished_claim_leaves_the_next_claim_running(
    store: Store, keys: Keys
) -> None:
    """A chat drained and finished while the heartbeat asked about its lease, then woken and
    claimed again by the same worker: the late answer ("no longer yours") is about the first
    claim, and stopping the second mid-send would send its message twice."""
    clock = RealClock()
    due = _HeldBeat(store, keys)
    await due.schedule("c1", clock.now())
    release = asyncio.Event()
    done: list[int] = []

    async def handle(member: str) -> datetime | None:
        turn = len(done) + 1
        if turn == 1:
            await release.wait()
        else:
            due.again.set()
            await asyncio.sleep(0.3)
        done.append(turn)
        return None

    worker = Dispatcher(due, clock, handle, lease_seconds=0.3)
    assert await worker.pulse() == 1
    await asyncio.sleep(0.15)  # the heartbeat is asking
    release.set()
    await asyncio.wait_for(due.finished.wait(), 2)
    due.ended.set()
    await asyncio.wait_for(due.extended.wait(), 2)  # the first claim is gone: "lost"
    await due.schedule("c1", clock.now())  # woken again
    assert await worker.pulse() == 1
    await asyncio.wait_for(worker.settle(), 3)
    assert done == [1, 2]
    assert worker.stats.lost == 0


class _BeatDuringFinish(DueIndex):
    """The due index, whose heartbeat asks about the leases just after a handler's finish (and
    the claim made with it) ran, and before the handler has heard back: the heartbeat hears
    "no longer yours" about work that let go of its lease itself."""

    def __init__(self, store: Store, keys: Keys) -> None:
        super().__init__(store.redis, keys, Scripts(store.redis))
        self.finished, self.answered = asyncio.Event(), asyncio.Event()

    async def finish_and_claim(
        self, member: str, next_due: datetime | None, token: str, now: datetime, limit: int,
        lease_seconds: float,
    ) -> tuple[bool, list[Claim]]:  # fmt: skip
        done = await super().finish_and_claim(member, next_due, token, now, limit, lease_seconds)
        self.finished.set()
        await self.answered.wait()
        return done

    async def extend(
        self, members: Sequence[str], until: datetime, token: str = "anonymous"
    ) -> set[str]:
        if not self.finished.is_set():
            await asyncio.wait_for(self.finished.wait(), 5)
        lost = await super().extend(members, until, token)
        self.answered.set()
        return lost


async def test_what_a_finishing_handler_claims_in_the_same_step_is_handled_at_once(
    store: Store, keys: Keys
) -> None:
    """A handler lets go of its lease and claims the next member in the same step; the
    heartbeat, asking meanwhile, hears that the first lease is gone. Stopping the handler then
    would leave the member it claimed held by nobody until that lease ran out (a broadcast's
    last recipients arrived a lease late)."""
    clock = RealClock()
    due = _BeatDuringFinish(store, keys)
    for member in ("c1", "c2"):
        await due.schedule(member, clock.now())
    handled: list[str] = []

    async def handle(member: str) -> datetime | None:
        if member == "c1":
            await asyncio.sleep(0.15)  # the heartbeat (every 0.1 s) is waiting to ask
        handled.append(member)
        return None

    worker = Dispatcher(due, clock, handle, batch=1, concurrency=1, lease_seconds=0.3)
    assert await worker.pulse() == 1  # c1; the claim was full, so c1's finish claims c2
    await asyncio.wait_for(worker.settle(), 2)
    assert handled == ["c1", "c2"]
    assert worker.stats.lost == 0
