"""Erasing a participant: every key family that can name them (see families.py), in an order
that leaves nothing behind, however the rest of druppel races it.

First, in one transaction on the participant's own slot, a tombstone is set and every key of
theirs goes: from then on nothing can be sent or shown to them, and the writers of that slot
(the enrollment writes, a broadcast's queueing) see the tombstone in the same step and write
nothing. Then their id leaves every shared structure: the segment sets of every course they had
(whatever status was read), every broadcast's recipients, the failure log, the activity index and
the schedule; then the channel's own keys and the chat link. Writers of those shared structures
write first and look for the tombstone after, so either they see it and undo their write, or the
clean-up here comes after their write. The tombstone lapses after a day, leaving nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from storage import records
from storage.crypto import TextCipher, UndecryptableText
from storage.due import DueIndex
from storage.enrollments import EnrollmentRepo
from storage.errors import Conflict
from storage.keys import Keys, chat_member, enrollment_member
from storage.models import Channel
from storage.participants import ParticipantRepo
from storage.profile import Profiles
from storage.records import text
from storage.threads import ThreadRepo

#: Real seconds the tombstone of an erasure stands: far longer than any write in flight.
TOMBSTONE_SECONDS = 24 * 3600

#: Erases what a channel keeps of one chat outside the participant's keys, given the chat id.
ChatEraser = Callable[[str], Awaitable[None]]
#: Blanks the messages in trainers' chats that showed the erased participant's threads, given
#: (trainer id, message id) pairs: returns those to try again later, or None when this process
#: cannot edit them at all.
CopyBlanker = Callable[[list[tuple[str, str]]], Awaitable[list[tuple[str, str]] | None]]


#: Takes a participant's id out of one structure shared by everyone (their own keys go first).
Forget = Callable[[str], Awaitable[object]]


class Eraser:
    def __init__(
        self, redis: aioredis.Redis, keys: Keys, cipher: TextCipher, participants: ParticipantRepo,
        enrollments: EnrollmentRepo, due: DueIndex, threads: ThreadRepo, shared: Sequence[Forget],
    ) -> None:  # fmt: skip
        """`shared`: what else names them besides the segments, the coaches' indexes of their
        threads and the schedule, in the order it is forgotten (every broadcast's recipients,
        the failure log, the activity index)."""
        self._redis = redis
        self._keys = keys
        self._profiles = Profiles(redis, keys, cipher)
        self._participants = participants
        self._enrollments = enrollments
        self._due = due
        self._threads = threads
        self._shared = (*shared, threads.forget)
        #: What each channel keeps under a chat (WhatsApp's inbox), added by its wiring.
        self.chat_erasers: dict[Channel, ChatEraser] = {}
        #: What blanks the coaches' copies of an erased participant's threads (the coaches' inbox,
        #: when wired).
        self.blank_copies: CopyBlanker | None = None

    async def erase(self, pid: str, chat: tuple[Channel, str] | None = None) -> bool:
        """Forget a participant entirely. False when there was no such participant; safe to
        run twice (the second run finds nothing and renews the tombstone). `chat` is the chat
        they asked from, if they did: it is what finds a record no key opens in the channel's
        keys (without it, its chat index entry is looked for by id)."""
        try:
            participant = await self._participants.get(pid)
            channel = participant.channel if participant else None
            chat_id = participant.chat_id if participant else None
            existed = participant is not None
        except UndecryptableText:  # erased all the same: they asked, or retention did
            existed = True
            channel, chat_id = chat or (await self._participants.channel_of(pid), None)
        # Where the coaches were shown their threads, kept apart before the threads go: the
        # copies are blanked from there, now when this process can edit them, or later by the
        # engine (an erasure from the command line, or a crash in between).
        copies = await self._copies(pid)
        if copies:
            await self._redis.rpush(self._keys.coach_blanks(), *(f"{c} {m}" for c, m in copies))
        course_ids = await self._own_keys(pid)
        await self._enrollments.segments.forget(pid, sorted(course_ids))
        for forget in self._shared:
            await forget(pid)
        for course_id in sorted(course_ids):
            await self._due.unschedule(enrollment_member(pid, course_id))
        await self._due.unschedule(chat_member(pid))
        if channel is not None and chat_id is not None:
            erase_chat = self.chat_erasers.get(channel)
            if erase_chat is not None:
                await erase_chat(chat_id)
        if existed and chat_id is None:
            await self._participants.unregister_unread(pid, channel)
        else:
            await self._participants.unregister(pid, channel, chat_id)
        if copies:
            await self.blank_pending()
        return existed

    async def blank_pending(self) -> int:
        """Blank the coaches' copies erasures left to do, when this process can edit them;
        how many were handed to the blanker. Editing a copy twice does no harm, so a crash
        between the edits and their removal only repeats them; each copy handled is removed by
        its value, so a copy another erasure added meanwhile, or another process's turn, is
        never dropped unblanked."""
        if self.blank_copies is None:
            return 0
        key = self._keys.coach_blanks()
        raw = await self._redis.lrange(key, 0, -1)
        if not raw:
            return 0
        copies = [
            (chat, message_id) for chat, _, message_id in (text(r).partition(" ") for r in raw)
        ]
        later = await self.blank_copies(copies)
        if later is None:
            return 0
        done = [text(r) for r in raw]
        for chat, message_id in later:
            done.remove(f"{chat} {message_id}")
        async with self._redis.pipeline(transaction=False) as pipe:
            for value in done:
                pipe.lrem(key, 1, value)
            await pipe.execute()
        return len(done)

    async def _copies(self, pid: str) -> list[tuple[str, str]]:
        """Where the coaches were shown their threads, read before the threads go."""
        try:
            return await self._threads.shown(pid)
        except UndecryptableText:  # a thread no key opens: its copies stay as they are
            return []

    async def _own_keys(self, pid: str) -> set[str]:
        """Set the tombstone and delete every key in the participant's slot, at once; returns
        the courses they had, read under WATCH so a course started meanwhile is not missed."""
        async with self._redis.pipeline(transaction=True) as pipe:
            for _ in range(records.UPDATE_ATTEMPTS):
                try:
                    stored = await self._profiles.watch(pipe, pid, courses=None)
                    course_ids = stored.courses() | stored.legacy_courses
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.set(self._keys.erased(pid), "1", ex=TOMBSTONE_SECONDS)
                    pipe.delete(*self._keys.participant_keys(pid, sorted(course_ids)))
                    await pipe.execute()
                    return course_ids
                except WatchError:
                    continue
        raise Conflict(f"participant {pid} kept changing; could not erase them, try again")
