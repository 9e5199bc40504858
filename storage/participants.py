"""Participants: one person on one channel, found by id or by their chat.

A participant is the fields of their hash (see storage/profile.py), their chat id and name
sealed. The chat index of each channel leads from a chat to its participant, and is also what
counts them: every participant is linked to exactly one chat. A chat is filed there under an
HMAC of its id (storage/crypto.py), so the index finds a participant in one step while a dump of
it names no chat; with several keys it is looked up under each key's HMAC (one round trip) and
filed under the newest, and rotating the keys files every chat anew (`refile`). An older
release filed chats under their plain id; those entries are still found until they are refiled.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from datetime import datetime

import redis.asyncio as aioredis
from redis.exceptions import ResponseError, WatchError

from storage import records
from storage.crypto import TextCipher
from storage.errors import Conflict
from storage.keys import Keys
from storage.models import Channel, Participant
from storage.profile import Profiles, participant_fields
from storage.records import ScriptedRepo
from storage.scripts import Scripts


def new_participant_id() -> str:
    """Random, so that no chat id or phone number ends up in a key name."""
    return secrets.token_hex(8)


class ParticipantRepo(ScriptedRepo):
    def __init__(
        self, redis: aioredis.Redis, keys: Keys, scripts: Scripts, cipher: TextCipher
    ) -> None:
        super().__init__(redis, keys, scripts, cipher)
        self._profiles = Profiles(redis, keys, cipher)

    async def get(self, pid: str) -> Participant | None:
        return await self._profiles.participant(pid)

    def _filed_as(self, chat_id: str) -> list[str]:
        """Every field a chat may be filed under: each key's HMAC, newest first, then the
        plain id an older release used."""
        return [*self._cipher.chat_hashes(chat_id), chat_id]

    async def _linked(self, index: str, chat_id: str) -> tuple[str, str] | None:
        """(field, participant id) of the chat's entry in `index`, if it has one."""
        fields = self._filed_as(chat_id)
        for field, pid in zip(fields, await self._redis.hmget(index, fields), strict=True):
            if pid is not None:
                return field, records.text(pid)
        return None

    async def by_chat(self, channel: Channel, chat_id: str) -> Participant | None:
        """The chat's participant. Raises UndecryptableText when their record is there but
        no configured key opens it (see `linked` for who they are all the same)."""
        linked = await self._linked(self._keys.chat_index(channel), chat_id)
        return None if linked is None else await self.get(linked[1])

    async def linked(self, channel: Channel, chat_id: str) -> str | None:
        """The id the chat is filed under, without opening their record (which may be one no
        key opens: they can still erase it)."""
        found = await self._linked(self._keys.chat_index(channel), chat_id)
        return None if found is None else found[1]

    async def channel_of(self, pid: str) -> Channel | None:
        """The channel a record names, read without opening it (the channel is not sealed)."""
        try:
            raw = await self._redis.hget(self._keys.participant(pid), "channel")
        except ResponseError:  # an older release's JSON string
            return None
        return None if raw is None else Channel(records.text(raw))

    async def get_or_create(
        self, channel: Channel, chat_id: str, *, now: datetime, **fields: object
    ) -> tuple[Participant, bool]:
        """The participant for this chat, created when new. Safe when two messages race.

        The record is written first and linked to the chat in one step after it, so a crash in
        between leaves only a record nothing points to. An index entry whose record is gone
        (a delete that was cut short) is taken over.
        """
        index = self._keys.chat_index(channel)
        filed_as = self._cipher.chat_hash(chat_id)
        for _ in range(3):
            linked = await self._linked(index, chat_id)
            stale = ""
            if linked is not None:
                existing = await self.get(linked[1])
                if existing is not None:
                    return existing, False
                if linked[0] == filed_as:
                    stale = linked[1]
                else:  # filed under an older key, its record gone: unfile it
                    await self._unfile(index, linked[1], [linked[0]])
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
                    [filed_as, candidate.id, stale],
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
                fields = participant_fields(participant, self._cipher)
                pipe.hset(key, mapping={k: v for k, v in fields.items()})
                await pipe.execute()
            except WatchError:
                return False
        return True

    async def unregister(self, pid: str, channel: Channel | None, chat_id: str | None) -> None:
        """The last step of a delete: the chat no longer leads to `pid`, and it is uncounted."""
        index = self._keys.chat_index(channel or Channel.TELEGRAM)
        await self._unfile(index, pid, self._filed_as(chat_id) if chat_id else [])

    async def unregister_unread(self, pid: str, channel: Channel | None) -> None:
        """`unregister` for a record no key opens, whose chat is not known: the channel's
        index (every index, when that is not known either) is looked through for `pid`, a
        scan of it for this rare case only."""
        for each in [channel] if channel is not None else list(Channel):
            index = self._keys.chat_index(each)
            fields = [
                records.text(field)
                async for field, owner in self._redis.hscan_iter(index, count=500)
                if records.text(owner) == pid
            ]
            await self._unfile(index, pid, fields)

    async def _unfile(self, index: str, pid: str, fields: list[str]) -> None:
        """Remove the entries among `fields` that still name `pid`, and `pid` from the set an
        older release kept."""
        await self._scripts.run(
            "unregister_chat", [index, self._keys.participants()], [pid, *fields]
        )

    async def refile(self, participant: Participant) -> bool:
        """File the participant's chat under the newest key's HMAC, and no longer under an
        older one (or its plain id); True when that changed anything."""
        index = self._keys.chat_index(participant.channel)
        fields = self._filed_as(participant.chat_id)
        found = await self._redis.hmget(index, fields)
        if found[0] is not None and not any(found[1:]):
            return False
        if found[0] is None:
            await self._redis.hsetnx(index, fields[0], participant.id)
        await self._unfile(index, participant.id, fields[1:])
        return True

    async def reseal(self, pid: str) -> bool:
        """Seal the participant's own fields under the newest key (a no-op when they are);
        False when there is no such participant."""
        return await self.update(pid, lambda p: p) is not None

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
