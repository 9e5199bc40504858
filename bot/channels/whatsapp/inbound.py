"""What the webhook queued, handled by the workers: one chat at a time, in order, under a lease.

`Inbox` claims chats whose inbox waits, under leases kept as the dispatcher's are
(`scheduler.leases.LeaseRunner`: a worker that dies lets go within the lease), and hands each
event to `InboundHandler`, which turns it into the coach's event and lets the conversation
answer it through the chat's queue. A failed delivery status is counted, kept for operators'
/errors, and stops the courses of a number that cannot be reached. An event is removed once
handled; one whose handling raised is logged (never with its text) and removed too, so it cannot
block the chat for ever.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from pydantic import ValidationError

from bot.channels.whatsapp import texts
from bot.channels.whatsapp.client import Kind as ErrorKind
from bot.channels.whatsapp.client import classify_code
from bot.channels.whatsapp.words import read
from bot.core.counters import Counters, FailureKind, failure
from bot.core.logs import where
from bot.core.messages import Incoming, Kind, Outgoing
from scheduler.clock import Clock
from scheduler.leases import LeaseRunner
from scheduler.quiet import Quiet
from storage.crypto import UndecryptableText
from storage.models import Channel, EnrollmentStatus, FailureEntry, Participant
from storage.store import Store
from storage.whatsapp import InboundEvent, WhatsAppRepo

log = logging.getLogger(__name__)

#: Chats one worker handles at once, and real seconds between two looks for news.
CONCURRENT_CHATS = 16
POLL_EVERY = 0.1

#: Attachments, by WhatsApp's type name, as the coach's refusal names them.
_WHAT = {"image": "photo", "sticker": "sticker", "audio": "voice", "video": "video",
         "document": "document", "location": "location", "contacts": "contact"}  # fmt: skip
#: What a participant may type to mean "yes, send it" after the invitation template.
_YES = frozenset({"ja", "ok", "oké", "oke", "graag", "ja graag", "yes", "go", "👍", "verder"})
#: How a "failed" status is counted, from the one reading of Meta's codes the send path uses
#: too; any other code counts as rejected.
_FAILURE: dict[ErrorKind, FailureKind] = {
    ErrorKind.GONE: "gone",
    ErrorKind.THROTTLED: "rate_limited",
    ErrorKind.PAIR: "rate_limited",
    ErrorKind.TRANSIENT: "transient",
}


class Answers(Protocol):
    """The conversation as this channel sees it (bot/conversation/replies.py)."""

    async def answer(self, event: Incoming) -> None: ...

    async def send(self, pid: str, replies: list[Outgoing]) -> None: ...


@dataclass
class InboundHandler:
    """One queued event: a message for the coach, or a failed delivery."""

    conversation: Answers
    store: Store
    repo: WhatsAppRepo
    clock: Clock
    courses: Collection[str]
    counters: Counters
    on_gone: Callable[[Participant], Awaitable[None]]

    async def __call__(self, event: InboundEvent) -> None:
        if event.kind == "failed":
            await self.failed(event)
        else:
            await self.message(event)

    def incoming(self, event: InboundEvent) -> Incoming:
        chat, name = event.chat, event.name
        if event.type == "text":
            return read(chat, event.text, self.courses, name)
        if event.type in ("interactive", "button") and event.data:
            return Incoming(Channel.WHATSAPP, chat, Kind.BUTTON, data=event.data, first_name=name)
        return Incoming(
            Channel.WHATSAPP, chat, Kind.UNSUPPORTED, first_name=name, what=_WHAT.get(event.type)
        )

    async def message(self, event: InboundEvent) -> None:
        participant = await self.store.participants.by_chat(Channel.WHATSAPP, event.chat)
        invited = await self.repo.uninvite(event.chat)
        incoming = self.incoming(event)
        said = event.text.strip().lower().rstrip(".!")
        if participant is not None and invited:
            # They are back: a reminder that waited for the window no longer fits, whatever
            # time it is now (a nudge keeps to the daytime; a tap may come at night).
            await self.store.queue.forget(participant.id, "nudge")
        if participant is not None and invited and (event.type == "button" or said in _YES):
            # The answer to the invitation: what waited for the window comes now, or, when
            # nothing did, where their course stands (as VERDER says it).
            await self.store.activity.touch(participant.id, self.clock.now())
            if await self.store.queue.size(participant.id):
                await self.conversation.send(participant.id, [])
                return
            incoming = Incoming(
                Channel.WHATSAPP, event.chat, Kind.COMMAND, command="verder",
                first_name=event.name,
            )  # fmt: skip
            await self.conversation.answer(incoming)
            return
        if event.type == "button":  # an older invitation's button: say where they are
            incoming = Incoming(
                Channel.WHATSAPP, event.chat, Kind.COMMAND, command="voortgang",
                first_name=event.name,
            )  # fmt: skip
        before = await self._started(participant)
        await self.conversation.answer(incoming)
        known = participant or await self.store.participants.by_chat(Channel.WHATSAPP, event.chat)
        after = await self._started(known)
        if known is not None and after is not None and after != before:
            await self.conversation.send(known.id, [Outgoing(texts.WINDOW_NOTE)])

    async def _started(self, participant: Participant | None) -> str | None:
        """Which course the participant follows since when: it changes at a sign-up, and not
        when a paused course goes on."""
        if participant is None:
            return None
        for enrollment in await self.store.enrollments.for_participant(participant.id):
            if enrollment.status in (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED):
                return f"{enrollment.course_id}@{enrollment.started_at.isoformat()}"
        return None

    async def failed(self, event: InboundEvent) -> None:
        """A message we sent did not arrive: count it, keep it for operators, act on it."""
        participant = await self.store.participants.by_chat(Channel.WHATSAPP, event.chat)
        code = event.error_code
        read = classify_code(code)
        kind: FailureKind = "rejected" if read is None else _FAILURE.get(read, "rejected")
        if read is ErrorKind.WINDOW:  # Meta's clock says the window closed
            await self.repo.close_window(event.chat)
        await self.counters.add(failure(kind))
        sent = await self.repo.statuses(event.id)
        entry = FailureEntry(
            kind=kind, cause=f"whatsapp status failed: #{code} {event.error_title or ''}"[:300],
            participant=participant.id if participant else None,
            message_kind=(sent.lane or "")[:16] or None, at=self.clock.now(),
        )  # fmt: skip
        await self.store.failures.record(entry)
        who = participant.id if participant else "(unknown)"
        log.warning("whatsapp: a message to participant %s failed: #%s", who, code)
        if kind == "gone" and participant is not None:
            await self.on_gone(participant)


@dataclass(frozen=True, slots=True)
class Chat:
    """A chat (by hash) whose inbox this worker holds."""

    member: str


@dataclass
class _ChatLeases:
    """The inbound queue's chat leases, as one worker (its token) holds them."""

    repo: WhatsAppRepo
    lease_seconds: float
    token: str

    async def claim(self, limit: int) -> list[Chat]:
        return [Chat(c) for c in await self.repo.claim(self.token, self.lease_seconds, limit)]

    async def extend(self, members: Sequence[str]) -> set[str]:
        done = self.repo.done
        left = [await done(chat, self.token, self.lease_seconds, pop=False) for chat in members]
        return {chat for chat, n in zip(members, left, strict=True) if n < 0}

    async def hand_back(self, claim: Chat) -> None:
        await self.repo.done(claim.member, self.token, 0, pop=False)  # free for anyone now


