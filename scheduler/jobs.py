"""The one APScheduler wrapper: the dispatcher's tick as an interval job.

APScheduler runs the tick about once a second on our event loop. A tick never overlaps itself
(max_instances=1) and missed ticks are merged (coalesce), so a slow Redis makes ticks late, not
piled up. Every exception reaches our log instead of vanishing inside the scheduler.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)


class TickJob:
    def __init__(self, tick: Callable[[], Awaitable[int]], every: float) -> None:
        self._tick = tick
        self._every = every
        self._scheduler = AsyncIOScheduler(timezone="UTC")

    async def _run(self) -> None:
        try:
            await asyncio.shield(self._tick())
        except Exception:
            log.exception("dispatcher tick failed")

    def start(self) -> None:
        self._scheduler.add_job(
            self._run, "interval", seconds=self._every, id="dispatch",
            max_instances=1, coalesce=True, misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
        )  # fmt: skip
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
