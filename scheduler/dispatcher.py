"""The dispatcher: claims what is due from Redis and hands each claim to a handler.

It knows nothing of courses or channels. Its claims are leases owned by this worker's token,
kept by `scheduler.leases.LeaseRunner` (the WhatsApp inbox's too): a worker claims only as many
members as it has free handling slots, a heartbeat extends the leases in hand while their
handlers run, and a handler whose lease was lost (it expired, or someone rescheduled the member)
is cancelled, since another worker may now hold it. Each member goes back to the due index at
the time its handler asks for. A handler that raises is logged and retried later; it never takes
the dispatcher down.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from scheduler.clock import Clock
from scheduler.leases import LeaseRunner, LeaseStats
from scheduler.quiet import Quiet
from storage.due import Claim, DueIndex

log = logging.getLogger(__name__)

#: A handler gets a claimed member and returns when it is next due (None: not again).
Handler = Callable[[str], Awaitable[datetime | None]]


@dataclass
class DispatchStats(LeaseStats):
    """Counters an operator can read; they only ever grow."""

    ticks: int = 0
    handled: int = 0
    failed: int = 0
    last_tick: datetime | None = None
    last_error: str | None = None


@dataclass
class _DueLeases:
    """The due index's leases, as one worker (its token) holds them."""

    due: DueIndex
    clock: Clock
    lease_seconds: float
    token: str

    def _lease(self) -> float:
        return self.clock.to_course_seconds(self.lease_seconds)

    async def claim(self, limit: int) -> list[Claim]:
        return await self.due.claim(self.clock.now(), limit, self._lease(), self.token)

    async def extend(self, members: Sequence[str]) -> set[str]:
        until = self.clock.now() + timedelta(seconds=self._lease())
        return await self.due.extend(members, until, self.token)

    async def hand_back(self, claim: Claim) -> None:
        await self.due.finish(claim.member, claim.due_at, self.token)  # due as it was

    async def finish(
        self, member: str, next_due: datetime | None, claim: int
    ) -> tuple[bool, list[Claim]]:
        """Let go of `member` (due again at `next_due`), claiming up to `claim` in one step."""
        if claim <= 0:
            return await self.due.finish(member, next_due, self.token), []
        return await self.due.finish_and_claim(
            member, next_due, self.token, self.clock.now(), claim, self._lease()
        )


@dataclass
class Dispatcher:
    due: DueIndex
    clock: Clock
    handler: Handler
    batch: int = 200  # the most members one claim takes
    concurrency: int = 32  # handlers running at once; a worker claims only what it can start
    lease_seconds: float = 15.0  # real seconds a claim lasts without a heartbeat
    retry_after_error: float = 60.0  # real seconds before a failed claim is tried again
    stats: DispatchStats = field(default_factory=DispatchStats)
    token: str = field(default_factory=lambda: secrets.token_hex(8))

    def __post_init__(self) -> None:
        self._quiet = Quiet(log)
        self._leases = leases = _DueLeases(self.due, self.clock, self.lease_seconds, self.token)
        self._runner = LeaseRunner(
            leases, self._handle, lease_seconds=self.lease_seconds,
            concurrency=self.concurrency, batch=self.batch, quiet=self._quiet, stats=self.stats,
        )  # fmt: skip

    async def pulse(self) -> int:
        """Claim what is due, as much as there are free slots, and start handling it.

        Returns at once; the handlers run on. When a handler ends and the last claim was full,
        the freed slot is filled straight away instead of at the next pulse.
        """
        if self._runner.stopping:
            return 0
        started = await self._runner.fill()
        self.stats.ticks += 1
        self.stats.last_tick = self.clock.now()
        return started

    async def tick(self) -> int:
        """Claim and handle everything due now, and wait for it; returns how many were handled.

        The tests, the demo and the benchmarks step time with this; workers use `pulse`.
        """
        handled = 0
        self._runner.refill = False
        try:
            while True:
                started = await self.pulse()
                handled += started
                await self.settle()
                if started == 0:
                    return handled
        finally:
            self._runner.refill = True

    async def settle(self) -> None:
        """Wait until every running handler has finished."""
        await self._runner.settle()

    @property
    def running(self) -> int:
        return self._runner.running

    async def _handle(self, claim: Claim) -> None:
        member = claim.member
        try:
            next_due = await self.handler(member)
            self.stats.handled += 1
        except Exception as exc:
            self.stats.failed += 1
            self.stats.last_error = f"{type(exc).__name__}: {exc}"
            reason = str(exc).splitlines()[0] if str(exc) else ""
            self._quiet.error(
                type(exc).__name__, "handling %s failed (%s: %s); retrying later",
                member, type(exc).__name__, reason,
            )  # fmt: skip
            retry = self.clock.to_course_seconds(self.retry_after_error)
            next_due = self.clock.now() + timedelta(seconds=retry)
        try:
            # The slot this frees is filled in the same step, when more was waiting.
            wanted = self._runner.take_refill()
            self._runner.letting_go(member)
            finished, claims = await self._leases.finish(member, next_due, wanted)
            await self._runner.adopt(claims, wanted)
            if not finished:
                log.debug("%s was rescheduled while handled; the newer schedule stands", member)
        except Exception as exc:  # Redis away: the lease runs out and the member is due again
            self._quiet.warning("finish", "could not finish the claim of %s: %s", member, exc)

    async def stop(self, grace: float) -> bool:
        """Claim nothing more; let running handlers finish within `grace` real seconds, then
        cancel the rest and hand their claims back. True when everything finished in time."""
        return await self._runner.stop(grace)
