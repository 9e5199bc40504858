"""Telegram's limits as the rates of druppel's shared limiter, a little under Telegram's own.

Telegram allows a bot about 30 messages a second overall and about one a second per chat;
with paid broadcasting (`allow_paid_broadcast`) up to PAID_CEILING a second, for Stars.
"""

from __future__ import annotations

from scheduler.ratelimit import Rate

#: Messages a second Telegram allows a bot with paid broadcasting (`allow_paid_broadcast`), and
#: the most it costs a message, in Telegram Stars from the bot's balance.
PAID_CEILING = 1000.0
PAID_FEE_STARS = 0.1


def chat_rate(burst: int) -> Rate:
    """Telegram's pace for one chat: about one message a second after a short burst. We keep a
    tenth under it, so network jitter between our count and Telegram's never tips it over."""
    return Rate(0.9, burst=burst)


def overall_rate(per_second: float) -> Rate:
    """The bot-wide pace: the burst is kept small, so no one second ever sees more than
    `per_second` plus a fifth of it (25/s gives at most 30 in any second: Telegram's limit)."""
    return Rate(per_second, burst=max(1, int(per_second / 5)))


def paid_rate(per_second: float) -> Rate:
    """The pace of paid lessons and broadcasts: `per_second`, with a burst of a fifth."""
    return Rate(per_second, burst=max(1, int(per_second / 5)))