class Inbox:
    """The loop that takes chats off the inbound queue; `run` until `stop`."""

    def __init__(
        self, repo: WhatsAppRepo, handle: Callable[[InboundEvent], Awaitable[None]],
        lease_seconds: float, *, concurrency: int = CONCURRENT_CHATS, poll: float = POLL_EVERY,
    ) -> None:  # fmt: skip
        self.repo = repo
        self.handle = handle
        self.lease = lease_seconds
        self.poll = poll
        self.token = secrets.token_hex(8)
        self._quiet = Quiet(log)
        leases = _ChatLeases(repo, lease_seconds, self.token)
        self._runner = LeaseRunner(
            leases, self._chat, lease_seconds=lease_seconds, concurrency=concurrency,
            quiet=self._quiet,
        )  # fmt: skip

    async def run(self) -> None:
        while not self._runner.stopping:
            started = 0
            try:
                started = await self._runner.fill()
            except Exception as exc:  # Redis away: try again after the pause
                self._quiet.warning(
                    "claim", "whatsapp: could not look at the inbound queue: %s", exc
                )
            if not started:
                await self._runner.pause(self.poll)

    async def _chat(self, claim: Chat) -> None:
        chat = claim.member
        try:
            while not self._runner.stopping:
                raw = await self.repo.first(chat)
                if raw is not None:
                    await self._one(raw)
                left = await self.repo.done(chat, self.token, self.lease, pop=raw is not None)
                if left <= 0:
                    return
            await self.repo.done(chat, self.token, 0, pop=False)  # stopping: hand it back now
        except Exception as exc:
            log.error("whatsapp: handling a chat's inbox failed: %s", where(exc))

    async def _one(self, raw: str) -> None:
        try:
            event = self.repo.read(raw)
        except ValidationError:
            log.warning("whatsapp: dropped an inbound event in a form not understood")
            return
        except UndecryptableText:
            log.error("whatsapp: dropped an inbound event no DRUPPEL_ENCRYPTION_KEY opens")
            return
        try:
            await self.handle(event)
        except Exception as exc:
            log.error("whatsapp: handling an inbound %s failed: %s", event.kind, where(exc))

    async def stop(self, grace: float) -> None:
        """Claim nothing more; give the chats in hand `grace` seconds, then hand them back."""
        await self._runner.stop(grace)
