"""The dispatcher: claims what is due from Redis and hands each claim to a handler.

It knows nothing of courses or channels. A worker claims only as many members as it has free
handling slots, so a worker that dies strands little. Every claim is owned by this worker's
token: a heartbeat extends the leases in hand while their handlers run, and a handler whose lease
was lost (it expired, or someone rescheduled the member) is cancelled, since another worker may
now hold it. Each member goes back to the due index at the time its handler asks for. A handler
that raises is logged and retried later; it never takes the dispatcher down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from scheduler.clock import Clock
from scheduler.quiet import Quiet
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
    lost: int = 0  # handlers stopped because their lease was no longer ours
    handed_back: int = 0  # claims returned unfinished when the worker stopped
    last_tick: datetime | None = None
    last_error: str | None = None


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
        self._running: dict[str, tuple[asyncio.Task[None], Claim]] = {}
        self._lost: set[str] = set()
        self._stopping = False
        self._filling = asyncio.Lock()
        self._more_due = False
        self._heartbeat: asyncio.Task[None] | None = None
        self._refill = True  # fill a freed slot at once (off while `tick` steps by hand)
        self._quiet = Quiet(log)
        self._refills: set[asyncio.Task[int]] = set()

    # -- claiming -------------------------------------------------------------------------------
    def _lease(self) -> float:
        return self.clock.to_course_seconds(self.lease_seconds)

    async def pulse(self) -> int:
        """Claim what is due, as much as there are free slots, and start handling it.

        Returns at once; the handlers run on. When a handler ends and the last claim was full,
        the freed slot is filled straight away instead of at the next pulse.
        """
        if self._stopping:
            return 0
        async with self._filling:
            started = 0
            while not self._stopping:
                free = self.concurrency - len(self._running)
                if free <= 0:
                    self._more_due = True
                    break
                ask = min(free, self.batch)
                claims = await self.due.claim(self.clock.now(), ask, self._lease(), self.token)
                for claim in claims:
                    self._start(claim)
                started += len(claims)
                self._more_due = len(claims) == ask
                if not self._more_due:
                    break
            self.stats.ticks += 1
            self.stats.last_tick = self.clock.now()
            return started

    async def tick(self) -> int:
        """Claim and handle everything due now, and wait for it; returns how many were handled.

        The tests, the demo and the benchmarks step time with this; workers use `pulse`.
        """
        handled = 0
        self._refill = False
        try:
            while True:
                started = await self.pulse()
                handled += started
                await self.settle()
                if started == 0:
                    return handled
        finally:
            self._refill = True

    async def settle(self) -> None:
        """Wait until every running handler has finished."""
        while self._running:
            await asyncio.gather(
                *(task for task, _ in list(self._running.values())), return_exceptions=True
            )

    @property
    def running(self) -> int:
        return len(self._running)

    # -- handling -------------------------------------------------------------------------------
    def _start(self, claim: Claim) -> None:
        task = asyncio.create_task(self._handle(claim), name=f"handle {claim.member}")
        self._running[claim.member] = (task, claim)
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.create_task(self._beat(), name="lease heartbeat")

    async def _handle(self, claim: Claim) -> None:
        member = claim.member
        try:
            try:
                next_due = await self.handler(member)
                self.stats.handled += 1
            except asyncio.CancelledError:
                if member in self._lost:
                    self._lost.discard(member)
                    self.stats.lost += 1
                    log.warning("stopped handling %s: its lease is no longer ours", member)
                else:  # the worker is stopping: give the claim back, due as it was
                    self.stats.handed_back += 1
                    with contextlib.suppress(Exception):
                        await self.due.finish(member, claim.due_at, self.token)
                raise
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
                if not await self.due.finish(member, next_due, self.token):
                    log.debug("%s was rescheduled while handled; the newer schedule stands", member)
            except Exception as exc:  # Redis away: the lease runs out and the member is due again
                self._quiet.warning("finish", "could not finish the claim of %s: %s", member, exc)
        finally:
            self._running.pop(member, None)
            if self._more_due and self._refill and not self._stopping:
                self._more_due = False
                refill = asyncio.get_running_loop().create_task(self.pulse())
                self._refills.add(refill)  # held, so the loop cannot lose it half-way
                refill.add_done_callback(self._refilled)

    def _refilled(self, task: asyncio.Task[int]) -> None:
        """A refill is done: its failure (Redis away) is said once in a while, never left for
        the loop to print as a task exception nobody retrieved."""
        self._refills.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            self._quiet.warning("refill", "could not claim more: %s: %s", type(exc).__name__, exc)

    async def _beat(self) -> None:
        """Extend the leases in hand every third of a lease; cancel handlers that lost theirs."""
        every = max(0.05, self.lease_seconds / 3)
        while self._running:
            await asyncio.sleep(every)
            members = list(self._running)
            if not members:
                break
            until = self.clock.now() + timedelta(seconds=self._lease())
            try:
                lost = await self.due.extend(members, until, self.token)
            except Exception as exc:  # Redis away: the next beat tries again
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise asyncio.CancelledError from exc  # a stop the client turned into an error
                self._quiet.warning("extend", "could not extend leases: %s", exc)
                continue
            for member in lost:
                running = self._running.get(member)
                if running is not None:
                    self._lost.add(member)
                    running[0].cancel()

    # -- stopping -------------------------------------------------------------------------------
    async def stop(self, grace: float) -> bool:
        """Claim nothing more; let running handlers finish within `grace` real seconds, then
        cancel the rest and hand their claims back. True when everything finished in time."""
        self._stopping = True
        async with self._filling:  # a claim in flight lands before we look at what runs
            tasks = [task for task, _ in self._running.values()]
        finished = True
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace)
            finished = not pending
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            await asyncio.wait([self._heartbeat], timeout=2)
        return finished
