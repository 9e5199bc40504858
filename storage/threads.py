"""Conversations between a participant and the course's coaches: threads.

A thread belongs to the participant: it lives in their own slot (a hash of thread id -> the
whole record, sealed, so neither the words, the category the safety net found, nor who asked
is ever in the clear) and goes with them when they are erased. Two shared indexes let the
coaches' side find threads without reading every participant: the short thread id -> the
participant's id (`thread_ids`), and the open threads by their last message (`threads_open`),
which /inbox, the statistics and the 7-day idle close read. A closed thread leaves both.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

import redis.asyncio as aioredis
from pydantic import Field, StringConstraints
from redis.asyncio.client import Pipeline

from storage.crypto import TextCipher
from storage.errors import Conflict
from storage.keys import Keys
from storage.models import CourseId, ParticipantId, Record, UtcDatetime
from storage.records import text, watched

#: Letters of a short thread id: no 0/o, 1/l/i, so a coach can read it aloud.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ID_LENGTH = 5
ThreadId = Annotated[str, StringConstraints(pattern=r"^[a-z2-9]{5}$")]
#: The longest message kept in a thread (Telegram's own limit).
MAX_MESSAGE = 4096
#: A thread with no message for this long is closed (course seconds).
IDLE_SECONDS = 7 * 24 * 3600
#: How long a coach's "I am typing an answer to this thread" stands (real seconds).
TYPING_SECONDS = 24 * 3600
#: How far back the times to a first answer are kept, for the operators' median (course
#: seconds).
ANSWERED_SECONDS = 30 * 24 * 3600


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Who(StrEnum):
    PARTICIPANT = "participant"
    COACH = "coach"


class ThreadMessage(Record):
    who: Who
    at: UtcDatetime
    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_MESSAGE)]
    #: The coach's Telegram user id, for a coach's message.
    by: str | None = None


class Thread(Record):
    id: ThreadId
    pid: ParticipantId
    status: Status = Status.OPEN
    opened_at: UtcDatetime
    last_at: UtcDatetime
    #: Since when a participant's message waits for a coach (None: nothing waits).
    waiting_since: UtcDatetime | None = None
    first_answer_at: UtcDatetime | None = None
    #: The trainer who took it or answered first.
    owner: str | None = None
    urgent: bool = False
    #: What the safety net heard (never the words), when urgent.
    category: str | None = None
    course_id: CourseId | None = None
    day: int | None = Field(default=None, ge=1)
    closed_by: str | None = None
    #: Each trainer's copy of the question in their chat: trainer id -> message id.
    copies: dict[str, str] = Field(default_factory=dict)
    #: Every message to a trainer that holds the participant's words or name (the question,
    #: follow-ups, a close, the trainer's own "sent to", "taken", "closed" and /inbox lines):
    #: trainer id -> message ids, to blank them when the thread is erased.
    shown: dict[str, list[str]] = Field(default_factory=dict)
    messages: list[ThreadMessage] = Field(default_factory=list)


def _staff(user_id: str) -> str:
    """A trainer's id as a key name may hold it: hashed, naming no one."""
    return hashlib.sha256(f"staff:{user_id}".encode()).hexdigest()[:16]


def new_thread_id() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(ID_LENGTH))


