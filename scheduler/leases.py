"""Work held under leases: claim what is free, keep the leases while it runs, let go when done.

The dispatcher (due enrollments, chats to drain) and the WhatsApp inbox (chats whose inbound
events wait) both take work out of Redis under a lease owned by their worker's token, so a
worker that dies strands nothing for longer than a lease. `LeaseRunner` is that loop, once:

- it claims only as many as it has free slots (a dying worker strands little), and when a slot
  frees up after a full claim it claims again at once instead of waiting for the next pulse;
- a heartbeat extends the leases in hand every third of a lease while their work runs;
- work whose lease was lost (it expired, or the member was rescheduled or taken by another
  worker) is cancelled, since another worker may now hold it;
- `stop` claims nothing more, gives the work in hand a grace period, then cancels the rest and
  hands its claims back, so another worker takes them at once instead of after their lease.

What a claim is, and what the work does with it, belongs to the caller (`Leases`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from scheduler.quiet import Quiet

log = logging.getLogger(__name__)


class Held(Protocol):
    """One thing a worker holds: the member its lease is on."""

    @property
    def member(self) -> str: ...


C = TypeVar("C", bound=Held)


class Leases(Protocol[C]):
    """Where the leases are kept, as the runner's owner (one worker token) sees them."""

    async def claim(self, limit: int) -> Sequence[C]:
        """Take up to `limit` members that are free now, each under a fresh lease."""
        ...

    async def extend(self, members: Sequence[str]) -> set[str]:
        """Extend the leases on `members` by one lease; returns those no longer ours."""
        ...

    async def hand_back(self, claim: C) -> None:
        """Let go of a claim whose work was stopped half-way: free for anyone at once."""
        ...


@dataclass
class LeaseStats:
    """What a runner counts beside the work's own counters; they only ever grow."""

    lost: int = 0  # work stopped because its lease was no longer ours
    handed_back: int = 0  # claims returned unfinished when the worker stopped


