"""Sending a confirmed broadcast: a few recipients at a time, after the day's lessons.

The broadcast is a member of the due index (`bc:<id>`), so it is claimed, leased and resumed
like everything else: each run queues the next batch of recipients' messages in their chats'
queues (once per participant, whatever restarts happen) and wakes those chats, then comes back a
second later. While lessons are due it waits, so a broadcast to thousands never holds up a 07:00
lesson. The trainer sees one progress message, edited as the counts change.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from bot.core import texts_staff
from bot.core.messages import Button, Outgoing
from bot.delivery.errors import DeliveryError
from bot.delivery.senders import Sender
from scheduler.clock import Clock
from scheduler.localtime import next_delivery
from storage.broadcasts import Queued
from storage.keys import chat_member, parse_member
from storage.models import (
    Broadcast,
    BroadcastState,
    Channel,
    Lane,
    QueueItem,
    StoredMessage,
)
from storage.store import Store

log = logging.getLogger(__name__)

#: The fewest recipients queued per run, and real seconds between runs.
BATCH = 25
EVERY = 1.0
#: Real seconds of sending kept queued ahead, at the channels' budget: enough that the chats'
#: queues never run dry between two runs, so a broadcast goes at the full budget; little enough
#: that a lesson falling due meanwhile waits at most about that long behind it.
AHEAD = 2.0
#: Recipients queued at once, concurrently (each is one Redis call, and their chats are woken
#: together): a run at a paid 1,000 a second queues two thousand.
CHUNK = 100
#: Recipients' records read at once for a broadcast at their own time (each takes a connection).
READS = 16
#: Real seconds a due lesson may wait for a worker before broadcasts make way for lessons.
LESSON_SLACK = 2.0
#: Real seconds between a confirm and the first recipients: lessons due at that moment go first.
START_DELAY = 1.0
#: Real seconds without any change in the counts after which the outcomes still missing are
#: taken to be lost (their recipient erased themselves meanwhile).
STALLED = 600.0
#: Real seconds between two edits of the progress message (Telegram allows about one a second).
EDIT_EVERY = 3.0
#: Outcomes counted per broadcast.
OUTCOMES = ("sent", "failed", "blocked", "skipped")


@runtime_checkable
class Editor(Protocol):
    """A channel that can show a message and change it later (a broadcast's progress)."""

    async def post(self, chat_id: str, message: Outgoing) -> str:
        """Send a reply now and return the platform's id for it."""
        ...

    async def edit(self, chat_id: str, message_id: str, message: Outgoing) -> None: ...


#: How a broadcast's steps are named in the due index ("bc:<id>").
PREFIX = "bc:"


def member(bid: str) -> str:
    return f"{PREFIX}{bid}"


def broadcast_id(due_member: str) -> str | None:
    return due_member.removeprefix(PREFIX) if due_member.startswith(PREFIX) else None


def message(broadcast: Broadcast) -> Outgoing:
    """The message exactly as participants get it."""
    return Outgoing(broadcast.text, heading=texts_staff.BROADCAST_HEADING)


def item(broadcast: Broadcast) -> QueueItem:
    shown = message(broadcast)
    stored = StoredMessage(text=shown.text, heading=shown.heading)
    return QueueItem(lane=Lane.BROADCAST, kind="text", message=stored, broadcast_id=broadcast.id)


def progress_text(broadcast: Broadcast, counts: Mapping[str, int], to_go: int) -> str:
    state = {
        BroadcastState.RUNNING: texts_staff.BROADCAST_RUNNING,
        BroadcastState.DONE: texts_staff.BROADCAST_DONE,
        BroadcastState.CANCELLED: texts_staff.BROADCAST_CANCELLED,
    }[broadcast.state]
    return texts_staff.BROADCAST_PROGRESS.format(
        state=state, segment=broadcast.segment_label, total=broadcast.total,
        sent=counts.get("sent", 0), failed=counts.get("failed", 0),
        blocked=counts.get("blocked", 0), to_go=to_go,
    )  # fmt: skip


class Runner:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        senders: Mapping[Channel, Sender],
        budget: float = BATCH / EVERY,
    ) -> None:
        self.store = store
        self.clock = clock
        self.senders = senders
        #: Messages a second the channels may carry for broadcasts (their bulk pace).
        self.budget = budget

    def _later(self, real_seconds: float) -> datetime:
        return self.clock.now() + timedelta(seconds=self.clock.to_course_seconds(real_seconds))

    async def start(self, broadcast: Broadcast, recipients: list[str]) -> None:
        await self.store.broadcasts.create(broadcast, recipients)
        await self.store.due.schedule(member(broadcast.id), self._later(START_DELAY))

    async def run_member(self, due_member: str) -> datetime | None:
        """One step of the broadcast a due member ("bc:<id>") names."""
        bid = broadcast_id(due_member)
        return None if bid is None else await self.run(bid)

    async def run(self, bid: str) -> datetime | None:
        """One step of a broadcast; returns when to take the next."""
        broadcast = await self.store.broadcasts.get(bid)
        if broadcast is None:
            return None
        if broadcast.state is BroadcastState.RUNNING and await self.store.broadcasts.cancelled(bid):
            broadcast.state = BroadcastState.CANCELLED
            await self.store.broadcasts.finish(broadcast, self.clock.now())
            log.info("broadcast %s cancelled by its trainer", bid)
        if broadcast.state is BroadcastState.RUNNING:
            if await self._lessons_waiting():
                log.debug("broadcast %s makes way for lessons that are late", bid)
                await self._show(broadcast)
                return self._later(EVERY)
            await self._queue_batch(broadcast, await self._room(broadcast))
        counts = await self.store.broadcasts.outcomes(bid)
        to_go = await self._to_go(broadcast, counts)
        if broadcast.state is BroadcastState.RUNNING and to_go and await self._stalled(broadcast):
            # Everyone was queued, but some outcomes will never come (a recipient erased
            # themselves with the message still in their queue): done, with the counts as they are.
            log.info("broadcast %s done with %d outcomes that will not come", bid, to_go)
            to_go = 0
        if broadcast.state is BroadcastState.RUNNING and to_go == 0:
            broadcast.state = BroadcastState.DONE
            await self.store.broadcasts.finish(broadcast, self.clock.now())
            log.info("broadcast %s done: %s", bid, dict(counts))
        if broadcast.state is not BroadcastState.RUNNING:
            await self._show(broadcast, force=True)
            return None
        await self._show(broadcast)
        if not await self.store.broadcasts.to_go(bid):  # only those waiting for their time
            ripe = await self.store.broadcasts.next_ripe(bid)
            if ripe is not None:
                return max(ripe, self._later(EVERY))
        return self._later(EVERY)

    async def _stalled(self, broadcast: Broadcast) -> bool:
        """Nobody left to queue or to wait for, and no count has moved for STALLED seconds."""
        if await self.store.broadcasts.to_go(broadcast.id):
            return False
        if await self.store.broadcasts.next_ripe(broadcast.id) is not None:
            return False
        since = broadcast.progress_at
        stalled = timedelta(seconds=self.clock.to_course_seconds(STALLED))
        return since is not None and self.clock.now() - since > stalled

    async def _lessons_waiting(self) -> bool:
        """Whether lessons come first: an enrollment due more than LESSON_SLACK ago is still
        unclaimed, so the workers are behind (a 07:00 crowd). When they keep up, the broadcast
        takes its share; waiting for an empty due index would starve it at scale."""
        late = self.clock.now() - timedelta(seconds=self.clock.to_course_seconds(LESSON_SLACK))
        due = await self.store.due.due_before(late, 50)
        return any(
            parse_member(c.member)[1] is not None for c in due if broadcast_id(c.member) is None
        )

    async def _room(self, broadcast: Broadcast) -> int:
        """How many more recipients to queue now: the queued ones not yet sent are kept at
        about AHEAD seconds of the budget."""
        counts = await self.store.broadcasts.outcomes(broadcast.id)
        done = sum(counts.get(o, 0) for o in OUTCOMES)
        waiting = await self.store.broadcasts.to_go(broadcast.id)
        waiting += await self.store.broadcasts.held(broadcast.id)
        in_flight = max(0, broadcast.total - waiting - done)
        return max(0, max(BATCH, round(self.budget * AHEAD)) - in_flight)

    async def _queue_batch(self, broadcast: Broadcast, room: int) -> None:
        while room > 0:
            now = self.clock.now()
            ripe = await self.store.broadcasts.ripe(broadcast.id, now, min(room, CHUNK))
            pids = ripe + await self.store.broadcasts.take(
                broadcast.id, min(room, CHUNK) - len(ripe)
            )
            if not pids:
                return
            room -= len(pids)
            try:
                await self._queue(broadcast, pids, set(ripe), now)
            except BaseException:
                # Queueing is once per participant, however often this repeats: all go back.
                await self.store.broadcasts.give_back(broadcast.id, pids)
                raise

    async def _queue(
        self, broadcast: Broadcast, pids: list[str], ripe: set[str], now: datetime
    ) -> None:
        """Queue the message for these recipients, or hold it for those whose own time has not
        come, and wake the chats it was queued for."""
        if broadcast.send_at is not None:  # their own clock says when
            later = [p for p in pids if p not in ripe]
            gate = asyncio.Semaphore(READS)

            async def waits_(pid: str) -> bool:
                async with gate:
                    return await self._waits(broadcast, pid, now)

            waits = await asyncio.gather(*(waits_(p) for p in later))
            waiting = {p for p, w in zip(later, waits, strict=True) if w}
            pids = [p for p in pids if p not in waiting]
        # Queued once per participant, however often a cut-short run repeats this; its outcome
        # is counted when the chat's queue sends it.
        queued = await self.store.broadcasts.queue_for_all(pids, broadcast.id, item(broadcast))
        erased = sum(1 for q in queued if q is Queued.ERASED)  # or never there: nothing written
        if erased:
            await self.store.broadcasts.count(broadcast.id, "skipped", erased)
        woken = [
            chat_member(p) for p, q in zip(pids, queued, strict=True) if q is not Queued.ERASED
        ]
        await self.store.due.wake_all(woken, now)

    async def _waits(self, broadcast: Broadcast, pid: str, now: datetime) -> bool:
        """Hold the message for someone whose own time has not come (or skip someone gone);
        True when it is not to be queued now."""
        participant = await self.store.participants.get(pid)
        if participant is None:
            await self.store.broadcasts.count(broadcast.id, "skipped")
            return True
        own_time = self._own_time(broadcast, participant.timezone)
        if own_time is not None and own_time > now:
            await self.store.broadcasts.hold_until(broadcast.id, pid, own_time)
            return True
        return False

    @staticmethod
    def _own_time(broadcast: Broadcast, zone: str) -> datetime | None:
        """When the participant's own clock first shows the broadcast's time after it was
        confirmed (None: the broadcast goes now)."""
        if broadcast.send_at is None:
            return None
        return next_delivery(broadcast.created_at - timedelta(seconds=1), zone, broadcast.send_at)

    async def _to_go(self, broadcast: Broadcast, counts: Mapping[str, int]) -> int:
        done = sum(counts.get(o, 0) for o in OUTCOMES)
        return max(0, broadcast.total - done)

    async def _show(self, broadcast: Broadcast, *, force: bool = False) -> None:
        """Post or edit the trainer's progress message, no more often than EDIT_EVERY."""
        counts = await self.store.broadcasts.outcomes(broadcast.id)
        shown = progress_text(broadcast, counts, await self._to_go(broadcast, counts))
        now = self.clock.now()
        recent = broadcast.progress_at is not None and now - broadcast.progress_at < timedelta(
            seconds=self.clock.to_course_seconds(EDIT_EVERY)
        )
        if shown == broadcast.progress_shown or (recent and not force):
            return
        buttons: tuple[tuple[Button, ...], ...] = ()
        if broadcast.state is BroadcastState.RUNNING:
            buttons = ((Button(texts_staff.BROADCAST_STOP, f"b:x:{broadcast.id}"),),)
        update = Outgoing(shown, buttons=buttons)
        sender = self.senders.get(broadcast.progress_channel)
        try:
            if isinstance(sender, Editor):
                if broadcast.progress_message is None:
                    broadcast.progress_message = await sender.post(broadcast.progress_chat, update)
                else:
                    await sender.edit(broadcast.progress_chat, broadcast.progress_message, update)
            elif sender is not None and broadcast.state is not BroadcastState.RUNNING:
                await sender.send(broadcast.progress_chat, update, Lane.REPLY)
        except DeliveryError as exc:
            log.warning("could not show broadcast %s's progress: %s", broadcast.id, exc.cause)
            return
        broadcast.progress_shown, broadcast.progress_at = shown, now
        await self.store.broadcasts.save(broadcast)
