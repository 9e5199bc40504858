"""A fake Telegram Bot API server on loopback, so tests drive real python-telegram-bot over HTTP.

Point PTB at it with ``base_url=f"{tg.root}/bot"`` and ``base_file_url=f"{tg.root}/file/bot"``.
The server answers with Telegram's envelopes, status codes and error wording; simulated users
inject updates (``user_sends``, ``user_taps``, ...) that PTB fetches with real long polling, and
everything the bot sends is recorded in :attr:`FakeTelegram.sent` for assertions.

Known simplifications: only private chats; Markdown/MarkdownV2 are accepted without validation;
inline-mode messages and webhooks are not implemented, and of media sending only sendPhoto
(PNG and JPEG uploads, file_ids of photos the fake knows, and http(s) URLs, which it accepts
without fetching) and sendDocument (uploads) are. An unknown method answers 404 like Telegram
does, so a gap shows up loudly rather than silently.

Paid broadcasting: a send with ``allow_paid_broadcast`` counts against a paid bucket of 1000
messages a second instead of the free global one (see :class:`RateLimits`) and is recorded as
``SentMessage.paid``; with :attr:`FakeTelegram.stars_too_low` it is refused with
BALANCE_TOO_LOW, the error MTProto documents for a Stars balance too low to pay. Stars are not
counted.

The fake is one class, :class:`FakeTelegram` (server.py), made of parts that each keep one
concern; see server.py for which part holds what.
"""

from __future__ import annotations

from .limits import RateLimits
from .sent import Buttons, SentMessage
from .server import FakeTelegram
from .wire import ApiError

__all__ = [
    "ApiError",
    "Buttons",
    "FakeTelegram",
    "RateLimits",
    "SentMessage",
]
