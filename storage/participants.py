"""Participants: one person on one channel, found by id or by their chat.

A participant is the plain fields of their hash (see storage/profile.py). The chat index of each
channel leads from a chat to its participant, and is also what counts them: every participant
is linked to exactly one chat.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from datetime import datetime

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from storage import records
from storage.errors import Conflict
from storage.keys import Keys
from storage.models import Channel, Participant
from storage.profile import Profiles, participant_fields
from storage.scripts import Scripts


def new_participant_id() -> str:
    """Random, so that no chat id or phone number ends up in a key name."""
    return secrets.token_hex(8)


class ParticipantRepo:
    def __init__(self, redis: aioredis.Redis, keys: Keys, scripts: Scripts) -> None:
        self._redis = redis
        self._keys = keys
        self._scripts = scripts
        self._profiles = Profiles(redis, keys)

    async def get(self, pid: str) -> Participant | None:
        return await self._profiles.participant(pid)

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
            if not await self._create(candidate):
                continue  # the random id is taken: draw another
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

    async def _create(self, participant: Participant) -> bool:
        """Store a new participant's record, unless their id is already in use."""
        key = self._keys.participant(participant.id)
        async with self._redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(key)
                # TYPE, not EXISTS: a cluster pipeline cannot run EXISTS (a multi-key command)
                # while it watches.
                if records.text(await pipe.type(key)) != "none":
                    await pipe.reset()  # type: ignore[no-untyped-call]
                    return False
                pipe.multi()  # type: ignore[no-untyped-call]
                pipe.hset(key, mapping={k: v for k, v in participant_fields(participant).items()})
                await pipe.execute()
            except WatchError:
                return False
        return True

    async def unregister(self, pid: str, channel: Channel | None, chat_id: str | None) -> None:
        """The last step of a delete: the chat no longer leads to `pid`, and it is uncounted."""
        index = self._keys.chat_index(channel or Channel.TELEGRAM)
        await self._scripts.run(
            "unregister_chat", [index, self._keys.participants()], [chat_id or "", pid]
        )

    async def save(self, participant: Participant) -> None:
        """Store the participant as given (their enrollments stay as they are)."""
        await self._change(participant.id, lambda _: participant)

    async def update(
        self, pid: str, change: Callable[[Participant], Participant | None]
    ) -> Participant | None:
        """Apply `change` to the stored participant and write the result atomically; see
        records.update for what `change` gets and returns. None when there is no such one."""
        return await self._change(pid, lambda p: None if p is None else change(p), need=True)

    async def _change(
        self,
        pid: str,
        change: Callable[[Participant | None], Participant | None],
        need: bool = False,
    ) -> Participant | None:
        async with self._redis.pipeline(transaction=True) as pipe:
            for _ in range(records.UPDATE_ATTEMPTS):
                try:
                    before = await self._profiles.watch(pipe, pid, courses=())
                    current = before.participant()
                    changed = change(None if current is None else current.model_copy(deep=True))
                    if changed is None:
                        await pipe.reset()  # type: ignore[no-untyped-call]
                        return None if need and current is None else current
                    pipe.multi()  # type: ignore[no-untyped-call]
                    self._profiles.write(pipe, before, participant=changed)
                    await pipe.execute()
                    return changed
                except WatchError:
                    continue
        raise Conflict(
            f"participant {pid} kept changing; gave up after {records.UPDATE_ATTEMPTS} attempts"
        )

    async def count(self) -> int:
        """Everyone with a chat: the chat indexes hold one entry per participant."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for channel in Channel:
                pipe.hlen(self._keys.chat_index(channel))
            return sum(int(n) for n in await pipe.execute())

    async def ids(self) -> AsyncIterator[str]:
        for channel in Channel:
            index = self._keys.chat_index(channel)
            async for _chat, pid in self._redis.hscan_iter(index, count=500):
                yield records.text(pid)
