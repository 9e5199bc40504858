"""What can go wrong when sending, as one hierarchy whose errors say what to do.

Channel adapters translate their platform's errors into these; the queue's drain acts on them
the same way for replies, lessons and broadcasts. The four kinds are siblings, so no `except`
order can turn one into another:

- `Transient`: the network, a time-out, a 5xx. Try again with exponential backoff and jitter,
  capped; after a bounded number of tries the message is parked where operators see it.
- `RateLimited`: the platform (or our own pacing) asks to wait `retry_after` seconds. The
  platform's word is fed into the shared limiter, so every worker pauses, not just one chat.
- `Gone`: the participant blocked the bot, deleted their account, or the chat does not exist.
  Stop their courses and keep their data.
- `Rejected`: the platform refuses this one message. Log the cause, skip it, count it.
"""

from __future__ import annotations

import random

from bot.core.errors import DruppelError

#: Backoff after a transient failure: the first wait, the cap (real seconds), and how many
#: tries an item gets before it is parked.
BACKOFF_FIRST = 2.0
BACKOFF_CAP = 300.0
MAX_ATTEMPTS = 8

_RNG = random.Random()


def backoff(attempt: int, rng: random.Random | None = None) -> float:
    """Real seconds to wait after the `attempt`-th failure: doubling, capped, half of it random
    ("equal jitter"), so workers that failed together do not retry together."""
    ceiling = min(BACKOFF_CAP, BACKOFF_FIRST * 2.0 ** max(0, attempt - 1))
    return ceiling / 2 + (rng or _RNG).uniform(0, ceiling / 2)


class DeliveryError(DruppelError):
    """Base of every delivery error; `cause` is fit for a log line (never message text)."""

    def __init__(self, cause: str = "") -> None:
        super().__init__(cause)
        self.cause = cause


class Transient(DeliveryError):
    """Worth trying again later: nothing says this message or this chat is the problem."""


class RateLimited(DeliveryError):
    """Wait `retry_after` real seconds before sending again (`paced`: our own limiter said so)."""

    def __init__(self, retry_after: float, cause: str = "", *, paced: bool = False) -> None:
        super().__init__(cause or f"rate limited, retry after {retry_after:g}s")
        self.retry_after = max(0.0, retry_after)
        self.paced = paced


class Gone(DeliveryError):
    """The participant cannot be reached any more: stop sending, keep their data."""


class Rejected(DeliveryError):
    """The platform refused this message; sending it again will not help."""
