"""Answering what a participant did, through the same queue as everything else.

The coach decides the replies; they enter the chat's queue behind whatever is still owed (the
rest of a lesson, say), so a reply never overtakes a lesson, and a crash between deciding a reply
and sending it loses nothing. Replies use the platform's reply lane, so other chats' lessons
never hold them up. People the bot does not know yet (no participant record) get their answer
directly: nothing else is ever queued for them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import timedelta
from enum import Enum
from typing import Protocol

from redis.exceptions import RedisError

from bot.core import texts
from bot.core.logs import where
from bot.core.messages import Incoming, Kind, Outgoing
from bot.delivery.errors import DeliveryError, Gone, RateLimited, Rejected, backoff
from bot.delivery.items import reply_items
from bot.delivery.owed import Deliveries
from bot.safety import NONE, assess
from bot.safety import reply as care
from bot.safety.reply import country_of, never_hushed
from scheduler.quiet import Quiet
from storage.crypto import UndecryptableText
from storage.keys import chat_member
from storage.models import EnrollmentStatus, Lane

log = logging.getLogger(__name__)

#: Messages that wait in one process while Redis is away, at most, and real seconds between
#: two tries to handle them.
MAX_WAITING = 10_000
REPLAY_EVERY = 2.0
#: A reply to someone without a record is tried this often, waiting at most this long.
DIRECT_ATTEMPTS = 3
MAX_DIRECT_WAIT = 30.0


def _nothing() -> None:
    return None


class Coach(Protocol):
    async def handle(self, event: Incoming) -> list[Outgoing]: ...


class StaffCommands(Protocol):
    """Trainers' and operators' commands: None when the event is not one of theirs."""

    async def handle(self, event: Incoming) -> list[Outgoing] | None: ...


class Flood(Enum):
    CALM = "calm"
    WARN = "warn"  # this message tips it: answer with one kind request to slow down
    HUSH = "hush"  # still flooding: keep the message, hold back the answer


class FloodWatch:
    """Per chat, how many messages came in the last WINDOW seconds (in this process, which is
    the one that receives them). Past LIMIT, one kind request to slow down, then silence until
    the chat is calm again; every message is still handled, so no real answer is lost."""

    WINDOW = 10.0
    LIMIT = 12

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._seen: dict[tuple[str, str], deque[float]] = {}
        self._warned: set[tuple[str, str]] = set()

    def note(self, channel: str, chat_id: str) -> Flood:
        now = self._now()
        key = (channel, chat_id)
        seen = self._seen.setdefault(key, deque())
        seen.append(now)
        while seen and seen[0] < now - self.WINDOW:
            seen.popleft()
        if len(seen) <= self.LIMIT:
            self._warned.discard(key)
            if len(seen) == 1 and len(self._seen) > 10_000:
                self._forget(now)
            return Flood.CALM
        if key in self._warned:
            return Flood.HUSH
        self._warned.add(key)
        return Flood.WARN

    def _forget(self, now: float) -> None:
        """Chats quiet for a whole window are forgotten, so memory follows activity."""
        for key in [k for k, v in self._seen.items() if not v or v[-1] < now - self.WINDOW]:
            del self._seen[key]
            self._warned.discard(key)


class Conversation:
    """One event in, its replies queued and sent in order."""

    def __init__(
        self, coach: Coach, deliveries: Deliveries, staff: StaffCommands | None = None
    ) -> None:
        self.coach = coach
        self.deliveries = deliveries
        self.store = deliveries.store
        self.staff = staff
        self._quiet = Quiet(log)
        self.flood = FloodWatch()
        #: What chats sent while Redis was away, in order, to handle when it is back.
        self._waiting: dict[tuple[str, str], deque[Incoming]] = {}
        self._held = 0
        self._replaying: asyncio.Task[None] | None = None

    async def answer(self, event: Incoming, kept: Callable[[], None] | None = None) -> None:
        """Handle one event. `kept()` is said once the event no longer depends on this process:
        its replies are queued in Redis (before they are sent), or it waits here for Redis, or
        there was nothing to keep; at the latest when handling ends. A channel confirms the
        event to its platform only then, so a crash before it loses nothing."""
        try:
            await self._take(event, kept or _nothing)
        finally:
            if kept is not None:
                kept()

    async def _take(self, event: Incoming, kept: Callable[[], None]) -> None:
        chat = (event.channel, event.chat_id)
        if chat not in self._waiting:
            try:
                await self._answer(event, kept=kept)
                return
            except (RedisError, OSError) as exc:
                self._quiet.warning(
                    "redis", "cannot reach Redis to answer a %s (%s); it waits in this process",
                    event.kind, type(exc).__name__,
                )  # fmt: skip
        # Redis is away (or this chat still waits behind what it sent then): the message waits
        # here, in order, and is handled when Redis is back. Help for danger does not wait;
        # the writer hears once that we wait.
        first = chat not in self._waiting
        held = self._hold(event)
        kept()  # in this process's spool (or told it cannot be kept): no need to hear it again
        found = assess(event.text) if event.kind is Kind.TEXT else NONE
        told = care.replies(found, country_of(None), can_pause=False) if found.danger else []
        if first or not held:
            told.append(Outgoing(texts.KEPT_FOR_LATER if held else texts.CANNOT_KEEP_NOW))
        if told:
            await self._direct(event, told)

    def _hold(self, event: Incoming) -> bool:
        """Keep an event for when Redis is back; False when too many already wait."""
        if self._held >= MAX_WAITING:
            return False
        self._waiting.setdefault((event.channel, event.chat_id), deque()).append(event)
        self._held += 1
        if self._replaying is None or self._replaying.done():
            self._replaying = asyncio.create_task(self._replay())
        return True

    async def _replay(self) -> None:
        """Handle what waited, chat by chat and in order, once Redis answers again."""
        while self._waiting:
            await asyncio.sleep(REPLAY_EVERY)
            for chat in list(self._waiting):
                queue = self._waiting[chat]
                while queue:
                    try:
                        await self._answer(queue[0], replayed=True)
                    except (RedisError, OSError):
                        break  # still away: try again next round
                    except Exception as exc:  # one event must not stop the rest
                        log.error("replaying a %s failed: %s", queue[0].kind, where(exc))
                    queue.popleft()
                    self._held -= 1
                if queue:
                    break
                del self._waiting[chat]

    async def _answer(
        self, event: Incoming, *, replayed: bool = False, kept: Callable[[], None] | None = None
    ) -> None:
        # What waited through an outage comes in a burst that is no flood.
        flooding = Flood.CALM if replayed else self.flood.note(event.channel, event.chat_id)
        try:
            staff = await self.staff.handle(event) if self.staff is not None else None
            replies = staff if staff is not None else await self.coach.handle(event)
        except (RedisError, OSError):
            raise
        except Exception as exc:
            log.error("handling a %s failed: %s", event.kind, where(exc))
            replies = [Outgoing(texts.SOMETHING_WRONG)]
        if flooding is not Flood.CALM and never_hushed(event):
            pass  # help is never held back, flood or not
        elif flooding is Flood.HUSH:
            replies = []  # kept, as always; only the answers to a flood are held back
        elif flooding is Flood.WARN:
            replies = [Outgoing(texts.SLOW_DOWN)]
        try:
            participant = await self.store.participants.by_chat(event.channel, event.chat_id)
        except UndecryptableText:  # their queue cannot reach them: the answer goes straight out
            participant = None
        if participant is None:
            if kept is not None:
                kept()  # nothing of theirs is stored: the answer goes straight out
            await self._direct(event, replies)
            return
        # Any message keeps their data from the retention period's erasure (storage/activity.py).
        await self.store.activity.touch(participant.id, self.deliveries.journey.clock.now())
        await self.send(participant.id, replies, kept)

    async def send(
        self, pid: str, replies: Sequence[Outgoing], kept: Callable[[], None] | None = None
    ) -> None:
        """Queue replies for a participant's chat and drain it; `kept()` once they are queued."""
        if replies:
            clock = self.deliveries.journey.clock
            safety = clock.to_course_seconds(self.deliveries.drainer.lock_seconds)
            # Should this process die before the queue is drained, the chat is looked at again.
            await self.store.due.recheck(chat_member(pid), clock.now() + timedelta(seconds=safety))
            await self.store.queue.put(pid, reply_items(replies))
            await self._restore_resumed(pid)
        if kept is not None:
            kept()
        await self.deliveries.drain(pid)

    async def _restore_resumed(self, pid: str) -> None:
        """What a pause held back comes after the reply that resumed its course."""
        if not await self.store.queue.held(pid):
            return
        current = await self.deliveries.journey.current(pid)
        if current is not None and current.status is EnrollmentStatus.ACTIVE:
            await self.store.queue.restore(pid)

    async def _direct(self, event: Incoming, replies: Sequence[Outgoing]) -> None:
        sender = self.deliveries.senders.get(event.channel)
        if sender is None:
            log.error("no %s channel here to answer on", event.channel)
            return
        for message in replies:
            for attempt in range(1, DIRECT_ATTEMPTS + 1):
                try:
                    await sender.send(event.chat_id, message, Lane.REPLY)
                    break
                except (Gone, Rejected) as exc:
                    log.info("a reply to someone without a record was not delivered: %s", exc)
                    return
                except DeliveryError as exc:
                    if attempt == DIRECT_ATTEMPTS:
                        log.warning("gave up a reply to someone without a record: %s", exc)
                        return
                    wait = exc.retry_after if isinstance(exc, RateLimited) else backoff(attempt)
                    await asyncio.sleep(min(wait, MAX_DIRECT_WAIT))
