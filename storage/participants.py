"""Participants: one person on one channel, found by id or by their chat."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from datetime import datetime

import redis.asyncio as aioredis

from storage import records
from storage.keys import Keys
from storage.models import Channel, Participant
from storage.scripts import Scripts


def new_participant_id() -> str:
    """Random, so that no chat id or phone number ends up in a key name."""
    return secrets.token_hex(8)


class ParticipantRepo:
    def __init__(self, redis: aioredis.Redis, keys: Keys, scripts: Scripts) -> None:
        self._redis = redis
        self._keys = keys
        self._scripts = scripts

    async def get(self, pid: str) -> Participant | None:
        return await records.load(self._redis, self._keys.participant(pid), Participant)

    async def by_chat(self, channel: Channel, chat_id: str) -> Participant | None:
        pid = await self._redis.hget(self._keys.chat_index(channel), chat_id)
        return None if pid is None else await self.get(records.text(pid))

    async def get_or_create(
        self, channel: Channel, chat_id: str, *, now: datetime, **fields: object
    ) -> tuple[Participant, bool]:
        """The participant for this chat, created when new. Safe when two messages race.

        The record is written first and linked to the chat in one step after it, so a crash in
        between leaves only a record nothing points to. An index entry whose record is gone
        (a delete that was cut short) is taken over.
        """
        index = self._keys.chat_index(channel)
        for _ in range(3):
            linked = await self._redis.hget(index, chat_id)
            if linked is not None:
                existing = await self.get(records.text(linked))
                if existing is not None:
                    return existing, False
            candidate = Participant.model_validate(
                {"id": new_participant_id(), "channel": channel, "chat_id": chat_id,
                 "created_at": now, **fields}
            )  # fmt: skip
            await self._redis.set(
                self._keys.participant(candidate.id), candidate.model_dump_json(), nx=True
            )
            owner = records.text(
                await self._scripts.run(
                    "register_chat",
                    [index, self._keys.participants()],
                    [chat_id, candidate.id, "" if linked is None else records.text(linked)],
                )
            )
            if owner == candidate.id:
                return candidate, True
            await self._redis.delete(self._keys.participant(candidate.id))  # lost a race
        raise RuntimeError(f"could not settle who owns a {channel} chat")

    async def unregister(self, pid: str, channel: Channel | None, chat_id: str | None) -> None:
        """The last step of a delete: the chat no longer leads to `pid`, and it is uncounted."""
        index = self._keys.chat_index(channel or Channel.TELEGRAM)
        await self._scripts.run(
            "unregister_chat", [index, self._keys.participants()], [chat_id or "", pid]
        )

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
