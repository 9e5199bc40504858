"""Retention by itself: once a course day, participants quiet for DRUPPEL_RETENTION_DAYS are
erased, after one notice in their chat 14 days before (see storage/retention.py for the rule).

A member of the due index (`ops:retention`), so exactly one worker runs it at a time and it
survives restarts; `druppel privacy retention` runs the same pass once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.texts_retention import retention_notice
from bot.delivery.journey import Journey
from bot.ops.due_job import DueJob
from storage.crypto import UndecryptableText
from storage.keys import chat_member
from storage.models import Lane, QueueItem, StoredMessage
from storage.retention import Outcome, apply_retention

log = logging.getLogger(__name__)

MEMBER = "ops:retention"
#: Course days between two passes.
EVERY = timedelta(days=1)


class Retention(DueJob):
    member = MEMBER

    def __init__(self, journey: Journey, days: int) -> None:
        super().__init__(journey)
        self.days = days

    @property
    def on(self) -> bool:
        return bool(self.days)

    async def turn(self) -> datetime | None:
        """A pass when the last one is a day old, then the next."""
        now = self.journey.clock.now()
        last = await self.store.ops.retention_ran()
        if last is not None and now - last < EVERY:
            return last + EVERY
        await self.once()
        return now + EVERY

    async def once(self) -> Outcome:
        now = self.journey.clock.now()
        done = await apply_retention(self.store, now, self.days, self.tell)
        await self.store.ops.set_retention_ran(now)
        log.info(
            "retention: told %d quiet participants, erased %d quiet for %d days",
            done.told, done.erased, self.days,
        )  # fmt: skip
        return done

    async def tell(self, pid: str, goes: datetime) -> None:
        """The notice, queued like a lesson, in their chat's order."""
        try:
            participant = await self.store.participants.get(pid)
        except UndecryptableText:
            return  # their chat cannot be read: no notice can reach them (storage/retention.py)
        if participant is None:
            return
        day = goes.astimezone(ZoneInfo(participant.timezone)).date()
        note = StoredMessage(text=retention_notice(participant.first_name, day))
        await self.store.queue.put(pid, [QueueItem(lane=Lane.LESSON, kind="text", message=note)])
        await self.store.due.wake(chat_member(pid), self.journey.clock.now())