class LeaseRunner(Generic[C]):
    """Runs `work` for every claim it takes, at most `concurrency` at once, under leases of
    `lease_seconds` real seconds. The work handles its own failures; one that escapes it is
    logged (its kind only) and its lease runs out. `stats` may be the owner's own counters (a
    subclass of `LeaseStats`)."""

    def __init__(
        self, leases: Leases[C], work: Callable[[C], Awaitable[None]], *, lease_seconds: float,
        concurrency: int, batch: int | None = None, quiet: Quiet | None = None,
        stats: LeaseStats | None = None,
    ) -> None:  # fmt: skip
        self.leases = leases
        self.work = work
        self.lease_seconds = lease_seconds
        self.concurrency = concurrency
        self.batch = batch or concurrency  # the most members one claim takes
        self.refill = True  # fill a freed slot at once (off while a caller steps by hand)
        self.stats = stats or LeaseStats()
        self._quiet = quiet or Quiet(log)
        self._running: dict[str, asyncio.Task[None]] = {}
        self._lost: set[str] = set()
        self._letting_go: set[str] = set()
        self._stopped = asyncio.Event()
        self._filling = asyncio.Lock()
        self._more = False  # the last claim was full: more may be waiting
        self._heartbeat: asyncio.Task[None] | None = None
        self._refills: set[asyncio.Task[int]] = set()
        self._handing: set[asyncio.Task[None]] = set()

    @property
    def running(self) -> int:
        return len(self._running)

    @property
    def stopping(self) -> bool:
        return self._stopped.is_set()

    async def fill(self) -> int:
        """Claim as much as there are free slots, and start the work on it; returns how many
        claims were started. Returns at once: the work runs on."""
        async with self._filling:
            started = 0
            while not self.stopping:
                free = self.concurrency - len(self._running)
                if free <= 0:
                    self._more = True
                    break
                ask = min(free, self.batch)
                claims = await self.leases.claim(ask)
                for claim in claims:
                    self._start(claim)
                started += len(claims)
                self._more = len(claims) == ask
                if not self._more:
                    break
            return started

    def letting_go(self, member: str) -> None:
        """The work on `member` is letting go of its lease (and perhaps claiming more in the
        same step): a heartbeat that finds the lease gone meanwhile must not stop it, or what it
        claimed in that step would be held by nobody until its lease ran out."""
        self._letting_go.add(member)

    def take_refill(self) -> int:
        """How many claims work about to end may take in the same step as it lets go of its
        own: one, for its own slot, when the last claim was full (more may be waiting); 0
        else. Slots freed meanwhile by other work are filled as ever, once it has ended."""
        return 1 if self._more and self.refill and not self.stopping else 0

    async def adopt(self, claims: Sequence[C], asked: int) -> None:
        """Start the work on claims taken for `take_refill` (handed back if stopping)."""
        if self.stopping:
            for claim in claims:
                with contextlib.suppress(Exception):
                    await self.leases.hand_back(claim)
            return
        for claim in claims:
            ending = self._running.get(claim.member)
            if ending is None:
                self._start(claim)
            else:  # the member the ending work lets go of, due again at once: after it ends
                ending.add_done_callback(functools.partial(self._restart, claim))
        if len(claims) < asked:
            self._more = False  # nothing more is due now: the next pulse looks again

    def _restart(self, claim: C, _ended: asyncio.Task[None]) -> None:
        if not self.stopping:
            self._start(claim)
            return
        task = asyncio.get_running_loop().create_task(self._hand_back(claim))
        self._handing.add(task)  # held, so the loop cannot lose it half-way
        task.add_done_callback(self._handing.discard)

    async def _hand_back(self, claim: C) -> None:
        with contextlib.suppress(Exception):
            await self.leases.hand_back(claim)

    async def settle(self) -> None:
        """Wait until all work in hand has finished: the handlers, the refills their ends
        started (each may claim and start more) and the claims being handed back. A refill
        left in flight would touch Redis after the caller thinks all is quiet (and closes it)."""
        while self._running or self._refills or self._handing:
            await asyncio.gather(
                *self._running.values(), *self._refills, *self._handing, return_exceptions=True
            )

    async def pause(self, seconds: float) -> None:
        """Wait `seconds`, or less when the runner is stopped meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), seconds)

    # -- the work -------------------------------------------------------------------------------
    def _start(self, claim: C) -> None:
        task = asyncio.create_task(self._run(claim), name=f"handle {claim.member}")
        self._running[claim.member] = task
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.create_task(self._beat(), name="lease heartbeat")

    async def _run(self, claim: C) -> None:
        member = claim.member
        try:
            await self.work(claim)
        except asyncio.CancelledError:
            if member in self._lost:
                self.stats.lost += 1
                log.warning("stopped handling %s: its lease is no longer ours", member)
            else:  # the worker is stopping: give the claim back
                self.stats.handed_back += 1
                with contextlib.suppress(Exception):
                    await self.leases.hand_back(claim)
            raise
        except Exception as exc:  # the work's own net failed; its message may quote someone
            kind = type(exc).__name__
            self._quiet.error(kind, "handling %s failed (%s); its lease runs out", member, kind)
        finally:
            self._lost.discard(member)
            self._letting_go.discard(member)
            self._running.pop(member, None)
            if self._more and self.refill and not self.stopping:
                self._more = False
                refill = asyncio.get_running_loop().create_task(self.fill())
                self._refills.add(refill)  # held, so the loop cannot lose it half-way
                refill.add_done_callback(self._refilled)

    def _refilled(self, task: asyncio.Task[int]) -> None:
        """A refill is done: its failure (Redis away) is said once in a while, never left for
        the loop to print as a task exception nobody retrieved."""
        self._refills.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            self._quiet.warning("refill", "could not claim more: %s: %s", type(exc).__name__, exc)

    async def _beat(self) -> None:
        """Extend the leases in hand every third of a lease; cancel work that lost its lease."""
        every = max(0.05, self.lease_seconds / 3)
        while self._running:
            await asyncio.sleep(every)
            held = dict(self._running)  # the work each lease was extended for
            if not held:
                break
            try:
                lost = await self.leases.extend(list(held))
            except Exception as exc:  # Redis away: the next beat tries again
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise asyncio.CancelledError from exc  # a stop the client turned into an error
                self._quiet.warning("extend", "could not extend leases: %s", exc)
                continue
            for member in lost:
                running = self._running.get(member)
                # Only the work the lease was asked for: a member that finished meanwhile and
                # was claimed again is someone else's work, on a lease that is ours. Work that
                # let go of its lease itself is ending, not lost.
                if member in self._letting_go:
                    continue
                if running is not None and running is held.get(member):
                    self._lost.add(member)
                    running.cancel()

    # -- stopping -------------------------------------------------------------------------------
    async def stop(self, grace: float) -> bool:
        """Claim nothing more; let the work in hand finish within `grace` real seconds, then
        cancel the rest and hand their claims back. True when everything finished in time."""
        self._stopped.set()
        async with self._filling:  # a claim in flight lands before we look at what runs
            tasks = list(self._running.values())
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
        # Claims that came for work already ending are being handed back, and a refill may
        # still be looking: both talk to Redis, which the caller closes next.
        if self._handing or self._refills:
            await asyncio.wait([*self._handing, *self._refills], timeout=grace + 2)
        return finished
