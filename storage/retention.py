"""Keeping nothing longer than needed: everything of a participant who has been inactive for
the retention period is erased, after one notice 14 days before.

Inactive means: no message from them (noted in storage/activity.py on every message) and no
lesson or follow-up delivered to them (their enrollments' `last_delivered_at` and
`followup_sent_at`), nor a sign-up or a course started, for that long. Paused, stopped,
completed and abandoned courses count alike. The notice goes once per quiet spell; the erasure
comes no sooner than 14 days after it, so someone quiet for longer when retention is first
switched on is told before anything goes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from storage.crypto import UndecryptableText
from storage.store import Store

#: Days between the notice and the erasure.
NOTICE_DAYS = 14
#: Participants looked up at once while noting those the activity index does not know yet.
BATCH = 500

#: Tells one participant (by id) that their data goes on the given day.
Tell = Callable[[str, datetime], Awaitable[None]]


@dataclass(frozen=True)
class Outcome:
    told: int
    erased: int


async def last_active(store: Store, pid: str, noted: datetime | None) -> datetime | None:
    """Their latest sign of life from every stored time; None when there is no such participant.
    A record no key opens counts by its courses' times alone (from the epoch without any): it
    can reach no one, and goes when its time comes."""
    try:
        participant = await store.participants.get(pid)
    except UndecryptableText:
        times = [datetime.fromtimestamp(0, UTC)]
    else:
        if participant is None:
            return None
        times = [participant.created_at]
    times += [noted] if noted is not None else []
    for e in await store.enrollments.for_participant(pid):
        times += [t for t in (e.started_at, e.last_delivered_at, e.followup_sent_at) if t]
    return max(times)


async def note_everyone(store: Store) -> int:
    """Give every participant the activity index does not know yet (from before it existed)
    their latest stored time. Returns how many were noted."""
    noted = 0
    batch: list[str] = []
    async for pid in store.participants.ids():
        batch.append(pid)
        if len(batch) >= BATCH:
            noted += await _note(store, batch)
            batch = []
    return noted + await _note(store, batch)


async def _note(store: Store, pids: list[str]) -> int:
    noted = 0
    for pid, seen in (await store.activity.seen(pids)).items():
        if seen is None and (last := await last_active(store, pid, None)) is not None:
            await store.activity.touch(pid, last)
            noted += 1
    return noted


async def apply_retention(store: Store, now: datetime, days: int, tell: Tell) -> Outcome:
    """Tell those quiet for `days` - 14 days, erase those quiet for `days` who were told at
    least 14 days ago. Running it again the same day does nothing more."""
    await note_everyone(store)
    erase_before = now - timedelta(days=days)
    tell_before = erase_before + timedelta(days=NOTICE_DAYS)
    told = erased = 0
    for pid, noted in await store.activity.idle_since(tell_before):
        last = await last_active(store, pid, noted)
        if last is None:  # no record: an entry a write in flight left behind
            await store.activity.forget(pid)
            continue
        if last > noted:
            await store.activity.touch(pid, last)
        if last > tell_before:
            continue
        told_at = await store.activity.told_at(pid)
        if told_at is None or told_at < last:
            goes = max(last + timedelta(days=days), now + timedelta(days=NOTICE_DAYS))
            await tell(pid, goes)
            await store.activity.mark_told(pid, now)
            told += 1
        elif last <= erase_before and told_at <= now - timedelta(days=NOTICE_DAYS):
            erased += await store.delete_participant(pid)
    return Outcome(told, erased)
