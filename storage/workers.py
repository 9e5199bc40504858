"""Worker heartbeats: which druppel processes are alive, in one hash every process writes to.

Each process overwrites its own field now and then; a reader sees who beat when. A process that
stops cleanly removes its field; one that died leaves it behind until a reader forgets it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import redis.asyncio as aioredis
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from storage.keys import Keys
from storage.models import UtcDatetime
from storage.records import text

log = logging.getLogger(__name__)


class WorkerBeat(BaseModel):
    """One process's latest heartbeat; `id` is its field name, the rest its stored JSON."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(default="", exclude=True)
    role: str
    at: UtcDatetime
    version: str


class WorkerRepo:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._key = keys.workers()

    async def beat(self, beat: WorkerBeat) -> None:
        await self._redis.hset(self._key, beat.id, beat.model_dump_json())

    async def all(self) -> list[WorkerBeat]:
        """Every heartbeat on record; one that cannot be read is logged and left out."""
        raw = await self._redis.hgetall(self._key)
        beats: list[WorkerBeat] = []
        for field, value in raw.items():
            worker_id = text(field)
            try:
                beat = WorkerBeat.model_validate_json(value)
            except ValidationError as exc:
                log.warning("unreadable heartbeat of worker %s: %s", worker_id, exc.errors()[0])
                continue
            beats.append(beat.model_copy(update={"id": worker_id}))
        return sorted(beats, key=lambda b: b.id)

    async def forget(self, worker_ids: Iterable[str]) -> None:
        ids = list(worker_ids)
        if ids:
            await self._redis.hdel(self._key, *ids)
