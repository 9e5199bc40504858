"""Broadcasts and the trainer role, as stored: who may broadcast, what was sent to whom.

A broadcast's recipients are fixed when the trainer confirms (a list in its own hash slot) and
queued a few at a time; each participant's own record of broadcasts received is checked in the
same step as the message enters their queue, so a restart mid-way never sends anyone one twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import IntEnum

import redis.asyncio as aioredis

from storage import records
from storage.keys import Keys
from storage.models import Broadcast, PreviewState, QueueItem, StaffDraft, TrainerGrant
from storage.queue import new_item_id
from storage.records import text
from storage.scripts import Scripts

#: How many broadcasts /broadcasts lists, and how long a draft waits for its author.
RECENT = 10
DRAFT_SECONDS = 3600


class Queued(IntEnum):
    """What queueing a broadcast for one participant did."""

    ERASED = -1  # the participant was erased meanwhile (or has no record): nothing was written
    BEFORE = 0  # they had it already (a repeat after a restart)
    NOW = 1


class Roles:
    """Trainers granted from the chat (operators and configured trainers come from settings)."""

    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._key = keys.trainers()

    async def grant(self, user_id: str, grant: TrainerGrant) -> bool:
        return bool(await self._redis.hset(self._key, user_id, grant.model_dump_json()))

    async def revoke(self, user_id: str) -> bool:
        return bool(await self._redis.hdel(self._key, user_id))

    async def is_trainer(self, user_id: str) -> bool:
        return bool(await self._redis.hexists(self._key, user_id))

    async def trainers(self) -> dict[str, TrainerGrant]:
        raw = await self._redis.hgetall(self._key)
        return {text(k): TrainerGrant.model_validate_json(v) for k, v in raw.items()}


class Broadcasts:
    def __init__(self, redis: aioredis.Redis, keys: Keys, scripts: Scripts) -> None:
        self._redis = redis
        self._keys = keys
        self._scripts = scripts

    # -- drafts ---------------------------------------------------------------------------------
    async def draft(self, user_hash: str) -> StaffDraft | None:
        return await records.load(self._redis, self._keys.staff_draft(user_hash), StaffDraft)

    async def save_draft(self, user_hash: str, draft: StaffDraft) -> None:
        key = self._keys.staff_draft(user_hash)
        await self._redis.set(key, draft.model_dump_json(), ex=DRAFT_SECONDS)

    async def drop_draft(self, user_hash: str) -> None:
        await self._redis.delete(self._keys.staff_draft(user_hash))

    # -- broadcasts -----------------------------------------------------------------------------
    async def create(self, broadcast: Broadcast, recipients: Sequence[str]) -> None:
        """Store a confirmed broadcast and the participants it goes to."""
        k = self._keys
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(k.broadcast(broadcast.id), broadcast.model_dump_json())
            if recipients:
                pipe.rpush(k.broadcast_todo(broadcast.id), *recipients)
            await pipe.execute()
        await self._redis.zadd(k.broadcasts(), {broadcast.id: broadcast.created_at.timestamp()})

    async def get(self, bid: str) -> Broadcast | None:
        return await records.load(self._redis, self._keys.broadcast(bid), Broadcast)

    async def save(self, broadcast: Broadcast) -> None:
        await self._redis.set(self._keys.broadcast(broadcast.id), broadcast.model_dump_json())

    async def recent(self, limit: int = RECENT) -> list[Broadcast]:
        rows = await self._redis.zrevrange(self._keys.broadcasts(), 0, limit - 1)
        ids = [text(i) for i in rows if isinstance(i, (str, bytes))]
        found = [await self.get(bid) for bid in ids]
        return [b for b in found if b is not None]

    async def take(self, bid: str, count: int) -> list[str]:
        """The next `count` recipients to queue (they leave the to-do list)."""
        taken: list[str] | None = await self._redis.lpop(  # type: ignore[assignment]
            self._keys.broadcast_todo(bid), count
        )
        return [text(p) for p in taken or []]

    async def give_back(self, bid: str, pids: Sequence[str]) -> None:
        """Recipients taken but not queued (the runner was stopped) go back to the front."""
        if pids:
            await self._redis.lpush(self._keys.broadcast_todo(bid), *reversed(pids))

    async def forget_recipient(self, pid: str) -> None:
        """Someone erased leaves the recipients of every broadcast, however old: the to-do
        lists and the waiting sets (a finished broadcast has neither, so it costs nothing)."""
        k = self._keys
        async for bid, _at in self._redis.zscan_iter(k.broadcasts(), count=500):
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.lrem(k.broadcast_todo(text(bid)), 0, pid)
                pipe.zrem(k.broadcast_later(text(bid)), pid)
                await pipe.execute()

    async def hold_until(self, bid: str, pid: str, at: datetime) -> None:
        """A recipient whose own time has not come yet waits, by when it comes; unless they
        were erased meanwhile (looked at after the write: the erasure may run in between)."""
        key = self._keys.broadcast_later(bid)
        await self._redis.zadd(key, {pid: at.timestamp()})
        if await self._redis.exists(self._keys.erased(pid)):
            await self._redis.zrem(key, pid)

    async def ripe(self, bid: str, now: datetime, count: int) -> list[str]:
        """Waiting recipients whose time has come (they stop waiting)."""
        key = self._keys.broadcast_later(bid)
        rows = await self._redis.zrangebyscore(key, "-inf", now.timestamp(), start=0, num=count)
        pids = [text(p) for p in rows if isinstance(p, (str, bytes))]
        if pids:
            await self._redis.zrem(key, *pids)
        return pids

    async def next_ripe(self, bid: str) -> datetime | None:
        rows = await self._redis.zrange(self._keys.broadcast_later(bid), 0, 0, withscores=True)
        pairs: list[tuple[bytes | str, float]] = list(rows)  # type: ignore[arg-type]
        return datetime.fromtimestamp(float(pairs[0][1]), UTC) if pairs else None

    async def to_go(self, bid: str) -> int:
        return int(await self._redis.llen(self._keys.broadcast_todo(bid)))

    async def held(self, bid: str) -> int:
        """Recipients waiting for their own time to come."""
        return int(await self._redis.zcard(self._keys.broadcast_later(bid)))

    async def received(self, pid: str) -> list[str]:
        """The broadcasts queued for a participant (sent, or still on their way)."""
        return sorted(
            text(b) for b in await self._redis.smembers(self._keys.received_broadcasts(pid))
        )

    async def queue_for(self, pid: str, bid: str, item: QueueItem) -> Queued:
        """Queue the broadcast's message for one participant, unless they already had it, were
        erased, or have no record."""
        k = self._keys
        keys = [k.received_broadcasts(pid), k.queue(pid), k.queue_items(pid), k.erased(pid)]
        keys.append(k.participant(pid))
        args = [bid, new_item_id(), item.model_dump_json(exclude_none=True)]
        return Queued(int(await self._scripts.run("broadcast_queue", keys, args)))

    async def queue_for_all(self, pids: Sequence[str], bid: str, item: QueueItem) -> list[Queued]:
        """`queue_for` for each of `pids`, together (each participant's step stands alone)."""
        k, raw = self._keys, item.model_dump_json(exclude_none=True)
        calls = [
            (
                [k.received_broadcasts(p), k.queue(p), k.queue_items(p), k.erased(p),
                 k.participant(p)],
                [bid, new_item_id(), raw],
            )
            for p in pids
        ]  # fmt: skip
        return [
            Queued(int(done)) for done in await self._scripts.run_many("broadcast_queue", calls)
        ]

    async def count(self, bid: str, outcome: str, n: int = 1) -> None:
        """One more recipient sent / failed / blocked / skipped."""
        await self._redis.hincrby(self._keys.broadcast_stats(bid), outcome, n)

    async def cancel(self, bid: str) -> None:
        """The trainer stopped it: kept apart from the record, so no save can undo it."""
        await self._redis.hset(self._keys.broadcast_stats(bid), "cancelled", 1)

    async def cancelled(self, bid: str) -> bool:
        return bool(await self._redis.hexists(self._keys.broadcast_stats(bid), "cancelled"))

    async def outcomes(self, bid: str) -> dict[str, int]:
        raw = await self._redis.hgetall(self._keys.broadcast_stats(bid))
        return {text(k): int(v) for k, v in raw.items()}

    async def finish(self, broadcast: Broadcast, at: datetime) -> None:
        broadcast.finished_at = at
        await self.save(broadcast)
        await self._redis.delete(
            self._keys.broadcast_todo(broadcast.id), self._keys.broadcast_later(broadcast.id)
        )


class Previews:
    """Trainers' course previews in progress, one per trainer."""

    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def get(self, user_hash: str) -> PreviewState | None:
        return await records.load(self._redis, self._keys.staff_preview(user_hash), PreviewState)

    async def save(self, user_hash: str, state: PreviewState) -> None:
        await self._redis.set(self._keys.staff_preview(user_hash), state.model_dump_json())

    async def drop(self, user_hash: str) -> bool:
        return bool(await self._redis.delete(self._keys.staff_preview(user_hash)))
