"""A process's share of a budget every worker shares: slots reserved a batch at a time in Redis,
spent here one by one.

Asking Redis for every message costs a round trip a message. Instead a process reserves
several slots in one call (storage/lua/rate_reserve.lua) and hands them to its senders in the
order they came. The guarantee stays the one a slot a message gave:

- Redis decides every slot, on its own clock, so the slots of all processes together keep the
  budget (GCRA: `per_second` on average, `burst` at once).
- Each slot carries its time from that clock: it is never spent before it (counted from the
  moment the reply arrived, the latest the server's clock can have been read), and it is lost
  when not spent within a grace after it. The slots are reserved with the tolerance less that
  grace, so a slot spent late cannot add to a burst: any stretch of time sees no more messages
  than the budget allows.
- A process reserves only what it can spend soon: as many as wait now, or as many as it spends
  within a grace at the pace it spent at lately (up to MAX_BATCH), lying at most SPREAD after
  the first: slots lost unspent would keep the other processes from the budget.
- A pause the platform asked for (429) empties the slots in hand; another process may still
  send what it holds, at most SPREAD's worth.

Replies take their slot one at a time, with the whole tolerance, and send it at once (as every
message did before): they are few, and they must find the burst's last slots.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from storage.scripts import Scripts

#: The most slots one call reserves (as many as a worker's handlers send at once).
MAX_BATCH = 32
#: How far after the first slot of a batch its last may lie (µs): what a process holds beyond
#: what is due now, and so what it may still send after another process heard a 429.
SPREAD_US = 250_000


class OverBudget(Exception):
    """No slot within the wait allowed; the first is `retry_after` real seconds off."""

    def __init__(self, retry_after: float, shared: bool) -> None:
        super().__init__(f"next slot in {retry_after:.2f}s")
        self.retry_after = retry_after
        self.shared = shared  # False: a pause the platform asked for


@dataclass(slots=True)
class _Slot:
    at: float  # time.monotonic(): not before
    until: float  # time.monotonic(): lost after
    busy: bool  # its time was still to come when it was reserved: the budget binds


class SharedBudget:
    """Slots of one or more buckets (the whole bot's; for lessons also the bulk lane's),
    reserved together: `buckets` holds each key with its interval and tolerance (µs)."""

    def __init__(
        self, scripts: Scripts, pause_key: str, buckets: Sequence[tuple[str, int, int]], *,
        batched: bool = True,
    ) -> None:  # fmt: skip
        """`batched` False: one slot a call, spent as soon as its time comes (as a slot a
        message always was), with the whole tolerance: for the few sends that must find the
        burst's last slots (replies)."""
        self._scripts = scripts
        self._keys = [pause_key, *(key for key, _, _ in buckets)]
        #: Half the smallest tolerance: the time a process has to spend a slot after its time.
        self.grace_us = min(tolerance for _, _, tolerance in buckets) // 2 if batched else 0
        self._args: list[int] = []
        for _, interval, tolerance in buckets:
            self._args += [interval, tolerance - self.grace_us]
        self._slots: deque[_Slot] = deque()
        self._gate = asyncio.Lock()
        self._waiting = 0
        self._spent = 0  # slots handed out since the last call
        self._called = time.monotonic()  # when the last call was made
        self._pace = 0.0  # slots this process spends a second, as last seen

    def forget(self) -> None:
        """Drop the slots in hand (the platform asked every sender to pause)."""
        self._slots.clear()

    async def take(self, max_wait: float) -> bool:
        """Wait for a slot and spend it; True when the budget binds (the slot's time was still
        to come). OverBudget when the next slot is further off than `max_wait` real seconds."""
        while True:
            self._waiting += 1  # the next call reserves for those waiting too
            try:
                await self._gate.acquire()
            finally:
                self._waiting -= 1
            try:
                slot = self._next() or await self._reserve(max_wait)
            finally:
                self._gate.release()
            delay = slot.at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if time.monotonic() <= slot.until:
                self._spent += 1
                return slot.busy or delay > 0
            # Woken too late: spending it now could crowd the next second; another is asked.

    def _wanted(self) -> int:
        """Those waiting now, or what this process spends within a grace at the pace it
        spent at lately: more would be lost unspent, and keep the others from the budget."""
        now = time.monotonic()
        if now > self._called:
            self._pace = (self._pace + self._spent / (now - self._called)) / 2
        self._spent, self._called = 0, now
        return max(self._waiting + 1, math.ceil(self._pace * self.grace_us / 1_000_000))

    def _next(self) -> _Slot | None:
        now = time.monotonic()
        while self._slots:
            slot = self._slots.popleft()
            if now <= slot.until:
                return slot
        return None

    async def _reserve(self, max_wait: float) -> _Slot:
        wanted = 1 if self.grace_us <= 0 else min(MAX_BATCH, self._wanted())
        args = [wanted, round(max_wait * 1_000_000), SPREAD_US, *self._args]
        while True:
            reply = await self._scripts.run("rate_reserve", self._keys, args)
            got = time.monotonic()
            if int(reply[0]) != 0:
                break
            wait = int(reply[1]) / 1_000_000
            if wait > max_wait:
                raise OverBudget(wait, int(reply[2]) != 1)
            await asyncio.sleep(wait)  # a pause the platform asked for, short enough to wait
        grace = self.grace_us / 1_000_000 if self.grace_us > 0 else math.inf
        for i in range(1, len(reply), 2):
            at = got + int(reply[i]) / 1_000_000
            self._slots.append(_Slot(at, at + grace, int(reply[i + 1]) == 1))
        return self._slots.popleft()
