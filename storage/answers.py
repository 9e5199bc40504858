"""What participants answer: reflections (free text) and check-ins (a 1-5 score) per day.

Both are personal. Nothing here logs them; callers must not either. A reflection's text and a
check-in's score (with its time) are sealed before they reach Redis (see storage/crypto.py).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Annotated

import redis.asyncio as aioredis
from pydantic import StringConstraints
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from storage.crypto import Resealed, TextCipher, UndecryptableText, is_sealed, sealed_length
from storage.errors import Conflict
from storage.fields import decode_time, encode_time
from storage.keys import Keys
from storage.models import MAX_REFLECTION_CHARS, CheckIn, ReflectionEntry
from storage.records import readable, text

#: Rewrites of one participant's list that may lose a race with a new answer before giving up.
REWRITE_ATTEMPTS = 50


class StoredReflection(ReflectionEntry):
    """A reflection as kept: its text may be a Fernet token, longer than the text it holds."""

    text: Annotated[
        str, StringConstraints(min_length=1, max_length=sealed_length(MAX_REFLECTION_CHARS))
    ]


def _compact(stored: StoredReflection) -> str:
    """A reflection as kept in the list: `[course, day, time, text]`, with a fifth element 1
    for an answer to the follow-up, the time in microseconds since the epoch. Without names
    for the fields, the words themselves are nearly all an answer costs."""
    row: list[str | int] = [stored.course_id, stored.day, int(encode_time(stored.at)), stored.text]
    if stored.followup:
        row.append(1)
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def stored_reflection(raw: bytes | str) -> StoredReflection:
    """A kept reflection, in this release's form or as an older one kept it (a JSON object)."""
    value = text(raw)
    if not value.startswith("["):
        return StoredReflection.model_validate_json(value)
    course_id, day, at, words, *rest = json.loads(value)
    return StoredReflection.model_validate(
        {"course_id": course_id, "day": day, "text": words, "at": decode_time(at),
         "followup": bool(rest and rest[0])}
    )  # fmt: skip


#: What joins a second message to the answer it grows.
JOIN = "\n\n"


