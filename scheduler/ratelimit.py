"""Pacing sends under a platform's limits, together across every worker process.

Telegram allows about 30 messages a second per bot and about one a second per chat (with a
short burst); going over earns 429s and, kept up, longer bans. Each process keeping its own count
cannot know what the others send, so the count lives in Redis: one Lua call per message decides
"go now" or "wait this long", using the Redis server's clock.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass

import redis.asyncio as aioredis

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

    @property
    def interval_ms(self) -> int:
        return max(1, round(1000 / self.per_second))

    @property
    def tolerance_ms(self) -> int:
        return self.interval_ms * (self.burst - 1)


class Throttled(Exception):
    """Sending now would break the limit; try again after `retry_after` real seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"paced: next send in {retry_after:.2f}s")
        self.retry_after = retry_after


class RateLimiter:
    """One channel's limits, shared through Redis by every worker.

    Every message counts against the whole bot's rate and its chat's rate; unsolicited ones
    (lessons, broadcasts) also against the bulk rate, which is set lower than the whole, so
    replies to what a participant just did always find room and never wait behind a crowd's
    lessons. When the platform says "retry after", `pause` stops every worker's sends.
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

    async def try_acquire(self, chat_id: str, lane: Lane = Lane.REPLY) -> float:
        """Take a slot for one message to `chat_id`: 0.0 when granted, else seconds to wait."""
        chat = hashlib.sha256(chat_id.encode()).hexdigest()[:16]  # no chat id in key names
        k, ch = self._keys, self._channel
        buckets = [(k.rate_overall(ch), self._overall), (k.rate_chat(ch, chat), self._per_chat)]
        if lane is not Lane.REPLY:
            buckets.append((k.rate_bulk(ch), self._bulk))
        args: list[int] = []
        for _, rate in buckets:
            args += [rate.interval_ms, rate.tolerance_ms]
        wait_ms = await self._scripts.run(
            "rate_gcra", [k.rate_pause(ch), *(key for key, _ in buckets)], args
        )
        return int(wait_ms) / 1000

    async def acquire(self, chat_id: str, max_wait: float, lane: Lane = Lane.REPLY) -> None:
        """Wait for a slot, up to `max_wait` real seconds; past that raise Throttled."""
        while (wait := await self.try_acquire(chat_id, lane)) > 0:
            if wait > max_wait:
                raise Throttled(wait)
            await asyncio.sleep(wait)

    async def pause(self, seconds: float) -> None:
        """Nobody sends on this channel for `seconds` (the platform's retry_after)."""
        ms = max(1, round(seconds * 1000))
        await self._scripts.run("rate_pause", [self._keys.rate_pause(self._channel)], [ms])
