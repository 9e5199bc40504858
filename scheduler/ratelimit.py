"""Pacing sends under a platform's limits, together across every worker process.

Telegram allows about 30 messages a second per bot and about one a second per chat (with a
short burst); going over earns 429s and, kept up, longer bans. Each process keeping its own count
cannot know what the others send, so the count lives in Redis, decided on the Redis server's
clock. A message from a chat's queue has its chat's turn taken by the queue step that hands it
out (storage/queue.py); what is left is the budget every chat shares, whose slots a process
reserves a batch at a time (scheduler/budget.py). A message sent to a chat directly (staff, a
broadcast's progress) takes both in one Lua call, its chat's turn kept here.
"""

from __future__ import annotations

import asyncio
import hashlib
from contextvars import ContextVar
from dataclasses import dataclass

import redis.asyncio as aioredis

from scheduler.budget import OverBudget, SharedBudget
from storage.keys import Keys
from storage.models import Lane
from storage.scripts import Scripts


@dataclass(frozen=True, slots=True)
class Rate:
    """`per_second` messages a second on average, with up to `burst` at once."""

    per_second: float
    burst: int = 1

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError(f"not a usable rate: {self}")

    @classmethod
    def steady(cls, per_second: float) -> Rate:
        """A platform-wide pace: the burst is a fifth of a second's worth, so no one second
        sees more than `per_second` and a fifth (25/s gives at most 30 in any second)."""
        return cls(per_second, burst=max(1, int(per_second / 5)))

    @property
    def interval_us(self) -> int:
        """Microseconds between two messages: fine enough that any pace up to 1000 a second
        is kept as set (900 a second is 1111 µs, not a whole millisecond's 1000)."""
        return max(1, round(1_000_000 / self.per_second))

    @property
    def tolerance_us(self) -> int:
        return self.interval_us * (self.burst - 1)


#: Whether the shared budget (the whole bot's or the bulk lane's pace, not the chat's own) bound
#: a message this task paced: it waited for it, or took its slot out of the second half of the
#: burst. The channel is at its limit, and the sender should let other chats have their turn
#: before the next one.
at_budget: ContextVar[bool] = ContextVar("at_budget", default=False)

#: Slots of the whole bot's burst that lessons and broadcasts leave to replies: under a crowd's
#: lessons, a participant's answer still goes at once.
REPLY_HEADROOM = 2


