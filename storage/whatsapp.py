"""WhatsApp's state in Redis: the inbound queue, the 24-hour window, invitations and statuses.

The webhook (in `druppel web`) queues what arrives before it answers the platform, so nothing is
lost when that process dies afterwards; workers take a chat's inbox under a lease and handle its
events in order. Each event waits there sealed as a whole (storage/crypto.py): what they wrote,
their phone number, their profile name and the message's id. Phone numbers and message ids
(which may spell out a phone number) appear in key names only as a keyed hash, so a dump of the
key space names nobody.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Annotated, Literal

import redis.asyncio as aioredis
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from storage.crypto import TextCipher, is_sealed
from storage.keys import Keys
from storage.models import UtcDatetime
from storage.records import text
from storage.scripts import Scripts

#: How long an inbound id is remembered: the platform retries a webhook for up to 7 days.
SEEN_MS = 8 * 24 * 3600 * 1000
#: How long a sent message's statuses are kept (real seconds).
STATUS_TTL = 30 * 24 * 3600
#: How many sent messages are listed per chat for its export (the newest).
SENT_LISTED = 500
#: The statuses the platform reports, in the order a message goes through them.
STATUS_ORDER = ("sent", "delivered", "read")

Phone = Annotated[str, StringConstraints(pattern=r"^[0-9]{5,20}$")]


class InboundEvent(BaseModel):
    """Something the webhook received, kept until a worker has handled it.

    `kind` "message" is a participant's message (text, a tapped button, an attachment); "failed"
    is the platform's word that a message we sent did not arrive. The text is personal: it lives
    here only until a worker takes it, and is never logged.
    """

    model_config = ConfigDict(extra="ignore")

    kind: Literal["message", "failed"]
    id: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    chat: Phone
    at: UtcDatetime
    type: Annotated[str, StringConstraints(max_length=32)] = "text"
    name: Annotated[str, StringConstraints(max_length=64)] | None = None
    #: What they wrote (at most 20,000 characters; an older release kept it sealed here).
    text: Annotated[str, StringConstraints(max_length=120_000)] = ""
    data: Annotated[str, StringConstraints(max_length=512)] | None = None
    error_code: int | None = None
    error_title: Annotated[str, StringConstraints(max_length=300)] | None = None


class SentStatus(BaseModel):
    """What is known of one message we sent: its lane, and when each status was reported."""

    lane: str | None = None
    statuses: dict[str, datetime] = Field(default_factory=dict)
    error: str | None = None
    #: When the platform took it (course time).
    accepted: datetime | None = None

    @property
    def latest(self) -> str | None:
        """`failed` once reported; otherwise the furthest of sent, delivered and read."""
        if "failed" in self.statuses:
            return "failed"
        reached = [s for s in STATUS_ORDER if s in self.statuses]
        return reached[-1] if reached else None


def _ms(at: datetime) -> int:
    return round(at.timestamp() * 1000)


class WhatsAppRepo:
    """The WhatsApp keys of one installation; `secret` keys the hashes in key names."""

    def __init__(
        self, redis: aioredis.Redis, keys: Keys, secret: bytes, cipher: TextCipher
    ) -> None:
        if not secret:
            raise ValueError("a WhatsApp store needs a secret to hash phone numbers with")
        self._redis = redis
        self._keys = keys
        self._secret = secret
        self._cipher = cipher
        self._scripts = Scripts(redis)

    def hashed(self, value: str) -> str:
        """A keyed hash of a phone number or a message id, fit for a key name."""
        return hmac.new(self._secret, value.encode(), hashlib.sha256).hexdigest()[:32]

    # -- inbound ------------------------------------------------------------------------------
    async def receive(
        self, event: InboundEvent, *, window_until: datetime | None = None,
        window_real_seconds: float = 0.0, seen_as: str | None = None,
    ) -> bool:  # fmt: skip
        """Queue an event unless its id was queued before; a message opens its chat's window
        until `window_until` (course time), which lasts `window_real_seconds` of real time.
        Returns False for a repeat."""
        chat = self.hashed(event.chat)
        k = self._keys
        until = _ms(window_until) if window_until is not None else 0
        queued = await self._scripts.run(
            "wa_inbound",
            [k.wa_seen(self.hashed(seen_as or event.id)), k.wa_inbox(chat), k.wa_ready(),
             k.wa_window(chat)],
            [self._cipher.seal(event.model_dump_json()), SEEN_MS, chat, until,
             max(0, round(window_real_seconds * 1000))],
        )  # fmt: skip
        return bool(int(queued))

    async def claim(self, token: str, lease_seconds: float, limit: int) -> list[str]:
        """Chats (by hash) whose inbox waits, now held by `token` for `lease_seconds`."""
        if limit < 1:
            return []
        k = self._keys
        lease = max(1, round(lease_seconds * 1000))
        claimed = await self._scripts.run(
            "wa_claim", [k.wa_ready(), k.wa_owners()], [token, lease, limit]
        )
        return [text(c) for c in claimed]

    async def first(self, chat: str) -> str | None:
        """The oldest event still waiting in a chat's inbox, as stored."""
        raw = await self._redis.lindex(self._keys.wa_inbox(chat), 0)
        return None if raw is None else text(raw)

    def read(self, raw: str) -> InboundEvent:
        """An event as `first` returned it, its text opened. Raises ValueError when it is not
        one, UndecryptableText when no configured key opens it."""
        if is_sealed(raw):
            return InboundEvent.model_validate_json(self._cipher.open(raw))
        event = InboundEvent.model_validate_json(raw)  # as an older release queued it
        if event.text:
            event = event.model_copy(update={"text": self._cipher.open(event.text)})
        return event

    async def done(self, chat: str, token: str, lease_seconds: float, *, pop: bool = True) -> int:
        """Drop the chat's first event (`pop`) and extend the lease; -1 when the lease was lost,
        else how many events still wait (at 0 the chat is let go)."""
        k = self._keys
        lease = max(0, round(lease_seconds * 1000))
        left = await self._scripts.run(
            "wa_done", [k.wa_ready(), k.wa_owners(), k.wa_inbox(chat)],
            [chat, token, lease, "1" if pop else "0"],
        )  # fmt: skip
        return int(left)

    async def waiting(self) -> int:
        """How many chats have events waiting or in hand (for health and tests)."""
        return int(await self._redis.zcard(self._keys.wa_ready()))

    # -- the 24-hour window and the template invitation ---------------------------------------
    async def window_until(self, phone: str) -> datetime | None:
        """When the chat's customer-service window closes (course time), if it is known."""
        raw = await self._redis.get(self._keys.wa_window(self.hashed(phone)))
        if raw is None:
            return None
        return datetime.fromtimestamp(int(text(raw)) / 1000, UTC)

    async def close_window(self, phone: str) -> None:
        await self._redis.delete(self._keys.wa_window(self.hashed(phone)))

    async def invite(self, phone: str, real_seconds: float) -> bool:
        """Note that a template invitation goes out now; False if one already stands."""
        ms = max(1, round(real_seconds * 1000))
        key = self._keys.wa_invited(self.hashed(phone))
        return bool(await self._redis.set(key, "1", nx=True, px=ms))

    async def invited(self, phone: str) -> float:
        """Real seconds the standing invitation still lasts; 0.0 when there is none."""
        ms = int(await self._redis.pttl(self._keys.wa_invited(self.hashed(phone))))
        return ms / 1000 if ms > 0 else 0.0

    async def uninvite(self, phone: str) -> bool:
        """Withdraw the invitation (the participant answered); True if there was one."""
        return bool(await self._redis.delete(self._keys.wa_invited(self.hashed(phone))))

    # -- statuses of what we sent --------------------------------------------------------------
    async def sent(self, message_id: str, lane: str, at: datetime, to: str | None = None) -> None:
        """Note a message the platform accepted; with `to` (the phone number) it is also listed
        under that chat, so the participant's export can show its statuses."""
        hashed = self.hashed(message_id)
        key = self._keys.wa_message(hashed)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(key, "lane", lane)
            pipe.hsetnx(key, "accepted", at.isoformat())
            pipe.expire(key, STATUS_TTL)
            if to is not None:
                listed = self._keys.wa_sent(self.hashed(to))
                pipe.zadd(listed, {hashed: _ms(at)})
                pipe.zremrangebyrank(listed, 0, -SENT_LISTED - 1)
                pipe.expire(listed, STATUS_TTL)
            await pipe.execute()

    async def sent_to(self, phone: str) -> list[SentStatus]:
        """The statuses still kept of the messages sent to a number, oldest first."""
        listed = self._keys.wa_sent(self.hashed(phone))
        rows = await self._redis.zrange(listed, 0, -1)
        hashes = [text(h) for h in rows if isinstance(h, (str, bytes))]
        found: list[SentStatus] = []
        for hashed in hashes:
            status = await self._statuses(self._keys.wa_message(hashed))
            if status.lane is not None or status.statuses:
                found.append(status)
        return found

    async def status(
        self, message_id: str, status: str, at: datetime, error: str | None = None
    ) -> bool:
        """Record one status of a sent message; False when it was recorded before (a retry)."""
        if status not in (*STATUS_ORDER, "failed"):
            raise ValueError(f"not a message status: {status!r}")
        key = self._keys.wa_message(self.hashed(message_id))
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(key, status, at.isoformat())
            if error is not None:
                pipe.hsetnx(key, "error", error[:300])
            pipe.expire(key, STATUS_TTL)
            first, *_ = await pipe.execute()
        return bool(first)

    async def statuses(self, message_id: str) -> SentStatus:
        return await self._statuses(self._keys.wa_message(self.hashed(message_id)))

    async def _statuses(self, key: str) -> SentStatus:
        fields = {text(k): text(v) for k, v in (await self._redis.hgetall(key)).items()}
        times = {
            name: datetime.fromisoformat(fields[name])
            for name in (*STATUS_ORDER, "failed")
            if name in fields
        }
        accepted = fields.get("accepted")
        return SentStatus(
            lane=fields.get("lane"), statuses=times, error=fields.get("error"),
            accepted=datetime.fromisoformat(accepted) if accepted else None,
        )  # fmt: skip

    # -- erasure ---------------------------------------------------------------------------------
    async def forget(self, phone: str) -> None:
        """Erase what is kept under one chat with its participant: the inbox (their words and
        number, waiting), a standing invitation, the delivery statuses of the messages sent to
        them (those the chat's list names: the newest 500) with the list itself and, unless a
        worker holds the chat right now (it lets go when it finds the inbox empty), its place
        among the chats that wait.

        The window's end stays until it lapses (at most a day): a time under the number's
        keyed hash, which lets the goodbye after an erasure arrive as a plain message. The ids
        of their messages already received stay, as keyed hashes nothing links to the chat, for
        the 8 days the platform may deliver a message again: forgetting them would let a
        repeated "START" bring an erased participant back.
        """
        chat = self.hashed(phone)
        k = self._keys
        rows = await self._redis.zrange(k.wa_sent(chat), 0, -1)
        listed = [text(h) for h in rows if isinstance(h, (str, bytes))]
        statuses = [k.wa_message(hashed) for hashed in listed]
        await self._redis.delete(k.wa_inbox(chat), k.wa_invited(chat), k.wa_sent(chat), *statuses)
        if not await self._redis.hexists(k.wa_owners(), chat):
            await self._redis.zrem(k.wa_ready(), chat)
