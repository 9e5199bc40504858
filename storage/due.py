"""The due index: every member's next due time, in one sorted set, and the leases on them.

A member is an enrollment (a lesson or nudge may be owed) or a chat (its queue needs draining).
The dispatcher asks "what is due now?" in O(log n + due), however many participants exist, and
claims what it takes with a Lua script that moves members to a lease set, owned by the claiming
worker's token. Only the owner may extend or finish a lease; one that expires (its worker died
or hung) returns to due, and the late owner's finish then changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import redis.asyncio as aioredis

from storage.keys import Keys
from storage.records import text
from storage.scripts import Scripts


@dataclass(frozen=True, slots=True)
class Claim:
    """One member a worker now holds: its name and when it was due."""

    member: str
    due_at: datetime


def _epoch(at: datetime) -> float:
    if at.tzinfo is None:
        raise ValueError("due times must carry a time zone")
    return at.timestamp()


class DueIndex:
    def __init__(self, redis: aioredis.Redis, keys: Keys, scripts: Scripts) -> None:
        self._redis = redis
        self._scripts = scripts
        self._due = keys.due()
        self._lease = keys.lease()
        self._owner = keys.lease_owner()
        self._recheck = keys.recheck()

    async def schedule(self, member: str, at: datetime | None) -> None:
        """Set when a member is next due (None: not at all), overruling any worker's claim."""
        await self._scripts.run(
            "schedule",
            [self._due, self._lease, self._owner, self._recheck],
            [member, "" if at is None else _epoch(at)],
        )

    async def unschedule(self, member: str) -> None:
        await self.schedule(member, None)

    async def wake(self, member: str, at: datetime) -> None:
        """Make sure a member is looked at by `at`: earlier than it was, never later.

        Unlike `schedule` it leaves a worker's claim alone; the member is then simply looked at
        once more (handlers are idempotent).
        """
        await self._redis.zadd(self._due, {member: _epoch(at)}, lt=True)

    async def wake_all(self, members: Sequence[str], at: datetime) -> None:
        """`wake` for many members at once, in one command."""
        if members:
            await self._redis.zadd(self._due, dict.fromkeys(members, _epoch(at)), lt=True)

    async def recheck(self, member: str, at: datetime) -> None:
        """Look at a member again by `at`, before the backlog of the due index.

        For a chat whose drain could not finish (another drainer's lock, a failure's backoff):
        its messages are already late, so once `at` has come it is claimed ahead of members
        that are merely due. Like `wake`, an earlier time wins and a claim is left alone.
        """
        await self._redis.zadd(self._recheck, {member: _epoch(at)}, lt=True)

    async def rechecks(self) -> int:
        return int(await self._redis.zcard(self._recheck))

    async def due_at(self, member: str) -> datetime | None:
        """When a member is next looked at: its due time or its recheck, whichever is first."""
        scores = [
            float(score)
            for score in (
                await self._redis.zscore(self._due, member),
                await self._redis.zscore(self._recheck, member),
            )
            if score is not None
        ]
        return datetime.fromtimestamp(min(scores), UTC) if scores else None

    async def due_before(self, now: datetime, limit: int = 100) -> list[Claim]:
        """What is due by `now`, earliest first, without claiming it."""
        rows = await self._redis.zrangebyscore(
            self._due, "-inf", _epoch(now), start=0, num=limit, withscores=True
        )
        pairs: list[tuple[bytes | str, float]] = list(rows)  # type: ignore[arg-type]
        return [Claim(text(m), datetime.fromtimestamp(float(s), UTC)) for m, s in pairs]

    async def claim(
        self, now: datetime, limit: int, lease_seconds: float, token: str = "anonymous"
    ) -> list[Claim]:
        """Atomically take up to `limit` due members for the worker with `token`."""
        if limit <= 0:
            return []
        flat = await self._scripts.run(
            "claim_due",
            [self._due, self._lease, self._owner, self._recheck],
            [_epoch(now), limit, _epoch(now) + lease_seconds, token],
        )
        return _claims(flat)

    async def finish_and_claim(
        self, member: str, next_due: datetime | None, token: str, now: datetime, limit: int,
        lease_seconds: float,
    ) -> tuple[bool, list[Claim]]:  # fmt: skip
        """`finish` and then `claim` in one step: whether the member was still ours, and what
        was claimed (up to `limit`, which may be 0)."""
        flat = await self._scripts.run(
            "claim_due",
            [self._due, self._lease, self._owner, self._recheck],
            [_epoch(now), limit, _epoch(now) + lease_seconds, token, member,
             "" if next_due is None else _epoch(next_due)],
        )  # fmt: skip
        return bool(int(flat[0])), _claims(flat[1:])

    async def extend(
        self, members: Sequence[str], until: datetime, token: str = "anonymous"
    ) -> set[str]:
        """Push back the leases `token` holds to `until`; returns the members it lost."""
        if not members:
            return set()
        lost = await self._scripts.run(
            "extend_leases", [self._lease, self._owner], [_epoch(until), token, *members]
        )
        return {text(m) for m in lost}

    async def finish(
        self, member: str, next_due: datetime | None, token: str = "anonymous"
    ) -> bool:
        """Release a claim, rescheduling it at `next_due` (or not at all).

        False when the claim was no longer ours: the member was rescheduled meanwhile (or our
        lease expired and another worker took it), and that newer schedule stands.
        """
        done = await self._scripts.run(
            "finish_lease",
            [self._due, self._lease, self._owner],
            [member, "" if next_due is None else _epoch(next_due), token],
        )
        return bool(done)

    async def in_hand(self, limit: int = 100) -> list[str]:
        """Members some worker holds right now (a sample of at most `limit`)."""
        rows = await self._redis.zrange(self._lease, 0, limit - 1)
        return [text(m) for m in rows if isinstance(m, (str, bytes))]

    async def size(self) -> int:
        return int(await self._redis.zcard(self._due))

    async def leased(self) -> int:
        return int(await self._redis.zcard(self._lease))


def _claims(flat: list[bytes | str]) -> list[Claim]:
    """Claims as claim_due.lua lists them: member, due score, member, due score, ..."""
    return [
        Claim(text(flat[i]), datetime.fromtimestamp(float(flat[i + 1]), UTC))
        for i in range(0, len(flat), 2)
    ]
