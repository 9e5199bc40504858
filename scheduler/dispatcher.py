"""The dispatcher: claims what is due from Redis and hands each claim to a handler.

It knows nothing of courses or channels. Each tick claims at most `batch` due enrollments with one
Lua call (so several worker processes share the work without overlap), runs the handler for each
with bounded concurrency, and puts every claim back at the time its handler asks for. A handler
that raises is logged and retried later; it never takes the dispatcher down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from scheduler.clock import Clock
from storage.due import Claim, DueIndex

log = logging.getLogger(__name__)

#: A handler gets a claimed member and returns when it is next due (None: not again).
Handler = Callable[[str], Awaitable[datetime | None]]


@dataclass
class DispatchStats:
    """Counters an operator can read; they only ever grow."""

    ticks: int = 0
    handled: int = 0
    failed: int = 0
    last_tick: datetime | None = None
    last_error: str | None = None


@dataclass
class Dispatcher:
    due: DueIndex
    clock: Clock
    handler: Handler
    batch: int = 200
    concurrency: int = 32
    lease_seconds: float = 120.0  # real seconds a claim is ours before another worker may take it
    retry_after_error: float = 60.0  # real seconds before a failed claim is tried again
    stats: DispatchStats = field(default_factory=DispatchStats)

    async def tick(self) -> int:
        """Claim and handle what is due now; returns how many claims were handled."""
        now = self.clock.now()
        lease = self.clock.to_course_seconds(self.lease_seconds)
        handled = 0
        while True:
            claims = await self.due.claim(now, self.batch, lease)
            if not claims:
                break
            gate = asyncio.Semaphore(self.concurrency)
            await asyncio.gather(*(self._handle(claim, gate) for claim in claims))
            handled += len(claims)
            if len(claims) < self.batch:
                break
        self.stats.ticks += 1
        self.stats.last_tick = now
        return handled

    async def _handle(self, claim: Claim, gate: asyncio.Semaphore) -> None:
        async with gate:
            try:
                next_due = await self.handler(claim.member)
                self.stats.handled += 1
            except Exception as exc:
                self.stats.failed += 1
                self.stats.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("handling %s failed; retrying later", claim.member)
                retry = self.clock.to_course_seconds(self.retry_after_error)
                next_due = self.clock.now() + timedelta(seconds=retry)
            await self.due.finish(claim.member, next_due)