class Throttled(Exception):
    """Sending now would break the limit; try again after `retry_after` real seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"paced: next send in {retry_after:.2f}s")
        self.retry_after = retry_after


class RateLimiter:
    """One channel's limits, shared through Redis by every worker.

    Every message counts against the whole bot's rate and its chat's rate; unsolicited ones
    (lessons, broadcasts) also against the bulk rate, and they may not use the last
    REPLY_HEADROOM slots of the bot's burst, so replies to what a participant just did always
    find room and never wait behind a crowd's lessons. When the platform says "retry after",
    `pause` stops every worker's sends.
    """

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        channel: str,
        overall: Rate,
        per_chat: Rate,
        bulk: Rate | None = None,
    ) -> None:
        self._keys = keys
        self._channel = channel
        self._overall = overall
        self._per_chat = per_chat
        self._bulk = bulk or overall
        self._scripts = Scripts(redis)
        #: Lessons and broadcasts of this process ask the shared limits one at a time, in the
        #: order they came: no herd of waiters polling Redis for every free slot, and the first
        #: to wait is the first to go.
        self._gate = asyncio.Lock()
        pause = keys.rate_pause(channel)
        overall_key, bulk_key = keys.rate_overall(channel), keys.rate_bulk(channel)
        headroom = min(REPLY_HEADROOM, overall.burst - 1) * overall.interval_us
        #: The shared budget alone, for messages whose chat's turn the queue took: replies
        #: with the whole burst, lessons and broadcasts leaving the headroom, in the bulk lane.
        self._replies = SharedBudget(
            self._scripts, pause, [(overall_key, overall.interval_us, overall.tolerance_us)],
            batched=False,
        )  # fmt: skip
        self._unsolicited = SharedBudget(self._scripts, pause, [
            (overall_key, overall.interval_us, overall.tolerance_us - headroom),
            (bulk_key, self._bulk.interval_us, self._bulk.tolerance_us),
        ])  # fmt: skip

    @property
    def per_chat(self) -> Rate:
        """One chat's own pace."""
        return self._per_chat

    async def try_acquire(self, chat_id: str, lane: Lane = Lane.REPLY) -> float:
        """Take a slot for one message to `chat_id`: 0.0 when granted, else seconds to wait."""
        wait, _ = await self._try(chat_id, lane)
        return wait

    async def _try(self, chat_id: str, lane: Lane) -> tuple[float, bool]:
        """The wait, and whether the shared budget binds: it is what the wait is for (not the
        chat's own pace), or the slot granted came out of its burst."""
        chat = hashlib.sha256(chat_id.encode()).hexdigest()[:16]  # no chat id in key names
        k, ch = self._keys, self._channel
        overall = self._overall
        args = [overall.interval_us, overall.tolerance_us]
        if lane is not Lane.REPLY:
            headroom = min(REPLY_HEADROOM, overall.burst - 1) * overall.interval_us
            args[1] -= headroom
        keys = [k.rate_pause(ch), k.rate_overall(ch), k.rate_chat(ch, chat)]
        args += [self._per_chat.interval_us, self._per_chat.tolerance_us]
        if lane is not Lane.REPLY:
            keys.append(k.rate_bulk(ch))
            args += [self._bulk.interval_us, self._bulk.tolerance_us]
        reply = await self._scripts.run("rate_gcra", keys, args)
        if not isinstance(reply, list):
            return 0.0, False
        wait_us, binding = int(reply[0]), int(reply[1])
        if wait_us <= 0:  # granted: "shared" says whether it came out of a shared burst
            return 0.0, len(reply) > 2 and int(reply[2]) == 1
        return wait_us / 1_000_000, binding != 3  # 3: the chat's own bucket (KEYS[3])

    async def acquire(
        self, chat_id: str, max_wait: float, lane: Lane = Lane.REPLY, *, chat: bool = True
    ) -> None:
        """Wait for a slot, up to `max_wait` real seconds; past that raise Throttled.

        A lesson or broadcast never waits for its own chat's pace: Throttled at once, so the
        sender can serve other chats meanwhile. Sets `at_budget` for the calling task when the
        shared budget binds (it waited for it, or took a slot out of its burst). `chat` False:
        the chat's turn was taken already (by its queue), only the shared budget is waited for.
        """
        if not chat:
            budget = self._replies if lane is Lane.REPLY else self._unsolicited
            try:
                if await budget.take(max_wait):
                    at_budget.set(True)
            except OverBudget as exc:
                if exc.shared:
                    at_budget.set(True)
                raise Throttled(exc.retry_after) from exc
            return
        if lane is Lane.REPLY:
            await self._acquire(chat_id, max_wait, lane)
            return
        async with self._gate:
            await self._acquire(chat_id, max_wait, lane)

    async def _acquire(self, chat_id: str, max_wait: float, lane: Lane) -> None:
        while True:
            wait, shared = await self._try(chat_id, lane)
            if shared:
                at_budget.set(True)
            if wait <= 0:
                return
            if wait > max_wait or (not shared and lane is not Lane.REPLY):
                raise Throttled(wait)
            await asyncio.sleep(wait)

    async def pause(self, seconds: float) -> None:
        """Nobody sends on this channel for `seconds` (the platform's retry_after)."""
        ms = max(1, round(seconds * 1000))
        self._replies.forget()
        self._unsolicited.forget()
        await self._scripts.run("rate_pause", [self._keys.rate_pause(self._channel)], [ms])
