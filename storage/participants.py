"""Participants: one person on one channel, found by id or by their chat."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from datetime import datetime

import redis.asyncio as aioredis

from storage import records
from storage.keys import Keys
from storage.models import Channel, Participant


def new_participant_id() -> str:
    """Random, so that no chat id or phone number ends up in a key name."""
    return secrets.token_hex(8)


class ParticipantRepo:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def get(self, pid: str) -> Participant | None:
        return await records.load(self._redis, self._keys.participant(pid), Participant)

    async def by_chat(self, channel: Channel, chat_id: str) -> Participant | None:
        pid = await self._redis.hget(self._keys.chat_index(channel), chat_id)
        return None if pid is None else await self.get(records.text(pid))

    async def get_or_create(
        self, channel: Channel, chat_id: str, *, now: datetime, **fields: object
    ) -> tuple[Participant, bool]:
        """The participant for this chat, created when new. Safe when two messages race."""
        existing = await self.by_chat(channel, chat_id)
        if existing is not None:
            return existing, False
        candidate = Participant.model_validate(
            {"id": new_participant_id(), "channel": channel, "chat_id": chat_id,
             "created_at": now, **fields}
        )  # fmt: skip
        await self._redis.set(
            self._keys.participant(candidate.id), candidate.model_dump_json(), nx=True
        )
        won = await self._redis.hsetnx(self._keys.chat_index(channel), chat_id, candidate.id)
        if not won:  # another request created this chat's participant a moment ago
            await self._redis.delete(self._keys.participant(candidate.id))
            winner = await self.by_chat(channel, chat_id)
            if winner is None:
                raise RuntimeError(f"participant for {channel} chat vanished while created")
            return winner, False
        await self._redis.sadd(self._keys.participants(), candidate.id)
        return candidate, True

    async def save(self, participant: Participant) -> None:
        await self._redis.set(self._keys.participant(participant.id), participant.model_dump_json())

    async def update(
        self, pid: str, change: Callable[[Participant], Participant | None]
    ) -> Participant | None:
        return await records.update(self._redis, self._keys.participant(pid), Participant, change)

    async def count(self) -> int:
        return int(await self._redis.scard(self._keys.participants()))

    async def ids(self) -> AsyncIterator[str]:
        async for pid in self._redis.sscan_iter(self._keys.participants(), count=500):
            yield records.text(pid)
