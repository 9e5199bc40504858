"""Storage benchmarks: what a participant and a reflection cost Redis, and whether claiming and
handling due lessons stays as fast with a million enrollments as with a thousand.

- `participant_memory`: Redis memory per enrolled participant (no reflections yet), over 100,000
  participants written as a sign-up writes them (their chat id and name sealed, their chat
  filed under an HMAC), and the same with those in the clear as the release before kept them;
  and per stored reflection, sealed and in the clear;
- `claim_scaling`: the time to claim and handle 100 due lessons beside 1,000 and beside
  1,000,000 enrollments that are not due, side by side, over several rounds.

The participants are written in bulk, with pipelines, but with exactly what a real sign-up
stores: one participant signs up through the coach first, and the bulk writer's result for the
same person must match it key for key, or the benchmark stops. `python -m bench.storage` runs
both on the embedded Redis (or on `REDIS_URL`), under a key prefix of its own that it removes
afterwards.
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any, cast

from redis.asyncio.cluster import RedisCluster
from redis.typing import EncodableT, FieldT

from bot.app.settings import BUILTIN_COURSES_DIR, Settings
from bot.conversation import Coach
from bot.core.messages import Incoming, Kind, Outgoing
from bot.delivery.journey import Journey
from bot.delivery.owed import Deliveries
from courses.loader import load_course_dir
from scheduler.clock import FixedClock
from scheduler.dispatcher import Dispatcher
from storage.crypto import new_key
from storage.fields import encode_time
from storage.keys import Keys, enrollment_member
from storage.models import Channel, Enrollment, EnrollmentStatus, Lane, Participant, ReflectionEntry
from storage.participants import new_participant_id
from storage.profile import enrollment_fields, participant_fields
from storage.records import text
from storage.store import Store, open_store

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
COURSES = load_course_dir(BUILTIN_COURSES_DIR)
COURSE = "twijfel"
ZONE = "Europe/Amsterdam"
BATCH = 2_000
FIRST_NAMES = ["Sanne", "Daan", "Emma", "Lucas", "Julia", "Noah", "Tess", "Sem", "Anouk", "Bram"]
TIMES = [day_time(7, 0), day_time(7, 30), day_time(8, 0), day_time(12, 30), day_time(21, 0)]
#: 300 characters of the kind of Dutch a participant writes back.
REFLECTION = (
    "Ik merk dat ik vooral twijfel als het goed gaat tussen ons. Dan zoek ik iets wat niet "
    "klopt, alsof ik het wil bewijzen. Gisteren zei hij dat hij me miste en ik werd er onrustig "
    "van in plaats van blij. Misschien is dat oud, van thuis. Ik wil leren om één moment te "
    "blijven zitten met dat gevoel, echt."
)


def _hash(fields: Mapping[str, str]) -> dict[FieldT, EncodableT]:
    """Hash fields as redis-py's HSET takes them."""
    return {name: value for name, value in fields.items()}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


async def _used_memory(store: Store) -> int:
    await asyncio.sleep(0.5)  # let Redis finish rehashing what just grew
    return int((await store.redis.info("memory"))["used_memory"])


async def clear(store: Store) -> None:
    """Remove every key under the store's prefix."""
    batch: list[str] = []
    async for key in store.redis.scan_iter(match=store.keys.everything(), count=10_000):
        batch.append(key)
        if len(batch) >= 10_000:
            await store.redis.unlink(*batch)
            batch = []
    if batch:
        await store.redis.unlink(*batch)


def _sibling(store: Store, suffix: str) -> Store:
    """Another store on the same connection and key, under a prefix of its own."""
    return Store(store.redis, Keys(f"{store.keys.prefix}{suffix}"), store.cipher)


def _fields(store: Store, p: Participant, e: Enrollment, plain: bool = False) -> dict[str, str]:
    """The hash a sign-up writes; `plain`: with the chat id and name in the clear, as the
    release before this one kept them (for comparison only)."""
    fields = {**participant_fields(p, store.cipher), **enrollment_fields(e, store.cipher)}
    if plain:
        fields["chat_id"] = p.chat_id
        if p.first_name is not None:
            fields["first_name"] = p.first_name
    return fields


# -- signing up in bulk ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SignUp:
    """Who signs up, and when: what the coach is told over the four steps of a sign-up."""

    chat_id: str
    first_name: str | None
    at: day_time
    started: datetime  # the /start
    enrolled: datetime  # the tap on the time zone, which starts the course