class ThreadRepo:
    def __init__(self, redis: aioredis.Redis, keys: Keys, cipher: TextCipher) -> None:
        self._redis = redis
        self._keys = keys
        #: The coaches' two indexes, shared by every participant's threads.
        self._ids, self._open = keys.thread_ids(), keys.threads_open()
        self._cipher = cipher

    def _sealed(self, thread: Thread) -> str:
        return self._cipher.seal(thread.model_dump_json())

    def _opened(self, raw: bytes | str) -> Thread:
        return Thread.model_validate_json(self._cipher.open(text(raw)))

    async def open(
        self, pid: str, now: datetime, course_id: str | None = None, day: int | None = None
    ) -> Thread:
        """A new, empty thread for a participant, with an id no open thread has."""
        for _ in range(100):
            tid = new_thread_id()
            if await self._redis.hsetnx(self._ids, tid, pid):
                break
        else:
            raise Conflict("no free thread id after 100 tries")
        thread = Thread(id=tid, pid=pid, opened_at=now, last_at=now, course_id=course_id, day=day)
        await self._redis.hset(self._keys.threads(pid), tid, self._sealed(thread))
        await self._redis.zadd(self._open, {tid: now.timestamp()})
        return thread

    async def get(self, pid: str, tid: str) -> Thread | None:
        raw = await self._redis.hget(self._keys.threads(pid), tid)
        return None if raw is None else self._opened(raw)

    async def find(self, tid: str) -> Thread | None:
        """An open thread by its short id, whoever it belongs to."""
        pid = await self._redis.hget(self._ids, tid)
        return None if pid is None else await self.get(text(pid), tid)

    async def all(self, pid: str) -> list[Thread]:
        """Every thread of a participant, oldest first."""
        stored = await self._redis.hvals(self._keys.threads(pid))
        return sorted((self._opened(raw) for raw in stored), key=lambda t: t.opened_at)

    async def shown(self, pid: str) -> list[tuple[str, str]]:
        """Every message to a trainer that holds something of this participant's threads:
        (trainer id, message id), each once."""
        found: dict[tuple[str, str], None] = {}
        for thread in await self.all(pid):
            for chat, message_id in thread.copies.items():
                found[(chat, message_id)] = None
            for chat, ids in thread.shown.items():
                found.update(dict.fromkeys((chat, i) for i in ids))
        return list(found)

    async def current(self, pid: str) -> Thread | None:
        """Their open thread, if any (a participant has one open at a time)."""
        found = [t for t in await self.all(pid) if t.status is Status.OPEN]
        return found[-1] if found else None

    async def update(
        self,
        pid: str,
        tid: str,
        change: Callable[[Thread], Thread | None],
        also: Callable[[Pipeline, Thread], None] | None = None,
    ) -> Thread | None:
        """Apply `change` to the stored thread atomically; None when there is no such thread.
        `also(pipe, changed)` may add commands on the participant's own keys (their chat's
        queue) to the same transaction. The open index follows: a closed thread leaves it, an
        open one is filed by its last message."""
        key = self._keys.threads(pid)

        async def read(pipe: Pipeline) -> Thread | None:
            await pipe.watch(key)
            raw = await pipe.hget(key, tid)
            return None if raw is None else self._opened(raw)

        def write(pipe: Pipeline, _before: Thread, after: Thread) -> None:
            pipe.hset(key, tid, self._sealed(after))
            if also is not None:
                also(pipe, after)

        changed = await watched(self._redis, f"thread {tid}", read, write, change)
        if changed is None:
            return None
        if changed.status is Status.OPEN:
            await self._redis.zadd(self._open, {tid: changed.last_at.timestamp()})
        else:
            await self._redis.zrem(self._open, tid)
            await self._redis.hdel(self._ids, tid)
        return changed

    async def add(
        self,
        pid: str,
        tid: str,
        message: ThreadMessage,
        owner: str | None = None,
        also: Callable[[Pipeline, Thread], None] | None = None,
    ) -> Thread | None:
        """A message joins an open thread (None when it is closed or gone), with `also`'s
        commands in the same transaction. A participant's message starts the wait for a coach;
        a coach's ends it, and the first coach to answer owns the thread."""

        def join(thread: Thread) -> Thread | None:
            first[:] = []
            if thread.status is not Status.OPEN:
                return None
            if message.who is Who.COACH and thread.first_answer_at is None:
                first.append(message.at - thread.opened_at)
            thread.messages.append(message)
            thread.last_at = message.at
            if message.who is Who.PARTICIPANT:
                thread.waiting_since = thread.waiting_since or message.at
            else:
                thread.waiting_since = None
                thread.first_answer_at = thread.first_answer_at or message.at
                thread.owner = thread.owner or owner
            return thread

        first: list[timedelta] = []
        changed = await self.update(pid, tid, join, also)
        if changed is None or changed.status is not Status.OPEN:
            return None
        if not (changed.messages and changed.messages[-1] == message):
            return None
        for took in first:
            await self._answered(took, message.at)
        return changed

    async def _answered(self, took: timedelta, at: datetime) -> None:
        """Keep how long a first answer took (a random tag keeps equal times apart; nothing
        names the thread), and forget those older than ANSWERED_SECONDS."""
        key = self._keys.coach_answered()
        member = f"{secrets.token_hex(4)}:{max(0.0, took.total_seconds()):.0f}"
        await self._redis.zadd(key, {member: at.timestamp()})
        await self._redis.zremrangebyscore(key, "-inf", at.timestamp() - ANSWERED_SECONDS)

    async def answer_times(self, since: datetime) -> list[float]:
        """Seconds each first answer since `since` took, shortest first."""
        key = self._keys.coach_answered()
        rows = await self._redis.zrangebyscore(key, since.timestamp(), "+inf")
        members: list[bytes | str] = list(rows)  # type: ignore[arg-type]
        return sorted(float(text(m).partition(":")[2]) for m in members)

    async def close(self, pid: str, tid: str, by: str) -> Thread | None:
        """Close an open thread; None when it was not open."""

        def shut(thread: Thread) -> Thread | None:
            if thread.status is not Status.OPEN:
                return None
            thread.status, thread.closed_by = Status.CLOSED, by
            return thread

        before = await self.get(pid, tid)
        if before is None or before.status is not Status.OPEN:
            return None
        changed = await self.update(pid, tid, shut)
        return changed if changed is not None and changed.status is Status.CLOSED else None

    async def open_threads(self) -> list[Thread]:
        """Every open thread (few: the ones coaches still have to do with)."""
        found: list[Thread] = []
        for tid in await self._redis.zrange(self._open, 0, -1):
            thread = await self.find(str(tid))
            if thread is not None and thread.status is Status.OPEN:
                found.append(thread)
        return found

    async def idle(self, now: datetime) -> list[Thread]:
        """Open threads with no message for IDLE_SECONDS."""
        before = now.timestamp() - IDLE_SECONDS
        tids = await self._redis.zrangebyscore(self._open, "-inf", before)
        found = [await self.find(str(t)) for t in tids]
        return [t for t in found if t is not None and t.status is Status.OPEN]

    async def forget(self, pid: str) -> None:
        """Take a participant's threads out of the shared indexes (their records go with their
        slot)."""
        ids = self._ids
        mine = [text(tid) async for tid, owner in self._redis.hscan_iter(ids) if text(owner) == pid]
        if mine:
            await self._redis.hdel(ids, *mine)
            await self._redis.zrem(self._open, *mine)

    async def typing(self, trainer: str, tid: str | None) -> None:
        """Note (or, with None, forget) which thread a trainer types an answer to."""
        key = self._keys.coach_typing(_staff(trainer))
        if tid is None:
            await self._redis.delete(key)
        else:
            await self._redis.set(key, tid, ex=TYPING_SECONDS)

    async def typing_to(self, trainer: str) -> str | None:
        raw = await self._redis.get(self._keys.coach_typing(_staff(trainer)))
        return None if raw is None else text(raw)
