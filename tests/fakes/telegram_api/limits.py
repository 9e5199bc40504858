"""Flood control and failures: Telegram's rate limits (a 429 with retry_after, refused until that
time has passed), a paid broadcast's own bucket, and the failures a test plans (a 500, the proxy's
502 page, a dropped connection, an answer slower than the client waits, a deactivated user)."""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .state import State
from .wire import ApiError, JSONDict, bad_request, flood

# Methods that put a message on screen, so flood control applies to them.
FLOOD_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageReplyMarkup"}
)
# Methods of those that take `allow_paid_broadcast` (edits do not).
_PAID_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
FAILURE_KINDS = frozenset({"500", "502", "drop", "slow", "deactivated"})
BAD_GATEWAY = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class BadGateway(Exception):
    """The proxy in front of the Bot API answers with its own HTML page (:data:`BAD_GATEWAY`)."""


@dataclass(frozen=True)
class RateLimits:
    """Telegram's documented flood limits; tests may tighten them to provoke 429s quickly.

    A send carrying ``allow_paid_broadcast`` counts against the paid bucket (Telegram allows
    up to 1000 such messages a second) instead of the free global one; the per-chat limit
    applies to every send either way.
    """

    global_per_second: float = 30.0
    global_burst: int = 30
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    paid_per_second: float = 1000.0
    paid_burst: int = 1000


