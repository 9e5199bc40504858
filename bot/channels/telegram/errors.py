"""python-telegram-bot's errors as druppel's delivery errors, which say what to do next.

Telegram's answers end up in logs, so the bot token, which PTB puts in some of them, is
scrubbed from every message first.
"""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.delivery.errors import DeliveryError, Gone, RateLimited, Rejected, Transient

#: Telegram's 400 answers that mean the participant is gone rather than the message being bad.
_GONE = ("chat not found", "user is deactivated", "bot was blocked", "bot was kicked")


def retry_seconds(error: RetryAfter) -> float:
    """Telegram's requested wait in seconds, whether PTB hands it over as int or timedelta.

    PTB 22 warns when `retry_after` is read as an int (unless PTB_TIMEDELTA is set); the warning
    is about PTB's future, not ours, so it is silenced for this one read.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return max(seconds, 0.0)


def scrub(text: str, token: str) -> str:
    """The text without the bot token, which PTB puts in some error messages."""
    return text.replace(token, "<token>") if token else text


def translate(error: TelegramError, token: str = "") -> DeliveryError:
    """Telegram's error as druppel's delivery error, which decides retry, skip or stop.

    The messages end up in logs, so the bot token is scrubbed from them.
    """
    message = scrub(error.message, token)
    if isinstance(error, RetryAfter):
        return RateLimited(retry_seconds(error), message)
    if isinstance(error, Forbidden):  # blocked, kicked, "user is deactivated"
        return Gone(message)
    if isinstance(error, BadRequest):  # a subclass of NetworkError, so it is checked first
        if any(phrase in message.lower() for phrase in _GONE):
            return Gone(message)
        return Rejected(message)
    # TimedOut, NetworkError (a dropped connection, a 5xx), anything else: try again later.
    return Transient(f"{type(error).__name__}: {message}")
