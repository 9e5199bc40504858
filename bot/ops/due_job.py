"""Work that lives in the due index as a member of its own (`ops:watch`, `ops:retention`): so
exactly one worker runs it at a time, and it survives restarts. Off, it is never scheduled."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from bot.delivery.journey import Journey


class DueJob:
    """A job's place in the due index: `start` puts it there, `run` is its turn, which returns
    when the next one is due. A subclass names its `member` and says what a turn does."""

    member: ClassVar[str]

    def __init__(self, journey: Journey) -> None:
        self.journey = journey
        self.store = journey.store

    @property
    def on(self) -> bool:
        raise NotImplementedError

    async def turn(self) -> datetime | None:
        raise NotImplementedError

    async def start(self) -> None:
        """Make sure the job is in the due index (a no-op when it is already due sooner)."""
        if self.on:
            await self.store.due.wake(self.member, self.journey.clock.now())

    async def run(self) -> datetime | None:
        """The due member's turn, when the job is on; None (not again) when it is off."""
        return await self.turn() if self.on else None
