"""Telegram's limits as the rates of druppel's shared limiter, a little under Telegram's own.

Telegram allows a bot about 30 messages a second overall and about one a second per chat;
with paid broadcasting (`allow_paid_broadcast`) up to PAID_CEILING a second, for Stars. The
bot-wide and paid paces are `Rate.steady`: 25 a second never gives more than 30 in any second.
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
