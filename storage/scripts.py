"""The one loader for druppel's Lua scripts, in the manner of saq's queue.

Each script is read from `storage/lua/` once and registered on a client lazily; callers pass keys
and arguments explicitly. Every script touches keys of one hash slot only (see keys.py), so the
same scripts run unchanged on Redis Cluster.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript


@cache
def source(name: str) -> str:
    return resources.files("storage").joinpath("lua", f"{name}.lua").read_text(encoding="utf-8")


class Scripts:
    """The scripts of one client, registered on first use."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis
        self._loaded: dict[str, AsyncScript] = {}

    async def run(self, name: str, keys: list[str], args: list[Any]) -> Any:
        script = self._loaded.get(name)
        if script is None:
            script = self._loaded[name] = self._redis.register_script(source(name))
        return await script(keys=keys, args=args)
