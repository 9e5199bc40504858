"""The one APScheduler wrapper: the dispatcher's tick as an interval job.

APScheduler runs the tick about once a second on our event loop. A tick never overlaps itself
(max_instances=1) and missed ticks are merged (coalesce), so a slow Redis makes ticks late, not
piled up. Every exception reaches our log instead of vanishing inside the scheduler. Stopping
lets the tick in hand finish: APScheduler's own shutdown would cancel it midway, and a tick cut
off between a send and its record would send that message again after a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scheduler.quiet import Quiet

log = logging.getLogger(__name__)


class TickJob:
    def __init__(self, tick: Callable[[], Awaitable[int]], every: float) -> None:
        self._tick = tick
        self._every = every
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._stopping = False
        self._quiet = Quiet(log)
        self._idle = asyncio.Event()
        self._idle.set()

    async def _run(self) -> None:
        if self._stopping:
            return
        self._idle.clear()
        try:
            await self._tick()
            self._quiet.recovered("tick", "dispatcher ticks again")
        except Exception as exc:
            # During a Redis outage this fails every tick: one line per interval, no traceback.
            reason = str(exc).splitlines()[0] if str(exc) else ""
            self._quiet.error("tick", "dispatcher tick failed: %s: %s", type(exc).__name__, reason)
        except asyncio.CancelledError:
            # Stopping gave up waiting for this tick, and the loop's end cancels it: the tick
            # ends here (what it held lapses with its lease). Raised on, APScheduler would
            # print the cancellation as a failed job, with a traceback, on every such stop.
            log.info("dispatcher tick cut off while stopping")
        finally:
            self._idle.set()

    def start(self) -> None:
        self._scheduler.add_job(
            self._run, "interval", seconds=self._every, id="dispatch",
            max_instances=1, coalesce=True, misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
        )  # fmt: skip
        self._scheduler.start()

    async def stop(self, grace: float = 30.0) -> bool:
        """Start no new tick, wait up to `grace` real seconds for the running one, shut down.

        Returns False when a tick was still running after the grace period.
        """
        self._stopping = True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout=grace)
            finished = True
        except TimeoutError:
            finished = False
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        return finished
