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
from bot.core.messages import Incoming, Outgoing
from bot.delivery.drain import backoff
from bot.delivery.errors import DeliveryError, Gone, RateLimited, Rejected
from bot.delivery.items import reply_items
from bot.delivery.owed import Deliveries
from bot.safety.reply import never_hushed
from scheduler.quiet import Quiet
from storage.keys import chat_member
from storage.models import EnrollmentStatus, Lane

log = logging.getLogger(__name__)

#: A reply to someone without a record is tried this often, waiting at most this long.
DIRECT_ATTEMPTS = 3
MAX_DIRECT_WAIT = 30.0


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

    async def answer(self, event: Incoming) -> None:
        try:
            await self._answer(event)
        except (RedisError, OSError) as exc:
            # Redis is away: nothing can be kept now, so say so kindly, without Redis.
            self._quiet.warning(
                "redis", "cannot reach Redis to answer a %s (%s); asked them to send it again",
                event.kind, type(exc).__name__,
            )  # fmt: skip
            await self._direct(event, [Outgoing(texts.CANNOT_KEEP_NOW)])

    async def _answer(self, event: Incoming) -> None:
        flooding = self.flood.note(event.channel, event.chat_id)
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
        participant = await self.store.participants.by_chat(event.channel, event.chat_id)
        if participant is None:
            await self._direct(event, replies)
            return
        await self.send(participant.id, replies)

    async def send(self, pid: str, replies: Sequence[Outgoing]) -> None:
        """Queue replies for a participant's chat and drain it."""
        if replies:
            clock = self.deliveries.journey.clock
            safety = clock.to_course_seconds(self.deliveries.drainer.lock_seconds)
            # Should this process die before the queue is drained, the chat is looked at again.
            await self.store.due.recheck(chat_member(pid), clock.now() + timedelta(seconds=safety))
            await self.store.queue.put(pid, reply_items(replies))
            await self._restore_resumed(pid)
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