@dataclass
class Bucket:
    """A token bucket: ``burst`` requests at once, refilled at ``rate`` per second."""

    rate: float
    burst: int
    tokens: float
    stamp: float

    def refill(self, now: float) -> None:
        """Add the tokens earned since the last look, capped at the burst size."""
        self.tokens = min(float(self.burst), self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def seconds_until_token(self) -> float:
        """How long until one whole token is available again."""
        return max(0.0, (1.0 - self.tokens) / self.rate)


class Limits(State):
    """The flood control and planned failures of :class:`FakeTelegram`."""

    #: 429s served, in all and per chat, for tests of back-off.
    flood_count: int
    flood_by_chat: Counter[int]
    #: Seconds every send call takes before it is answered, as a far-away API would.
    answer_delay: float
    #: When True, a send with ``allow_paid_broadcast`` is refused as Telegram refuses it
    #: when the bot's Stars balance cannot pay (400 "Bad Request: BALANCE_TOO_LOW").
    stars_too_low: bool
    _limits: RateLimits | None
    _forced_floods: list[tuple[int, int | None]]
    _forced_failures: list[tuple[str, int | None, float]]
    _global_bucket: Bucket | None
    _paid_bucket: Bucket | None
    _chat_buckets: dict[int, Bucket]
    _penalty_until: dict[int | str | None, float]

    def set_rate_limits(self, limits: RateLimits | bool | None) -> None:
        """Turn flood control on (True = Telegram's limits, or custom) or off (None/False)."""
        if limits is True:
            self._limits = RateLimits()
        elif isinstance(limits, RateLimits):
            self._limits = limits
        else:
            self._limits = None
        self._global_bucket = None
        self._paid_bucket = None
        self._chat_buckets = {}
        self._penalty_until = {}

    def force_flood(self, count: int = 1, retry_after: int = 5, chat_id: int | None = None) -> None:
        """Answer the next ``count`` send calls (to ``chat_id``, if given) with 429."""
        self._forced_floods.extend([(retry_after, chat_id)] * count)

    def fail_next(
        self, kind: str, count: int = 1, chat_id: int | None = None, delay: float = 0.0
    ) -> None:
        """Answer the next ``count`` send calls (to ``chat_id``, if given) as Telegram does when
        things go wrong: ``"500"`` (Internal Server Error, Telegram's JSON envelope), ``"502"``
        (Bad Gateway: the HTML page of the proxy in front of the Bot API), ``"drop"`` (the
        connection is closed without an answer), ``"slow"`` (the message is delivered, but the
        answer comes only after ``delay`` seconds, past a client's read timeout), or
        ``"deactivated"`` (403 "Forbidden: user is deactivated")."""
        if kind not in FAILURE_KINDS:
            raise ValueError(f"unknown failure kind {kind!r}; one of {sorted(FAILURE_KINDS)}")
        self._forced_failures.extend([(kind, chat_id, delay)] * count)

    def stop_failing(self) -> None:
        """Forget every failure still planned by `fail_next`: the outage is over."""
        self._forced_failures.clear()

    async def _admit(self, request: web.Request, name: str, params: JSONDict) -> float | None:
        """Let a call pass the failures planned for it and flood control, or refuse it as
        Telegram would (an ApiError, :class:`BadGateway`, or a connection closed without an
        answer). Returns how long to hold the answer back once handled (a "slow" failure)."""
        failure = self._take_failure(params.get("chat_id")) if name in FLOOD_METHODS else None
        if failure is not None:
            kind = failure[0]
            if kind == "drop":
                if request.transport is not None:
                    request.transport.abort()
                raise ConnectionResetError("the fake closed the connection on purpose")
            if kind == "502":
                self.errors.append((name, 502, "Bad Gateway"))
                raise BadGateway
            if kind == "500":
                raise ApiError(500, "Internal Server Error")
            if kind == "deactivated":
                raise ApiError(403, "Forbidden: user is deactivated")
        paid = name in _PAID_METHODS and params.get("allow_paid_broadcast") is True
        if paid and self.stars_too_low:
            raise bad_request("BALANCE_TOO_LOW")
        if name in FLOOD_METHODS:
            self._check_flood(params.get("chat_id"), paid=paid)
            if self.answer_delay:
                await asyncio.sleep(self.answer_delay)
        return failure[1] if failure is not None and failure[0] == "slow" else None

    def _check_flood(self, chat_id: Any, *, paid: bool = False) -> None:
        """Serve forced 429s first, then apply the global (or, for a paid broadcast, the paid)
        and the per-chat bucket if enabled."""
        key = chat_id if isinstance(chat_id, int) else 0
        for i, (retry_after, only_chat) in enumerate(self._forced_floods):
            if only_chat is None or only_chat == key:
                del self._forced_floods[i]
                self._count_flood(key)
                raise flood(retry_after)
        limits = self._limits
        if limits is None:
            return
        now = self._clock()
        whole: str | None = "paid" if paid else None  # the penalty scope of the bot-wide bucket
        until = max(self._penalty_until.get(whole, 0.0), self._penalty_until.get(key, 0.0))
        if now < until:
            self._count_flood(key)
            raise flood(max(1, math.ceil(until - now)))
        if self._global_bucket is None:
            self._global_bucket = Bucket(
                limits.global_per_second, limits.global_burst, float(limits.global_burst), now
            )
        if self._paid_bucket is None:
            self._paid_bucket = Bucket(
                limits.paid_per_second, limits.paid_burst, float(limits.paid_burst), now
            )
        bot_bucket = self._paid_bucket if paid else self._global_bucket
        chat_bucket = self._chat_buckets.setdefault(
            key,
            Bucket(limits.per_chat_per_second, limits.per_chat_burst, limits.per_chat_burst, now),
        )
        for scope, bucket in ((whole, bot_bucket), (key, chat_bucket)):
            bucket.refill(now)
            if bucket.tokens < 1.0:
                retry_after = max(1, math.ceil(bucket.seconds_until_token()))
                # Like Telegram, keep refusing until the announced time has passed.
                self._penalty_until[scope] = now + retry_after
                self._count_flood(key)
                raise flood(retry_after)
        bot_bucket.tokens -= 1.0
        chat_bucket.tokens -= 1.0

    def _take_failure(self, chat_id: Any) -> tuple[str, float] | None:
        key = chat_id if isinstance(chat_id, int) else 0
        for i, (kind, only_chat, delay) in enumerate(self._forced_failures):
            if only_chat is None or only_chat == key:
                del self._forced_failures[i]
                return kind, delay
        return None

    def _count_flood(self, chat_id: int) -> None:
        """Count a served 429 overall and per chat, for tests of back-off behaviour."""
        self.flood_count += 1
        self.flood_by_chat[chat_id] += 1
