"""Event counters in Redis: a running total and one bucket per UTC hour.

They live in Redis rather than in a process so that every worker adds to the same numbers and a
restart loses none. Which names exist is decided above storage; here a name is only a hash field.
The total and the hour buckets share the hash tag `{stats}`, so one increment of both is one
transaction on one slot, on a single server and on Redis Cluster alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import redis.asyncio as aioredis

from storage.keys import Keys
from storage.records import text

#: How long an hour's bucket is kept after its last increment: a week of history for charts and
#: digests, plus a day so that "the last 7 days" is whole at any hour.
HOUR_TTL_SECONDS = 8 * 24 * 3600


def _counts(raw: Mapping[bytes | str, bytes | str]) -> dict[str, int]:
    return {text(name): int(value) for name, value in raw.items()}


class CounterRepo:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def add(self, counts: Mapping[str, int], hour: str) -> None:
        """Add `counts` to the totals and to the bucket of `hour` (`YYYYMMDDHH`, UTC) at once."""
        if not counts:
            return
        bucket = self._keys.stats_hour(hour)
        async with self._redis.pipeline(transaction=True) as pipe:
            for name, n in counts.items():
                pipe.hincrby(self._keys.stats_total(), name, n)
                pipe.hincrby(bucket, name, n)
            pipe.expire(bucket, HOUR_TTL_SECONDS)
            await pipe.execute()

    async def totals(self) -> dict[str, int]:
        return _counts(await self._redis.hgetall(self._keys.stats_total()))

    async def hours(self, hours: Sequence[str]) -> list[dict[str, int]]:
        """The buckets of `hours`, in that order; an hour nothing happened in is empty."""
        if not hours:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for hour in hours:
                pipe.hgetall(self._keys.stats_hour(hour))
            rows = await pipe.execute()
        return [_counts(row) for row in rows]
