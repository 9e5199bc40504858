"""Each chat's queue: everything the bot owes one chat, sent from here in order, once.

Lesson parts, nudges, the end message and replies all enter the queue of the participant's chat
and leave it, by id, only after the platform accepted them. A crash leaves them queued for the
next attempt. At most one process drains a chat at a time (a lock with an owner token that
expires), so two processes never send the same item, and a reply queued behind a lesson's parts
arrives after them.

A reply spelled out (the bot's words, which may name the participant: "Hoi Sanne!") is stored
sealed (storage/crypto.py) for the moments it waits; course messages are named, not spelled out.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from redis.asyncio.client import Pipeline

from storage.crypto import UndecryptableText, is_sealed
from storage.models import Lane, QueueItem
from storage.records import ScriptedRepo, readable, text
from storage.scripts import Then


def new_item_id() -> str:
    return secrets.token_hex(8)


class Step(Enum):
    LOST = "lost"  # the lock is no longer ours: stop
    EMPTY = "empty"  # nothing left; the lock was released in the same step
    ITEM = "item"
    PACED = "paced"  # the chat's own pace holds the next item back for `wait` seconds


#: A chat's own pace as the queue step keeps it: a GCRA interval and tolerance, microseconds
#: (scheduler.ratelimit.Rate's `interval_us` and `tolerance_us`).
Pace = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Next:
    step: Step
    id: str = ""
    raw: str | None = None  # the stored JSON; None when the item's record is missing
    wait: float = 0.0  # PACED: real seconds until the chat's pace lets the item go


@dataclass(frozen=True, slots=True)
class Taken:
    """What asking for a chat's drain lock found: it is ours when both are unset."""

    held_for: float = 0.0  # real seconds until another drainer's lock runs out
    retry_at: float | None = None  # epoch: the chat backs off after a failure until then
    first: Next | None = None  # with `take(first=True)`: the first step of the drain


def _step(reply: list[Any]) -> Next:
    """A queue step as the scripts answer it: {-1} lost, {0} empty, {1, id, JSON or nil},
    {2, µs to wait, id, JSON or nil} held back by the chat's pace."""
    code = int(reply[0])
    if code < 0:
        return Next(Step.LOST)
    if code == 0:
        return Next(Step.EMPTY)
    wait = 0.0
    if code == 2:  # {2, µs, ...} reads on as {1, ...} does
        wait, reply = int(reply[1]) / 1_000_000, reply[1:]
    raw = reply[2] if len(reply) > 2 and reply[2] is not None else None
    step = Step.PACED if code == 2 else Step.ITEM
    return Next(step, text(reply[1]), None if raw is None else text(raw), wait)


def taken(reply: list[Any]) -> Taken:
    """What the drain lock's script answered (`ChatQueue.take`)."""
    if int(reply[0]) < 0:
        return Taken(retry_at=float(text(reply[1])))
    if len(reply) < 2:
        return Taken(held_for=int(reply[0]) / 1000)
    return Taken(first=_step(reply[1:]))


def _pace_args(pace: Pace | None) -> list[str | int]:
    return ["", ""] if pace is None else [pace[0], pace[1]]