class ReflectionRepo:
    """One answer per day: a second message to the same day grows that answer (its words
    joined after the earlier ones), so the answers read as written, not as a pile."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, cipher: TextCipher) -> None:
        self._redis = redis
        self._keys = keys
        self._cipher = cipher

    async def add(self, pid: str, entry: ReflectionEntry) -> bool:
        """Keep an answer; True when it grew an earlier answer to the same day (and the same
        kind: the follow-up's answer is its own). An answer that would grow past
        MAX_REFLECTION_CHARS, or one whose earlier part no key opens, starts anew beside it."""
        key = self._keys.reflections(pid)
        grown = False

        def keep(pipe: Pipeline, raws: list[str]) -> None:
            nonlocal grown
            grown = False
            place = (entry.course_id, entry.day, entry.followup)
            for index in range(len(raws) - 1, -1, -1):
                earlier = stored_reflection(raws[index])
                if (earlier.course_id, earlier.day, earlier.followup) != place:
                    continue
                try:
                    words = f"{self._cipher.open(earlier.text)}{JOIN}{entry.text}"
                except UndecryptableText:
                    break
                if len(words) > MAX_REFLECTION_CHARS:
                    break
                sealed = earlier.model_copy(update={"text": self._cipher.seal(words)})
                pipe.lset(key, index, _compact(sealed))
                grown = True
                return
            stored = StoredReflection.model_validate(
                {**entry.model_dump(), "text": self._cipher.seal(entry.text)}
            )
            pipe.rpush(key, _compact(stored))

        await self._rewrite(key, keep)
        return grown

    async def count(self, pid: str) -> int:
        return int(await self._redis.llen(self._keys.reflections(pid)))

    async def all(self, pid: str) -> list[ReflectionEntry]:
        """Oldest first, as written. Raises UndecryptableText when no configured key opens one."""
        raws = await self._redis.lrange(self._keys.reflections(pid), 0, -1)
        return [self._opened(stored_reflection(raw)) for raw in raws]

    async def readable(self, pid: str) -> tuple[list[ReflectionEntry], int]:
        """Oldest first, every one a configured key opens, and how many none opens."""
        raws = await self._redis.lrange(self._keys.reflections(pid), 0, -1)
        opened = readable(raws, lambda raw: self._opened(stored_reflection(raw)), UndecryptableText)
        return opened, len(raws) - len(opened)

    def _opened(self, stored: StoredReflection) -> ReflectionEntry:
        return ReflectionEntry.model_validate(
            {**stored.model_dump(), "text": self._cipher.open(stored.text)}
        )

    async def reseal(self, pid: str) -> Counter[Resealed]:
        """Put every reflection of a participant under the newest key (plain ones encrypted),
        in one transaction that starts over when a new answer arrives meanwhile."""
        done: Counter[Resealed] = Counter()

        def reseal_all(pipe: Pipeline, raws: list[str]) -> None:
            done.clear()
            for index, raw in enumerate(raws):
                stored = stored_reflection(raw)
                sealed, what = self._cipher.reseal(stored.text)
                done[what] += 1
                if sealed != stored.text:
                    changed = stored.model_copy(update={"text": sealed})
                    pipe.lset(self._keys.reflections(pid), index, _compact(changed))

        await self._rewrite(self._keys.reflections(pid), reseal_all)
        return done

    async def remove_course(self, pid: str, course_id: str) -> int:
        """Forget a participant's reflections on one course; returns how many there were."""
        key = self._keys.reflections(pid)
        removed = 0

        def remove(pipe: Pipeline, raws: list[str]) -> None:
            nonlocal removed
            kept = [raw for raw in raws if stored_reflection(raw).course_id != course_id]
            removed = len(raws) - len(kept)
            if removed:
                pipe.delete(key)
                if kept:
                    pipe.rpush(key, *kept)

        await self._rewrite(key, remove)
        return removed

    async def _rewrite(self, key: str, change: Callable[[Pipeline, list[str]], None]) -> None:
        """Read the list at `key` and write `change`'s commands in one transaction, starting
        over when the list changed meanwhile (a new answer arrived)."""
        async with self._redis.pipeline(transaction=True) as pipe:
            for _ in range(REWRITE_ATTEMPTS):
                try:
                    await pipe.watch(key)
                    raws = [text(raw) for raw in await pipe.lrange(key, 0, -1)]
                    pipe.multi()  # type: ignore[no-untyped-call]
                    change(pipe, raws)
                    await pipe.execute()
                    return
                except WatchError:
                    continue
        raise Conflict(f"{key} kept changing; gave up after {REWRITE_ATTEMPTS} attempts")

    async def for_day(self, pid: str, course_id: str, day: int) -> list[ReflectionEntry]:
        return [e for e in await self.all(pid) if e.course_id == course_id and e.day == day]


class CheckinRepo:
    """One score per course day; tapping again changes it.

    The field is `<course>:<day>` and the value the score and when, sealed together as
    `<score> <microseconds>` (63 characters), so each value stays within what Redis packs into
    one small hash (64 bytes). An older release's value is the JSON of both, in the clear.
    """

    def __init__(self, redis: aioredis.Redis, keys: Keys, cipher: TextCipher) -> None:
        self._redis = redis
        self._keys = keys
        self._cipher = cipher

    def _sealed(self, checkin: CheckIn) -> str:
        return self._cipher.seal(f"{checkin.score} {encode_time(checkin.at)}")

    def _checkin(self, field: str, raw: str) -> CheckIn:
        """A stored check-in: its field names the course and day, the value holds the rest."""
        course_id, _, day = field.rpartition(":")
        if not is_sealed(raw):
            return CheckIn.model_validate({"course_id": course_id, "day": day, **json.loads(raw)})
        score, _, at = self._cipher.open(raw).partition(" ")
        return CheckIn.model_validate(
            {"course_id": course_id, "day": day, "score": score, "at": decode_time(at)}
        )

    async def record(self, pid: str, checkin: CheckIn) -> None:
        field = f"{checkin.course_id}:{checkin.day}"
        await self._redis.hset(self._keys.checkins(pid), field, self._sealed(checkin))

    async def get(self, pid: str, course_id: str, day: int) -> CheckIn | None:
        field = f"{course_id}:{day}"
        raw = await self._redis.hget(self._keys.checkins(pid), field)
        return None if raw is None else self._checkin(field, text(raw))

    async def all(self, pid: str) -> list[CheckIn]:
        """Every check-in, by course and day. Raises UndecryptableText when no configured key
        opens one."""
        stored = await self._redis.hgetall(self._keys.checkins(pid))
        found = [self._checkin(text(field), text(raw)) for field, raw in stored.items()]
        return sorted(found, key=lambda c: (c.course_id, c.day))

    async def reseal(self, pid: str) -> Counter[Resealed]:
        """Every check-in of a participant under the newest key (what no key opens is left), in
        one transaction that starts over when a tap changes one meanwhile."""
        key = self._keys.checkins(pid)
        done: Counter[Resealed] = Counter()
        async with self._redis.pipeline(transaction=True) as pipe:
            for _ in range(REWRITE_ATTEMPTS):
                try:
                    await pipe.watch(key)
                    done.clear()
                    changed: dict[str, str] = {}
                    for field, raw in (await pipe.hgetall(key)).items():
                        name, value = text(field), text(raw)
                        if is_sealed(value):
                            sealed, what = self._cipher.reseal(value)
                        else:
                            checkin = self._checkin(name, value)
                            sealed, what = self._sealed(checkin), Resealed.ENCRYPTED
                        done[what] += 1
                        if sealed != value:
                            changed[name] = sealed
                    pipe.multi()  # type: ignore[no-untyped-call]
                    if changed:
                        pipe.hset(key, mapping={k: v for k, v in changed.items()})
                    await pipe.execute()
                    return done
                except WatchError:
                    continue
        raise Conflict(f"{key} kept changing; gave up after {REWRITE_ATTEMPTS} attempts")

    async def remove_course(self, pid: str, course_id: str) -> int:
        """Forget a participant's check-ins on one course; returns how many there were."""
        key = self._keys.checkins(pid)
        fields = [
            f for f in map(text, await self._redis.hkeys(key)) if f.startswith(f"{course_id}:")
        ]
        return int(await self._redis.hdel(key, *fields)) if fields else 0
