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
from importlib import resources

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript

from storage.keys import Keys


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
    """One channel's limits, shared through Redis by every worker."""

    def __init__(
        self, redis: aioredis.Redis, keys: Keys, channel: str, overall: Rate, per_chat: Rate
    ) -> None:
        self._keys = keys
        self._channel = channel
        self._overall = overall
        self._per_chat = per_chat
        source = resources.files("storage").joinpath("lua", "rate_gcra.lua")
        self._script: AsyncScript = redis.register_script(source.read_text("utf-8"))

    async def try_acquire(self, chat_id: str) -> float:
        """Take a slot for one message to `chat_id`: 0.0 when granted, else seconds to wait."""
        chat = hashlib.sha256(chat_id.encode()).hexdigest()[:16]  # no chat id in key names
        overall, one_chat = (
            self._keys.rate_overall(self._channel),
            self._keys.rate_chat(self._channel, chat),
        )
        wait_ms = await self._script(
            keys=[overall, one_chat],
            args=[
                self._overall.interval_ms, self._overall.tolerance_ms,
                self._per_chat.interval_ms, self._per_chat.tolerance_ms,
            ],
        )  # fmt: skip
        return int(wait_ms) / 1000

    async def acquire(self, chat_id: str, max_wait: float) -> None:
        """Wait for a slot, up to `max_wait` real seconds; past that raise Throttled."""
        while (wait := await self.try_acquire(chat_id)) > 0:
            if wait > max_wait:
                raise Throttled(wait)
            await asyncio.sleep(wait)