class ChatQueue(ScriptedRepo):
    def _stored(self, item: QueueItem) -> str:
        raw = item.model_dump_json(exclude_none=True)
        return self._cipher.seal(raw) if item.message and item.lane is Lane.REPLY else raw

    def opened(self, raw: str) -> str:
        """An item's JSON from its stored form; raises UndecryptableText when no key opens it."""
        return self._cipher.open(raw) if is_sealed(raw) else raw

    # -- producing ------------------------------------------------------------------------------
    def queue(self, pipe: Pipeline, pid: str, items: Sequence[QueueItem]) -> list[str]:
        """Add items inside a caller's transaction (see records.update's `also`)."""
        if not items:
            return []
        ids = [new_item_id() for _ in items]
        pipe.hset(
            self._keys.queue_items(pid),
            mapping={i: self._stored(item) for i, item in zip(ids, items, strict=True)},
        )
        pipe.rpush(self._keys.queue(pid), *ids)
        return ids

    async def put(self, pid: str, items: Sequence[QueueItem]) -> list[str]:
        async with self._redis.pipeline(transaction=True) as pipe:
            ids = self.queue(pipe, pid, items)
            if ids:
                await pipe.execute()
        return ids

    async def put_raw(self, pid: str, raw: str) -> str:
        """Queue an item exactly as given (tests use it for what an older release stored)."""
        item_id = new_item_id()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._keys.queue_items(pid), item_id, raw)
            pipe.rpush(self._keys.queue(pid), item_id)
            await pipe.execute()
        return item_id

    # -- draining -------------------------------------------------------------------------------
    def _lockset(self, pid: str) -> list[str]:
        k = self._keys
        return [k.queue_lock(pid), k.queue(pid), k.queue_items(pid), k.queue_sending(pid)]

    async def acquire(self, pid: str, token: str, ttl_ms: int) -> float:
        """Take the drain lock; also adopts what an older release left in its outbox.

        Returns 0.0 when the lock is ours, else the real seconds until the holder's lock runs
        out (should the holder have died, that is when someone else may drain).
        """
        return (await self.take(pid, token, ttl_ms)).held_for

    async def take(
        self, pid: str, token: str, ttl_ms: int, now: float | None = None, *, first: bool = False,
        pace: Pace | None = None,
    ) -> Taken:  # fmt: skip
        """`acquire`, and with `now` (epoch) in the same step: a chat still backing off after
        a failure until later than `now` is left alone (see `retry_later`). With `first`, a
        lock that is ours comes with the first step (`Taken.first`), as `next` would give it
        (with `pace`, the chat's turn taken for it)."""
        return await self.asked(self.taking(pid, token, ttl_ms, now, first=first, pace=pace))

    def taking(
        self, pid: str, token: str, ttl_ms: int, now: float | None = None, *, first: bool = False,
        pace: Pace | None = None,
    ) -> Then:  # fmt: skip
        """`take` as a script to run right after a write of the participant's (a lesson's:
        `EnrollmentRepo.update(then=...)`), in the same step; `taken` reads its answer."""
        k = self._keys
        keys = [k.queue_lock(pid), k.queue(pid), k.queue_items(pid), k.legacy_outbox(pid),
                k.queue_state(pid), k.queue_sending(pid), k.queue_pace(pid)]  # fmt: skip
        args = [token, ttl_ms, f"old-{new_item_id()}-", "" if now is None else repr(now),
                "1" if first else "", *_pace_args(pace)]  # fmt: skip
        return Then("queue_acquire", keys, args)

    async def asked(self, then: Then) -> Taken:
        """What asking for the lock (`taking`) found: as it answered in a write's step, or
        asked now where it did not run there."""
        if then.reply is None:
            then.reply = await self._scripts.run(then.name, then.keys, then.args)
        return taken(then.reply)

    async def next(
        self, pid: str, token: str, ttl_ms: int, sent: str | None = None, pace: Pace | None = None,
        *, turn: bool = True, late: float = 0.0,
    ) -> Next:  # fmt: skip
        """The next item to send; `sent` names the item just sent, removed in the same step.

        With `pace`, the chat's own: its turn is taken for the item in the same step (not with
        `turn` False, a look only), or the step is PACED: the item waits (nothing taken, the
        lock kept); `late` says how many seconds after its turn the item just sent went, so
        the chat's next turn is counted from when it went."""
        keys = [*self._lockset(pid), self._keys.queue_state(pid), self._keys.queue_pace(pid)]
        args = [token, ttl_ms, sent or "", *_pace_args(pace), "1" if turn else "",
                max(0, round(late * 1_000_000))]  # fmt: skip
        return _step(await self._scripts.run("queue_next", keys, args))

    async def ack(self, pid: str, token: str, item_id: str) -> bool:
        """Remove a sent item by id. False when the lock is no longer ours."""
        keys = [*self._lockset(pid), self._keys.queue_state(pid)]
        return int(await self._scripts.run("queue_ack", keys, [token, item_id])) >= 0

    async def park(self, pid: str, token: str, item_id: str, why: dict[str, str | int]) -> bool:
        """Set aside an item that kept failing, with why. False when the lock is not ours."""
        keys = [*self._lockset(pid), self._keys.queue_state(pid), self._keys.queue_parked(pid)]
        reply = await self._scripts.run("queue_park", keys, [token, item_id, json.dumps(why)])
        return int(reply) >= 0

    async def renew(self, pid: str, token: str, ttl_ms: int) -> bool:
        """Keep the drain lock `token` holds for `ttl_ms` more; False when it is not ours."""
        keys = [self._keys.queue_lock(pid)]
        return bool(await self._scripts.run("queue_renew", keys, [token, ttl_ms]))

    async def release(self, pid: str, token: str) -> None:
        keys = [self._keys.queue_lock(pid), self._keys.queue_sending(pid)]
        await self._scripts.run("queue_release", keys, [token])

    async def count_failure(self, pid: str, token: str) -> int:
        """Count one more failure of the head item; returns how many it has had, or -1 when
        the lock is no longer `token`'s (nothing is written then)."""
        keys = [self._keys.queue_lock(pid), self._keys.queue_state(pid)]
        return int(await self._scripts.run("queue_failed", keys, [token, ""]))

    async def retry_later(self, pid: str, token: str, at: float) -> bool:
        """No drain sends before `at` (epoch): the head item is backing off. False (and
        nothing written) when the lock is no longer `token`'s."""
        keys = [self._keys.queue_lock(pid), self._keys.queue_state(pid)]
        return int(await self._scripts.run("queue_failed", keys, [token, repr(at)])) >= 0

    async def retry_at(self, pid: str) -> float | None:
        """When the head item may be tried again after a failure (epoch), if it failed."""
        raw = await self._redis.hget(self._keys.queue_state(pid), "retry_at")
        return None if raw is None else float(text(raw))

    # -- pause, stop, resume --------------------------------------------------------------------
    async def hold(self, pid: str, course_id: str) -> int:
        """Take a paused course's unsolicited items out of the queue, kept for resuming."""
        return await self._take(pid, "course_id", course_id, "hold")

    async def drop(self, pid: str, course_id: str) -> int:
        """Forget a stopped course's unsolicited items, queued or held."""
        return await self._take(pid, "course_id", course_id, "drop")

    async def forget(self, pid: str, kind: str) -> int:
        """Forget the queued items of `kind` (never a reply), except the one in flight; returns
        how many went."""
        return await self._take(pid, "kind", kind, "forget")

    async def _take(self, pid: str, field: str, value: str, mode: str) -> int:
        k = self._keys
        keys = [
            k.queue(pid), k.queue_items(pid), k.queue_held(pid), k.queue_sending(pid),
            k.queue_state(pid),
        ]  # fmt: skip
        return int(await self._scripts.run("queue_take", keys, [field, value, mode]))

    async def restore(self, pid: str) -> int:
        """Put what was held back at the end of the queue, in its order."""
        keys = [self._keys.queue(pid), self._keys.queue_held(pid)]
        return int(await self._scripts.run("queue_restore", keys, []))

    # -- looking --------------------------------------------------------------------------------
    async def size(self, pid: str) -> int:
        return int(await self._redis.llen(self._keys.queue(pid)))

    async def held(self, pid: str) -> int:
        return int(await self._redis.llen(self._keys.queue_held(pid)))

    async def items(self, pid: str, *, held: bool = False) -> list[QueueItem]:
        """What the queue holds, in order (items it cannot read are left out); `held`: what a
        paused course keeps aside instead."""
        listed = self._keys.queue_held(pid) if held else self._keys.queue(pid)
        ids = [text(i) for i in await self._redis.lrange(listed, 0, -1)]
        if not ids:
            return []
        raws = await self._redis.hmget(self._keys.queue_items(pid), ids)
        return readable(
            (text(raw) for raw in raws if raw is not None),
            lambda raw: QueueItem.model_validate_json(self.opened(raw)),
            (ValueError, UndecryptableText),
        )

    async def parked(self, pid: str) -> list[str]:
        return [text(r) for r in await self._redis.lrange(self._keys.queue_parked(pid), 0, -1)]

    async def clear(self, pid: str) -> None:
        k = self._keys
        await self._redis.delete(
            k.queue(pid), k.queue_items(pid), k.queue_held(pid), k.queue_state(pid),
            k.queue_pace(pid), k.legacy_outbox(pid),
        )  # fmt: skip
