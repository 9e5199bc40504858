"""The one loader for druppel's Lua scripts, in the manner of saq's queue.

Each script is read from `storage/lua/` once and registered on a client lazily; callers pass keys
and arguments explicitly. Every script touches keys of one hash slot only (see keys.py), so the
same scripts run unchanged on Redis Cluster.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
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
    return resources.files("storage").joinpath("lua", f"{name}.lua").read_text(encoding="utf-8")


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
