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
import traceback
from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol

from redis.exceptions import RedisError

from bot import texts
from bot.delivery.drain import backoff
from bot.delivery.errors import DeliveryError, Gone, RateLimited, Rejected
from bot.delivery.items import reply_items
from bot.delivery.owed import Deliveries
from bot.messages import Incoming, Outgoing
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


def where(error: BaseException) -> str:
    """The traceback without the exception's message, which may quote what someone wrote."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    return f"{type(error).__name__}\n{frames}".rstrip()


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
        try:
            staff = await self.staff.handle(event) if self.staff is not None else None
            replies = staff if staff is not None else await self.coach.handle(event)
        except (RedisError, OSError):
            raise
        except Exception as exc:
            log.error("handling a %s failed: %s", event.kind, where(exc))
            replies = [Outgoing(texts.SOMETHING_WRONG)]
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
            await self.store.due.wake(chat_member(pid), clock.now() + timedelta(seconds=safety))
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
