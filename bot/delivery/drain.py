"""Draining one chat's queue: send what it holds, in order, once, and act on every failure.

Whoever owes a chat something (the dispatcher with a lesson, the reply path with an answer)
queues it and then drains. Only the holder of the chat's lock sends; a drain that finds the lock
taken leaves the items to the holder, which keeps going until the queue is empty and releases the
lock in the same step as it sees that, so nothing queued meanwhile is left behind. If the holder
dies, its lock expires and the chat's wake-up in the due index brings another drainer.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pydantic import ValidationError

from bot.core import texts
from bot.core.counters import CounterName, Counters
from bot.core.messages import Outgoing
from bot.delivery.errors import MAX_ATTEMPTS, Gone, RateLimited, Rejected, Transient, backoff
from bot.delivery.items import reply_item
from bot.delivery.lock import holding
from bot.delivery.senders import REPLY_PACE_WAIT, Sender, held_lane, queue_pace, send
from scheduler.clock import Clock
from scheduler.quiet import Quiet
from scheduler.ratelimit import at_budget
from storage.crypto import UndecryptableText
from storage.keys import chat_member
from storage.models import Channel, FailureEntry, Lane, Participant, QueueItem
from storage.queue import Next, Pace, Step
from storage.scripts import Then
from storage.store import Store

log = logging.getLogger(__name__)


#: Seconds before a chat whose channel this process lacks is looked at again.
NO_CHANNEL_RECHECK = 60


@dataclass(frozen=True, slots=True)
class Turn:
    """The chat gives its turn to others and queues up again in the due index, behind what
    fell due before `at` (its own pace or the channel's budget holds it back)."""

    at: datetime


@dataclass(frozen=True, slots=True)
class Asked:
    """A chat's drain lock asked for (`Drainer.ask`): the owner's token, how long it lasts, the
    chat's pace, and the script that asks (its answer in `then.reply` once it ran)."""

    token: str
    ttl_ms: int
    pace: Pace | None
    then: Then


@dataclass(slots=True)
class _Lock:
    released: bool = False  # by the queue step that found the queue empty: not once more


@dataclass
class DrainStats:
    """Counters an operator can read; they only ever grow."""

    sent: int = 0
    rejected: int = 0
    gone: int = 0
    parked: int = 0
    rate_limited: int = 0
    transient: int = 0
    unreadable: int = 0


@dataclass
class Drainer:
    store: Store
    clock: Clock
    senders: Mapping[Channel, Sender]
    render: Callable[[str, QueueItem], Awaitable[Outgoing | None]]
    on_gone: Callable[[Participant], Awaitable[None]]
    lock_seconds: float = 15.0  # real seconds a drain lock lasts without progress
    stats: DrainStats = field(default_factory=DrainStats)
    counters: Counters | None = None  # the operators' counters in Redis, shared by every worker
    _quiet: Quiet = field(default_factory=lambda: Quiet(log), repr=False)

    async def count(self, name: CounterName) -> None:
        if self.counters is not None:
            await self.counters.add(name)

    async def note(self, kind: str, cause: str, pid: str, item: QueueItem | str) -> None:
        """Keep the failure for operators' /errors; a failure to keep it is only logged."""
        what = item if isinstance(item, str) else item.kind
        entry = FailureEntry(
            kind=kind, cause=cause[:300], participant=pid, message_kind=what, at=self.clock.now()
        )
        try:
            await self.store.failures.record(entry)
        except Exception as exc:
            log.warning("could not keep a delivery failure for operators: %s", exc)

    async def unreachable(self, pid: str, what: str) -> None:
        """Their record (chat id, name) is there and no key opens it: nothing reaches them, and
        trying again cannot help. /errors shows it; what is queued stays until they are erased."""
        log.error("the record of participant %s opens with no configured key; %s held", pid, what)
        await self.note("unreadable", "their record opens with no configured key", pid, what)

    def _later(self, real_seconds: float) -> datetime:
        course_seconds = self.clock.to_course_seconds(real_seconds)
        return self.clock.now() + timedelta(seconds=course_seconds)

    async def drain(
        self, pid: str, participant: Participant | None = None, asked: Asked | None = None
    ) -> datetime | None:
        """Send what the chat's queue holds (`participant`: when the caller has just read it;
        `asked`: when the caller has just asked for the chat's lock, `ask`). Returns when to
        look again if it could not finish."""
        if participant is None:
            try:
                participant = await self.store.participants.get(pid)
            except UndecryptableText:
                await self.unreachable(pid, "queue")
                return None  # not again: only the key, or their erasure, changes this
        if participant is None:
            await self.store.queue.clear(pid)
            return None
        sender = self.senders.get(participant.channel)
        if sender is None:
            # Another process may have the channel (or this one, once configured): look again
            # later rather than leave the chat's messages waiting for ever.
            self._quiet.error(
                "no-channel", "no %s channel here to reach participant %s; looking again in %d s",
                participant.channel, pid, NO_CHANNEL_RECHECK,
            )  # fmt: skip
            return self._later(NO_CHANNEL_RECHECK)
        if asked is None:
            asked = self.ask(participant)
            assert asked is not None  # the participant's channel is here
        token, ttl_ms, pace = asked.token, asked.ttl_ms, asked.pace
        taken = await self.store.queue.asked(asked.then)  # asked now, unless a write did
        if taken.retry_at is not None:  # still backing off after a failure
            return datetime.fromtimestamp(taken.retry_at, UTC)
        if taken.first is None:  # the holder sends it; should it have died, we do once it ends
            return self._later(taken.held_for + 0.1)
        if taken.first.step is Step.EMPTY:  # nothing to send: the lock went in the same step
            return None
        lock = _Lock()
        try:
            again = await self._send_all(
                participant, sender, token, ttl_ms, lock, taken.first, pace
            )
        finally:
            if not lock.released:
                await self.store.queue.release(pid, token)
        if isinstance(again, Turn):  # woken only now that the lock is free for whoever comes
            await self.store.due.wake(chat_member(pid), again.at)
            return None
        return again

    def ask(self, participant: Participant) -> Asked | None:
        """Asking for the chat's drain lock with its first step, as a script to run (None: no
        channel here to send on): `drain` runs it, or a lesson's write runs it in its own
        step (one round trip less a lesson) and hands it to `drain`."""
        sender = self.senders.get(participant.channel)
        if sender is None:
            return None
        token = secrets.token_hex(8)
        ttl_ms = max(1, round(self.lock_seconds * 1000))
        now = self.clock.now().timestamp()
        pace = queue_pace(sender)
        then = self.store.queue.taking(participant.id, token, ttl_ms, now, first=True, pace=pace)
        return Asked(token, ttl_ms, pace, then)

    async def _send_all(
        self, participant: Participant, sender: Sender, token: str, ttl_ms: int, lock: _Lock,
        first: Next, pace: Pace | None,
    ) -> datetime | Turn | None:  # fmt: skip
        pid, queue = participant.id, self.store.queue
        sent: str | None = None  # the item just sent, removed by the next step
        ahead: Next | None = first  # the next step, already taken
        late, stepped = 0.0, time.monotonic()  # how late the item sent went after its turn
        while True:
            if ahead is None:
                ahead = await queue.next(pid, token, ttl_ms, sent, pace, late=late)
                stepped = time.monotonic()
            step, sent, ahead, late = ahead, None, None, 0.0
            if step.step is Step.LOST:
                log.warning("lost the drain lock of participant %s; stopping this drain", pid)
                return self._later(self.lock_seconds)
            if step.step is Step.EMPTY:
                lock.released = True  # in the same step as the queue was found empty
                return None
            if step.step is Step.PACED:  # the chat's own pace: a reply waits a little, inline
                if held_lane(step.raw) is not Lane.REPLY:
                    return Turn(self._later(step.wait))  # its turn comes with everyone else's
                if step.wait > REPLY_PACE_WAIT:
                    return self._later(step.wait)
                await asyncio.sleep(step.wait)
                continue
            item: QueueItem | None = None
            try:
                item = self._parse(pid, step.raw)
                message = None if item is None else await self.render(pid, item)
            except UndecryptableText:
                if not await self._unreadable(pid, token, step.id, item):
                    return self._later(self.lock_seconds)
                continue
            bid = item.broadcast_id if item is not None else None
            if bid is not None and await self.store.broadcasts.cancelled(bid):
                message = None  # its trainer stopped it before it reached this chat
            outcome = "sent"
            give_turn = False
            if item is not None and message is not None:
                try:
                    at_budget.set(False)
                    async with holding(queue, pid, token, ttl_ms, self.lock_seconds, self._quiet):
                        late = time.monotonic() - stepped  # rendered, then waited for the budget
                        late += await send(sender, pace, participant.chat_id, message, item.lane)
                    # At the channel's limit, a lesson's first message or a broadcast gives
                    # the other chats their turn: everyone's first message goes before anyone's
                    # next. Its turn back, the lesson's rest goes on at the same pace: giving the
                    # turn after every part would cost the same messages' time and a claim, a
                    # lock and a read of the participant each time again.
                    give_turn = (
                        item.lane is not Lane.REPLY
                        and at_budget.get()
                        and (item.index == 0 or bid is not None)
                    )
                    self.stats.sent += 1
                    await self.count("messages_sent")
                except RateLimited as exc:
                    if exc.paced and item.lane is not Lane.REPLY:
                        # Our own pacing: its turn comes again with everyone else's.
                        return Turn(self._later(exc.retry_after))
                    if not exc.paced:
                        self.stats.rate_limited += 1
                        await self.count("failures_rate_limited")
                        await self.note("rate_limited", exc.cause, pid, item)
                    return self._later(exc.retry_after)  # looked at again first
                except Gone as exc:
                    self.stats.gone += 1
                    await self.count("failures_gone")
                    await self.note("gone", exc.cause, pid, item)
                    log.info("participant %s can no longer be reached (%s)", pid, exc.cause)
                    await self.on_gone(participant)
                    return None
                except Rejected as exc:
                    self.stats.rejected += 1
                    await self.count("failures_rejected")
                    await self.note("rejected", exc.cause, pid, item)
                    outcome = "failed"
                    log.error(
                        "the platform refused a %s message for participant %s; skipped: %s",
                        item.kind, pid, exc.cause,
                    )  # fmt: skip
                except Transient as exc:
                    self.stats.transient += 1
                    await self.count("failures_transient")
                    await self.note("transient", exc.cause, pid, item)
                    retry = await self._failed(participant, token, step.id, item, exc.cause)
                    if retry is not None:
                        return retry
                    continue
            if bid is None and not give_turn:
                sent = step.id
                continue
            # Removed now (a broadcast counts its outcome only once it is), looking ahead (and
            # taking the chat's turn for what is next only when it goes on now).
            ahead = await queue.next(
                pid, token, ttl_ms, step.id, pace, turn=not give_turn, late=late
            )
            stepped = time.monotonic()
            if ahead.step is Step.LOST:
                log.warning("lost the drain lock of participant %s after a send", pid)
                return self._later(self.lock_seconds)
            if bid is not None:
                await self.store.broadcasts.count(bid, outcome if message else "skipped")
            if ahead.step is Step.EMPTY:
                lock.released = True
                return None
            if give_turn:  # the item looked at stays first in the queue for the next turn
                return Turn(self.clock.now())

    def _parse(self, pid: str, raw: str | None) -> QueueItem | None:
        if raw is None:
            self.stats.unreadable += 1
            log.warning("dropped a queued item of participant %s whose record is gone", pid)
            return None
        try:
            return QueueItem.model_validate_json(self.store.queue.opened(raw))
        except ValidationError:
            self.stats.unreadable += 1
            log.warning("dropped a queued item of participant %s in a form not understood", pid)
            return None

    async def _unreadable(self, pid: str, token: str, item_id: str, item: QueueItem | None) -> bool:
        """The item is sealed, or needs something sealed, that no configured key opens (a key
        dropped too early, or a wrong one): trying again cannot help. It is parked, the
        participant is told at the end of their queue, and the rest goes on. False when the
        lock is no longer ours."""
        kind = item.kind if item is not None else "sealed"
        why: dict[str, str | int] = {
            "cause": "no configured key opens it", "attempts": 1,
            "at": self.clock.now().isoformat(),
        }  # fmt: skip
        if not await self.store.queue.park(pid, token, item_id, why):
            return False
        self.stats.parked += 1
        await self.count("failures_parked")
        cause = str(why["cause"])
        await self.note("parked", cause, pid, item or "text")
        log.error(
            "a %s message for participant %s could not be opened with any configured "
            "encryption key; parked it and told them", kind, pid,
        )  # fmt: skip
        if item is not None and item.broadcast_id is not None:
            await self.store.broadcasts.count(item.broadcast_id, "failed")
        await self.store.queue.put(pid, [reply_item(Outgoing(texts.UNREADABLE_ITEM))])
        return True

    async def _failed(
        self, participant: Participant, token: str, item_id: str, item: QueueItem, cause: str
    ) -> datetime | None:
        """A transient failure: back off, or park the item after too many. Returns when to try
        again, or None to go on with the rest of the queue."""
        pid, queue = participant.id, self.store.queue
        attempts = await queue.count_failure(pid, token)
        if attempts < 0:
            return None  # another drainer holds the chat now; it decides
        if attempts >= MAX_ATTEMPTS:
            self.stats.parked += 1
            await self.count("failures_parked")
            await self.note("parked", cause, pid, item)
            log.error(
                "parked a %s message for participant %s after %d failed tries: %s",
                item.kind, pid, attempts, cause,
            )  # fmt: skip
            why: dict[str, str | int] = {
                "cause": cause[:200], "attempts": attempts, "at": self.clock.now().isoformat()
            }  # fmt: skip
            await queue.park(pid, token, item_id, why)
            if item.broadcast_id is not None:
                await self.store.broadcasts.count(item.broadcast_id, "failed")
            return None
        retry = self._later(backoff(attempts))
        if not await queue.retry_later(pid, token, retry.timestamp()):
            return None
        self._quiet.warning(
            "transient", "a send failed and will be tried again (participant %s, try %d of %d): %s",
            pid, attempts, MAX_ATTEMPTS, cause,
        )  # fmt: skip
        return retry
