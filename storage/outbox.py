"""The outbox: messages owed to a participant, kept until they are sent.

A lesson enters the outbox in the same transaction that counts it as delivered, and leaves only
after the channel accepted it. A crash in between leaves it in the outbox for the next attempt,
so a lesson is neither lost nor, except for the one message in flight at the crash, sent twice.
"""

from __future__ import annotations

from importlib import resources

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.commands.core import AsyncScript

from storage.keys import Keys
from storage.models import OutboxItem


class Outbox:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        source = resources.files("storage").joinpath("lua", "pop_if_head.lua")
        self._pop_if_head: AsyncScript = redis.register_script(source.read_text("utf-8"))

    def queue(self, pipe: Pipeline, pid: str, items: list[OutboxItem]) -> None:
        """Add items inside a caller's transaction (see records.update's `also`)."""
        if items:
            pipe.rpush(self._keys.outbox(pid), *(i.model_dump_json() for i in items))

    async def put(self, pid: str, items: list[OutboxItem]) -> None:
        if items:
            await self._redis.rpush(self._keys.outbox(pid), *(i.model_dump_json() for i in items))

    async def head(self, pid: str) -> OutboxItem | None:
        raw = await self._redis.lindex(self._keys.outbox(pid), 0)
        return None if raw is None else OutboxItem.model_validate_json(raw)

    async def pop(self, pid: str, sent: OutboxItem) -> bool:
        """Remove `sent` from the front; False when someone else already did."""
        popped = await self._pop_if_head(
            keys=[self._keys.outbox(pid)], args=[sent.model_dump_json()]
        )
        return bool(popped)

    async def size(self, pid: str) -> int:
        return int(await self._redis.llen(self._keys.outbox(pid)))

    async def clear(self, pid: str) -> None:
        await self._redis.delete(self._keys.outbox(pid))
