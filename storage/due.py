"""The due index: every active enrollment's next due time, in one sorted set.

The dispatcher asks "what is due now?" in O(log n + due), however many participants exist, and
claims what it takes with a Lua script that moves members to a lease set, so several workers never
take the same enrollment. A lease that is not finished in time (its worker died) returns to due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript

from storage.keys import Keys
from storage.records import text


def _script(name: str) -> str:
    return resources.files("storage").joinpath("lua", name).read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Claim:
    """One enrollment a worker now holds: its member name and when it was due."""

    member: str
    due_at: datetime


def _epoch(at: datetime) -> float:
    if at.tzinfo is None:
        raise ValueError("due times must carry a time zone")
    return at.timestamp()


class DueIndex:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._due = keys.due()
        self._lease = keys.lease()
        self._claim: AsyncScript = redis.register_script(_script("claim_due.lua"))
        self._finish: AsyncScript = redis.register_script(_script("finish_lease.lua"))

    async def schedule(self, member: str, at: datetime | None) -> None:
        """Set when an enrollment is next due (None: not at all), overruling any worker's claim."""
        async with self._redis.pipeline(transaction=True) as pipe:
            if at is None:
                pipe.zrem(self._due, member)
            else:
                pipe.zadd(self._due, {member: _epoch(at)})
            pipe.zrem(self._lease, member)
            await pipe.execute()

    async def unschedule(self, member: str) -> None:
        await self.schedule(member, None)

    async def due_at(self, member: str) -> datetime | None:
        score = await self._redis.zscore(self._due, member)
        return None if score is None else datetime.fromtimestamp(float(score), UTC)

    async def due_before(self, now: datetime, limit: int = 100) -> list[Claim]:
        """What is due by `now`, earliest first, without claiming it."""
        rows = await self._redis.zrangebyscore(
            self._due, "-inf", _epoch(now), start=0, num=limit, withscores=True
        )
        pairs: list[tuple[bytes | str, float]] = list(rows)  # type: ignore[arg-type]
        return [Claim(text(m), datetime.fromtimestamp(float(s), UTC)) for m, s in pairs]

    async def claim(self, now: datetime, limit: int, lease_seconds: float) -> list[Claim]:
        """Atomically take up to `limit` due enrollments for this worker."""
        flat = await self._claim(
            keys=[self._due, self._lease],
            args=[_epoch(now), limit, _epoch(now) + lease_seconds],
        )
        return [
            Claim(text(flat[i]), datetime.fromtimestamp(float(flat[i + 1]), UTC))
            for i in range(0, len(flat), 2)
        ]

    async def finish(self, member: str, next_due: datetime | None) -> bool:
        """Release a claim, rescheduling it at `next_due` (or not at all).

        False when the claim was no longer ours: the enrollment was rescheduled meanwhile (or our
        lease expired and another worker took it), and that newer schedule stands.
        """
        done = await self._finish(
            keys=[self._due, self._lease],
            args=[member, "" if next_due is None else _epoch(next_due)],
        )
        return bool(done)

    async def size(self) -> int:
        return int(await self._redis.zcard(self._due))

    async def leased(self) -> int:
        return int(await self._redis.zcard(self._lease))
