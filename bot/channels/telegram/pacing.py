"""A send's turn under the limits every worker shares, and whether it goes as a paid broadcast.

With paid broadcasting, lessons and broadcasts (never replies) go as paid broadcasts, at the
bot's raised pace; every other send also keeps the free pace. Should the bot's Telegram Stars
run short, the next PAID_PAUSE seconds of them go unpaid at the free pace, with one warning.
"""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError

from bot.delivery.errors import RateLimited
from scheduler.ratelimit import Rate, RateLimiter, Throttled
from storage.models import Lane

log = logging.getLogger(__name__)

#: The longest a send waits inline for its turn under the shared limits (real seconds).
MAX_PACING_WAIT = 2.0
#: Telegram's answer to a paid send when the bot's Stars balance cannot pay for it (documented
#: for the underlying messages.sendMessage as 400 BALANCE_TOO_LOW).
BALANCE_TOO_LOW = "BALANCE_TOO_LOW"
#: Real seconds lessons and broadcasts go unpaid, at the free pace, after that answer.
PAID_PAUSE = 600.0


class Pacing:
    """The limiters one channel's sends wait on, and the state of its paid broadcasting."""

    def __init__(
        self,
        limiter: RateLimiter | None = None,
        *,
        paid_broadcast: bool = False,
        unpaid_limiter: RateLimiter | None = None,
    ) -> None:
        """`limiter` paces every send; with `paid_broadcast`, `unpaid_limiter` keeps every
        send that is not paid (replies) at the free pace on top of `limiter`."""
        self._limiter = limiter
        self._unpaid_limiter = unpaid_limiter
        self.paid_broadcast = paid_broadcast
        self._paid_paused_until = 0.0

    @property
    def chat_pace(self) -> Rate | None:
        """Each chat's own pace, kept by its queue for what the queue sends (None: unpaced)."""
        return None if self._limiter is None else self._limiter.per_chat

    def paid_for(self, lane: Lane) -> bool:
        """Whether a message of this lane goes as a paid broadcast now: replies never do."""
        return (
            self.paid_broadcast
            and lane is not Lane.REPLY
            and time.monotonic() >= self._paid_paused_until
        )

    async def wait(
        self, chat_id: str, lane: Lane, *, paid: bool, chat_paced: bool = False
    ) -> float:
        """Wait for this message's turn, or raise RateLimited for a turn further off than
        MAX_PACING_WAIT. Unpaid sends also keep the free pace when paid broadcasting raised the
        bot's own (checked last: it is the one that binds them). `chat_paced`: the chat's own
        turn was taken by its queue, only the shared budget is left. Returns the seconds it
        waited."""
        started = time.monotonic()
        limiters = [self._limiter] if paid else [self._limiter, self._unpaid_limiter]
        for limiter in limiters:
            if limiter is None:
                continue
            try:
                await limiter.acquire(chat_id, MAX_PACING_WAIT, lane, chat=not chat_paced)
            except Throttled as exc:
                raise RateLimited(exc.retry_after, "paced", paced=True) from exc
            except (RedisError, OSError):
                pass  # the shared pacing lives in Redis; without it, this one reply goes unpaced
        return time.monotonic() - started

    async def flooded(self, error: RateLimited) -> None:
        """Telegram said 429: every worker's sends pause for the time it asked."""
        if self._limiter is not None:
            await self._limiter.pause(error.retry_after)

    def pause_paid(self) -> None:
        """Send lessons and broadcasts unpaid for PAID_PAUSE seconds; warn once per pause."""
        if time.monotonic() >= self._paid_paused_until:
            log.warning(
                "telegram: a paid broadcast was refused, the bot's Telegram Stars balance is too "
                "low (%s); lessons and broadcasts go unpaid, at the free pace, for %g seconds",
                BALANCE_TOO_LOW, PAID_PAUSE,
            )  # fmt: skip
        self._paid_paused_until = time.monotonic() + PAID_PAUSE