def sign_ups(count: int, seed: int = 7) -> list[SignUp]:
    """`count` plausible people: chat ids as Telegram gives new users (ten digits), first
    names, a chosen time, and times with microseconds, as a real clock gives them."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        started = NOW - timedelta(microseconds=rng.randrange(86_400_000_000))
        out.append(
            SignUp(
                chat_id=str(5_000_000_000 + i * 37 + rng.randrange(37)),
                first_name=rng.choice(FIRST_NAMES),
                at=rng.choice(TIMES),
                started=started,
                enrolled=started + timedelta(microseconds=rng.randrange(20_000_000, 90_000_000)),
            )
        )
    return out


def _records(journey: Journey, clock: FixedClock, who: SignUp) -> tuple[Participant, Enrollment]:
    """The participant and enrollment a sign-up ends with, made as the coach makes them."""
    participant = Participant.model_validate(
        {"id": new_participant_id(), "channel": Channel.TELEGRAM, "chat_id": who.chat_id,
         "created_at": who.started, "first_name": who.first_name,
         "timezone": journey.default_timezone}
    )  # fmt: skip
    participant.delivery_time = who.at
    clock.set(who.enrolled)
    return participant, journey.new_enrollment(participant, COURSES[COURSE])


async def write_sign_ups(store: Store, people: Sequence[SignUp], plain: bool = False) -> list[str]:
    """Store each person as the coach does after a completed sign-up, in pipelines: their
    hash (record and enrollment), the chat index, the segment index and the due index
    (`plain`: as the release before, which kept chat ids and names in the clear). Returns
    their participant ids."""
    filed = (lambda chat: chat) if plain else store.cipher.chat_hash
    clock = FixedClock(NOW)
    journey = Journey(store, COURSES, clock, ZONE)
    keys = store.keys
    pids: list[str] = []
    for start in range(0, len(people), BATCH):
        made = [_records(journey, clock, who) for who in people[start : start + BATCH]]
        async with store.redis.pipeline(transaction=False) as pipe:
            for p, e in made:
                pipe.hset(keys.participant(p.id), mapping=_hash(_fields(store, p, e, plain)))
            pipe.hset(
                keys.chat_index(Channel.TELEGRAM), mapping={filed(p.chat_id): p.id for p, _ in made}
            )
            pipe.sadd(keys.segment(COURSE, EnrollmentStatus.ACTIVE.value), *(p.id for p, _ in made))
            pipe.zadd(
                keys.due(),
                {enrollment_member(p.id, e.course_id): _due(e) for p, e in made},
            )
            await pipe.execute()
        pids += [p.id for p, _ in made]
    return pids


def _due(enrollment: Enrollment) -> float:
    wake = enrollment.wake_at()
    if wake is None:
        raise ValueError("a new enrollment is always due some time")
    return wake.timestamp()


# -- checking the bulk writer against a real sign-up ----------------------------------------------
async def _snapshot(store: Store, pid: str) -> dict[str, Any]:
    """Everything under the store's prefix, with its prefix and the participant id named
    generically, so two stores holding the same person compare equal."""

    def plain(value: bytes | str) -> str:
        opened = store.cipher.open(text(value))  # sealed values differ by their random nonce
        return opened.replace(store.keys.prefix, "P").replace(pid, "<pid>")

    redis = store.redis
    out: dict[str, Any] = {}
    async for key in redis.scan_iter(match=store.keys.everything(), count=1000):
        kind = await redis.type(key)
        content: Any
        if kind == "string":
            content = plain(await redis.get(key) or "")
        elif kind == "hash":
            content = {plain(k): plain(v) for k, v in (await redis.hgetall(key)).items()}
        elif kind == "set":
            content = sorted(plain(m) for m in await redis.smembers(key))
        elif kind == "zset":
            scored = await redis.zrange(key, 0, -1, withscores=True)
            content = [
                (plain(m), float(score)) for m, score in cast(list[tuple[str, float]], scored)
            ]
        elif kind == "list":
            content = [plain(v) for v in await redis.lrange(key, 0, -1)]
        else:
            content = kind
        out[plain(key)] = (kind, content)
    return out


async def check_bulk_writer(store: Store) -> None:
    """One person signs up through the coach, and the same person is written by
    `write_sign_ups`: both must leave the same keys with the same contents."""
    real, bulk = _sibling(store, "real"), _sibling(store, "bulk")
    who = SignUp("612345678", "Sanne", day_time(7, 0), NOW, NOW)
    clock = FixedClock(NOW)
    coach = Coach(Journey(real, COURSES, clock, ZONE))
    steps = [
        Incoming.from_text(Channel.TELEGRAM, who.chat_id, "/start", first_name=who.first_name),
        Incoming(Channel.TELEGRAM, who.chat_id, Kind.BUTTON, data=f"c:{COURSE}"),
        Incoming(Channel.TELEGRAM, who.chat_id, Kind.BUTTON, data="t:07:00"),
        Incoming(Channel.TELEGRAM, who.chat_id, Kind.BUTTON, data="z:ok"),
    ]
    try:
        for event in steps:
            await coach.handle(event)
        signed_up = await real.participants.by_chat(Channel.TELEGRAM, who.chat_id)
        if signed_up is None:
            raise RuntimeError("the coach's sign-up stored no participant")
        [pid] = await write_sign_ups(bulk, [who])
        expected, written = await _snapshot(real, signed_up.id), await _snapshot(bulk, pid)
        if expected != written:
            raise RuntimeError(
                "the bulk writer no longer stores what a sign-up stores; the coach stored "
                f"{expected}, the bulk writer {written}"
            )
    finally:
        await clear(real)
        await clear(bulk)


# -- memory ---------------------------------------------------------------------------------------
async def _key_bytes(store: Store, keys: Iterable[str]) -> float:
    sizes = [await store.redis.memory_usage(k, samples=0) or 0 for k in keys]
    return sum(sizes) / max(1, len(sizes))


async def _reflection_bytes(
    store: Store, pids: Sequence[str], per: int, sealed: bool = True
) -> float:
    """Extra Redis memory per reflection: `per` answers each for `pids`, as the coach keeps
    them (ReflectionRepo.add), or (`sealed` False) in the clear, as a release before kept
    them when no key was set."""
    before = await _used_memory(store)
    for day in range(1, per + 1):
        at = NOW + timedelta(days=day, seconds=1234, microseconds=567_890)
        entry = ReflectionEntry(course_id=COURSE, day=day, text=REFLECTION, at=at)
        for pid in pids:  # one at a time: more connections would cost Redis memory too
            if sealed:
                await store.reflections.add(pid, entry)
                continue
            row = [COURSE, day, int(encode_time(at)), REFLECTION]
            await store.redis.rpush(store.keys.reflections(pid), json.dumps(row))
    return (await _used_memory(store) - before) / (len(pids) * per)


async def participant_memory(
    store: Store, count: int = 100_000, reflections: int = 20_000
) -> dict[str, float]:
    """Redis memory per enrolled participant without reflections, and per reflection."""
    await check_bulk_writer(store)
    people = sign_ups(count)
    await clear(store)
    before = await _used_memory(store)
    t0 = time.perf_counter()
    pids = await write_sign_ups(store, people)
    written = time.perf_counter() - t0
    per_participant = (await _used_memory(store) - before) / count
    await clear(store)
    before = await _used_memory(store)
    await write_sign_ups(store, people, plain=True)
    per_plain = (await _used_memory(store) - before) / count
    await clear(store)
    before = await _used_memory(store)
    pids = await write_sign_ups(store, people)

    keys = store.keys
    sample = random.Random(3).sample(pids, min(500, len(pids)))
    encoding = await store.redis.object("encoding", keys.participant(sample[0]))
    own = await _key_bytes(store, (keys.participant(pid) for pid in sample))
    indexes = {
        name: (await store.redis.memory_usage(key, samples=0) or 0) / count
        for name, key in (
            ("chat_index", keys.chat_index(Channel.TELEGRAM)),
            ("segment_index", keys.segment(COURSE, EnrollmentStatus.ACTIVE.value)),
            ("due_index", keys.due()),
        )
    }
    print(
        f"  Redis memory: {per_participant:.0f} bytes per enrolled participant "
        f"({count} written in {written:.1f} s): their hash {own:.0f} ({encoding}), "
        + ", ".join(f"{name.replace('_', ' ')} {v:.0f}" for name, v in indexes.items())
        + f"; {per_plain:.0f} with their chat id and name in the clear"
    )

    per_day = 10  # a course of ten days, each answered
    who = pids[: max(1, reflections // per_day)]
    plain = await _reflection_bytes(store, who, per_day, sealed=False)
    sealed = await _reflection_bytes(store, pids[len(who) : 2 * len(who)], per_day)
    print(
        f"  Redis memory: {plain:.0f} bytes per reflection of {len(REFLECTION)} characters "
        f"({len(REFLECTION.encode())} bytes), {sealed:.0f} encrypted ({len(who) * per_day} each)"
    )
    await clear(store)
    return {
        "participants": float(count),
        "seconds_to_write": round(written, 2),
        "redis_bytes_per_participant": round(per_participant, 1),
        "redis_bytes_per_participant_plain": round(per_plain, 1),
        "encryption_bytes_per_participant": round(per_participant - per_plain, 1),
        "participant_hash_bytes": round(own, 1),
        **{f"{name}_bytes_per_participant": round(v, 1) for name, v in indexes.items()},
        "reflections": float(len(who) * per_day),
        "redis_bytes_per_reflection": round(plain, 1),
        "redis_bytes_per_reflection_encrypted": round(sealed, 1),
    }


# -- claiming among many --------------------------------------------------------------------------
class NullChannel:
    """Accepts every message at once, so we measure druppel and Redis, not a network."""

    def __init__(self) -> None:
        self.count = 0

    async def send(self, chat_id: str, message: Outgoing, lane: Lane) -> None:
        self.count += 1


#: Writes many participants' hashes in one call: all share the fields of one sign-up but their
#: chat id and next lesson. KEYS: the hashes. ARGV: how many shared field-value pairs, the pairs,
#: then each key's chat id and next-due time.
_WRITE_HASHES = """
local shared = tonumber(ARGV[1])
local pairs_ = {}
for i = 2, 1 + 2 * shared do pairs_[#pairs_ + 1] = ARGV[i] end
local own = 2 + 2 * shared
for i, key in ipairs(KEYS) do
  local at = own + 2 * (i - 1)
  redis.call('HSET', key, 'chat_id', ARGV[at], '%s', ARGV[at + 1], unpack(pairs_))
end
return #KEYS
"""


async def _idle_enrollments(store: Store, count: int, seed: int) -> float:
    """`count` participants signed up for a lesson later than now (from two hours on, spread
    over a day): their hashes as a sign-up writes them, and their entries in the chat, segment
    and due indexes. Returns the seconds it took.

    On one server, a script writes 10,000 hashes at a time (a pipeline would spend most of the
    time packing commands); on a cluster, where one script cannot reach every slot, pipelines.
    """
    t0 = time.perf_counter()
    template = sign_ups(1, seed)[0]
    clock = FixedClock(NOW)
    p, e = _records(Journey(store, COURSES, clock, ZONE), clock, template)
    due_field = f"{COURSE}:next_due"
    fields = _fields(store, p, e)
    shared = [(k, v) for k, v in fields.items() if k not in ("chat_id", due_field)]
    script = store.redis.register_script(_WRITE_HASHES % due_field)
    one_server = not isinstance(store.redis, RedisCluster)
    later = NOW + timedelta(hours=2)
    keys = store.keys
    chats = keys.chat_index(Channel.TELEGRAM)
    segment = keys.segment(COURSE, EnrollmentStatus.ACTIVE.value)
    step = 10_000
    for start in range(0, count, step):
        pids = [new_participant_id() for _ in range(start, min(count, start + step))]
        chat_ids = [str(7_000_000_000 + start + i) for i in range(len(pids))]
        due = [later + timedelta(seconds=(start + i) * 0.08) for i in range(len(pids))]
        hashes = [keys.participant(pid) for pid in pids]
        if one_server:
            own = [v for chat_id, at in zip(chat_ids, due, strict=True)
                   for v in (store.cipher.seal(chat_id), encode_time(at))]  # fmt: skip
            await script(keys=hashes, args=[len(shared), *(x for kv in shared for x in kv), *own])
        async with store.redis.pipeline(transaction=False) as pipe:
            if not one_server:
                for key, chat_id, at in zip(hashes, chat_ids, due, strict=True):
                    mine = {**fields, "chat_id": store.cipher.seal(chat_id),
                            due_field: encode_time(at)}  # fmt: skip
                    pipe.hset(key, mapping=_hash(mine))
            filed = [store.cipher.chat_hash(chat_id) for chat_id in chat_ids]
            pipe.hset(chats, mapping=dict(zip(filed, pids, strict=True)))
            pipe.sadd(segment, *pids)
            pipe.zadd(
                keys.due(),
                {
                    enrollment_member(pid, COURSE): at.timestamp()
                    for pid, at in zip(pids, due, strict=True)
                },
            )
            await pipe.execute()
    return time.perf_counter() - t0


@dataclass
class World:
    """A prefix with `size` enrollments, 100 of them due: the dispatcher and its handler."""

    store: Store
    dispatcher: Dispatcher
    channel: NullChannel
    due_pids: list[str]
    fresh: dict[str, dict[str, str]]


async def _world(base: Store, suffix: str, size: int, due: int) -> tuple[World, float]:
    store = _sibling(base, suffix)
    await clear(store)
    seconds = await _idle_enrollments(store, size - due, seed=len(suffix))
    people = [
        SignUp(str(900_000_000 + i), "Sanne", day_time(7, 0), NOW, NOW - timedelta(days=1))
        for i in range(due)
    ]
    pids = await write_sign_ups(store, people)
    # their first lesson is due now: the day-1 lesson, as after a sign-up the evening before
    fresh: dict[str, dict[str, str]] = {}
    for pid in pids:
        enrollment = await store.enrollments.get(pid, COURSE)
        participant = await store.participants.get(pid)
        if enrollment is None or participant is None:
            raise RuntimeError("a due participant was not stored")
        enrollment.next_due = NOW
        fresh[pid] = _fields(store, participant, enrollment)
    clock = FixedClock(NOW)
    channel = NullChannel()
    journey = Journey(store, COURSES, clock, ZONE)
    deliveries = Deliveries(journey, {Channel.TELEGRAM: channel})
    dispatcher = Dispatcher(store.due, clock, deliveries.on_due, batch=200)
    return World(store, dispatcher, channel, pids, fresh), seconds


async def _reset(world: World) -> None:
    """The due participants back to just before their day-1 lesson, due now."""
    keys = world.store.keys
    async with world.store.redis.pipeline(transaction=False) as pipe:
        for pid in world.due_pids:
            pipe.delete(keys.participant(pid))
            pipe.hset(keys.participant(pid), mapping=_hash(world.fresh[pid]))
        pipe.zadd(keys.due(), {enrollment_member(pid, COURSE): NOW.timestamp()
                               for pid in world.due_pids})  # fmt: skip
        await pipe.execute()


async def _round(world: World) -> float:
    await _reset(world)
    sent = world.channel.count
    t0 = time.perf_counter()
    handled = await world.dispatcher.tick()
    elapsed = time.perf_counter() - t0
    if handled != len(world.due_pids) or world.channel.count == sent:
        raise RuntimeError(f"expected {len(world.due_pids)} lessons handled, got {handled}")
    return elapsed


async def claim_scaling(
    store: Store,
    small: int = 1_000,
    large: int = 1_000_000,
    due: int = 100,
    rounds: int = 9,
) -> dict[str, float]:
    """Median time to claim and handle `due` due lessons beside `small` and beside `large`
    enrollments in all; both sides take turns, so noise falls on both alike."""
    worlds: list[World] = []
    try:
        few, _ = await _world(store, "few", small, due)
        worlds.append(few)
        many, created = await _world(store, "many", large, due)
        worlds.append(many)
        print(f"  {large} enrollments written in {created:.1f} s")
        for world in worlds:  # warm up: scripts loaded, connections open, caches filled
            await _round(world)
        times: dict[int, list[float]] = {small: [], large: []}
        for _ in range(rounds):
            times[small].append(await _round(few))
            times[large].append(await _round(many))
    finally:
        for world in worlds:
            await clear(world.store)
    fast, slow = statistics.median(times[small]), statistics.median(times[large])
    messages = few.channel.count // (rounds + 1)
    ratio = slow / fast
    print(
        f"  claim and handle {due} due lessons ({messages} messages): {_ms(fast):.0f} ms beside "
        f"{small} enrollments, {_ms(slow):.0f} ms beside {large} (x{ratio:.2f}, median of {rounds})"
    )
    return {
        "due": float(due),
        "rounds": float(rounds),
        "seconds_to_write_large": round(created, 2),
        "claim_1k_ms": _ms(fast),
        "claim_1m_ms": _ms(slow),
        "claim_1m_vs_1k_ratio": round(ratio, 3),
    }


async def main() -> int:
    settings = Settings()
    prefix = f"bench{secrets.token_hex(3)}"
    with tempfile.TemporaryDirectory(prefix="druppel-bench-") as folder:
        keys = settings.encryption_keys or [new_key()]
        async with open_store(
            settings.redis_url, Path(folder), prefix, encryption_keys=keys
        ) as store:
            info = await store.redis.info("server")
            where = "REDIS_URL" if settings.redis_url else "embedded"
            print(f"druppel storage bench on Redis {info['redis_version']} ({where})")
            t0 = time.perf_counter()
            try:
                results = {
                    "memory": await participant_memory(store),
                    "claim": await claim_scaling(store),
                }
            finally:
                await clear(store)
            print(f"  done in {time.perf_counter() - t0:.0f} s")
    for group in results.values():
        for name, value in group.items():
            print(f"{name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
