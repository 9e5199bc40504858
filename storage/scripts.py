"""The one loader for druppel's Lua scripts, in the manner of saq's queue.

Each script is read from `storage/lua/` once and registered on a client lazily; callers pass keys
and arguments explicitly. Every script touches keys of one hash slot only (see keys.py), so the
same scripts run unchanged on Redis Cluster.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.commands.core import AsyncScript

#: Calls of `run_many` in flight at once on a cluster (each takes a connection of its shard).
CLUSTER_CALLS = 16


@cache
def source(name: str) -> str:
    """A script's source: a file of `storage/lua/`, or two of them chained, "first>then" (see
    `chained`)."""
    if ">" in name:
        return chained(*name.split(">", 1))
    return resources.files("storage").joinpath("lua", f"{name}.lua").read_text(encoding="utf-8")


def chained(first: str, then: str) -> str:
    """Script `first`, then, only where it answered 1, script `then`, in the same step: one
    round trip where two would do, on keys of one hash slot. Each runs as it does alone, on its
    own keys and arguments: ARGV[1] and ARGV[2] say how many of the keys and arguments are
    `first`'s, the rest are `then`'s. Answers {0} where `first` did not answer 1 (`then` did not
    run), {1, `then`'s answer} where it did."""
    return f"""local function first(KEYS, ARGV)
{source(first)}
end
local function then_(KEYS, ARGV)
{source(then)}
end
local nk, na = tonumber(ARGV[1]), tonumber(ARGV[2])
if first({{unpack(KEYS, 1, nk)}}, {{unpack(ARGV, 3, 2 + na)}}) ~= 1 then
  return {{0}}
end
return {{1, then_({{unpack(KEYS, nk + 1, #KEYS)}}, {{unpack(ARGV, 3 + na, #ARGV)}})}}
"""


@dataclass(slots=True)
class Then:
    """A script to run right after another one writes, in the same step (`chained`): its keys
    and arguments, and its answer once it ran (None where it did not)."""

    name: str
    keys: list[str]
    args: list[Any]
    reply: Any = None


class Scripts:
    """The scripts of one client, registered on first use."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis
        self._loaded: dict[str, AsyncScript] = {}

    def _script(self, name: str) -> AsyncScript:
        script = self._loaded.get(name)
        if script is None:
            script = self._loaded[name] = self._redis.register_script(source(name))
        return script

    async def run(self, name: str, keys: list[str], args: list[Any]) -> Any:
        return await self._script(name)(keys=keys, args=args)

    async def run_then(self, name: str, keys: list[str], args: list[Any], then: Then) -> bool:
        """Script `name`, then `then` where it answered 1 (its answer kept in `then.reply`), in
        one step; whether `name` answered 1."""
        reply = await self.run(
            f"{name}>{then.name}", [*keys, *then.keys], [len(keys), len(args), *args, *then.args]
        )
        if int(reply[0]) != 1:
            return False
        then.reply = reply[1]
        return True

    async def run_many(self, name: str, calls: Sequence[tuple[list[str], list[Any]]]) -> list[Any]:
        """The script once for each (keys, args), in one round trip where the server is one
        (a pipeline, not a transaction: each call stands alone); on a cluster, whose calls go
        to several shards, a few at a time."""
        if not calls:
            return []
        script = self._script(name)
        if isinstance(self._redis, RedisCluster):
            gate = asyncio.Semaphore(CLUSTER_CALLS)

            async def one(keys: list[str], args: list[Any]) -> Any:
                async with gate:
                    return await script(keys=keys, args=args)

            return list(await asyncio.gather(*(one(k, a) for k, a in calls)))
        async with self._redis.pipeline(transaction=False) as pipe:
            for keys, args in calls:
                await script(keys=keys, args=args, client=pipe)
            return list(await pipe.execute())
