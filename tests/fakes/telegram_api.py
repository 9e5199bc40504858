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
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
import itertools
import json
import math
import re
import socket
import struct
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from .telegram_html import HtmlParseError, parse_html, trim_text, utf16_len

__all__ = [
    "ApiError",
    "Buttons",
    "FakeTelegram",
    "RateLimits",
    "SentMessage",
]

JSONDict = dict[str, Any]
Buttons = list[list[tuple[str, str | None]]]

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
#: Telegram's limits for a photo: 10 MB, width plus height at most 10000, sides at most 1:20.
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_PHOTO_SIDES = 10_000
MAX_PHOTO_RATIO = 20
#: The longest side of each size Telegram keeps of a photo, smallest first.
PHOTO_SIZE_LIMITS = (90, 320, 800, 1280)
#: The largest request body the fake reads (Telegram takes uploads of up to 50 MB).
MAX_REQUEST_BYTES = 50 * 1024 * 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_POLL_TIMEOUT = 60.0
DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
ALL_UPDATE_TYPES = DEFAULT_ALLOWED_UPDATES | {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "web_app",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
# Methods that put a message on screen, so flood control applies to them.
_FLOOD_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageReplyMarkup"}
)
# Methods of those that take `allow_paid_broadcast` (edits do not).
_PAID_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
_FAILURE_KINDS = frozenset({"500", "502", "drop", "slow", "deactivated"})
_BAD_GATEWAY = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)
# How form values (always strings) are typed, mirroring the Bot API's parameter types.
_INT_FIELDS = frozenset(
    {"message_id", "offset", "limit", "cache_time", "message_thread_id", "reply_to_message_id"}
)
_FLOAT_FIELDS = frozenset({"timeout"})
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "allow_paid_broadcast",
    }
)
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "link_preview_options",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "reply_parameters",
    }
)
_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """A Bot API failure, raised inside handlers and turned into Telegram's error envelope."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSONDict:
        """Telegram's ``{"ok": false, ...}`` body for this error."""
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(detail: str) -> ApiError:
    """Telegram prefixes every 400 description with "Bad Request: "."""
    return ApiError(400, f"Bad Request: {detail}")


def _flood(retry_after: int) -> ApiError:
    """A 429 in Telegram's shape, which PTB turns into ``telegram.error.RetryAfter``."""
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        {"retry_after": retry_after},
    )


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
class _Bucket:
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


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request: what a bot uploads (a photo, a document)."""

    filename: str | None
    content_type: str
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class SentMessage:
    """One message the bot sent or edited, as the user would see it, for test assertions.

    For a photo, ``text``/``raw_text``/``entities`` are its caption's, and ``photo`` holds the
    uploaded bytes (None when it was sent by file_id of an unknown file or by URL).
    """

    chat_id: int
    message_id: int
    text: str
    raw_text: str
    parse_mode: str | None
    buttons: Buttons
    at: float
    method: str = "sendMessage"
    entities: list[JSONDict] = field(default_factory=list)
    reply_markup: JSONDict | None = None
    photo: bytes | None = field(default=None, repr=False)
    document: bytes | None = field(default=None, repr=False)
    document_name: str | None = None
    #: Whether it was sent with ``allow_paid_broadcast`` (a paid broadcast).
    paid: bool = False

    @property
    def is_edit(self) -> bool:
        """Whether this records an edit of an earlier message rather than a new one."""
        return self.method.startswith("edit")

    @property
    def is_photo(self) -> bool:
        return self.method == "sendPhoto"

    @property
    def callback_data(self) -> list[str]:
        """All callback_data values of the inline keyboard, row by row."""
        return [data for row in self.buttons for _, data in row if data is not None]

    @property
    def reply_keyboard(self) -> list[list[str]]:
        """Rows of a reply (custom) keyboard's button texts, empty when there is none."""
        if not self.reply_markup or "keyboard" not in self.reply_markup:
            return []
        return [
            [b if isinstance(b, str) else str(b.get("text", "")) for b in row]
            for row in self.reply_markup["keyboard"]
        ]

    @property
    def removes_keyboard(self) -> bool:
        """Whether the message asked the client to hide the reply keyboard."""
        return bool(self.reply_markup and self.reply_markup.get("remove_keyboard"))

    def describe(self) -> str:
        """A one-line summary for failure messages."""
        kind = "edit" if self.is_edit else "photo" if self.is_photo else "msg"
        kind += " paid" if self.paid else ""
        buttons = f" buttons={self.buttons}" if self.buttons else ""
        return f"[{kind} #{self.message_id} chat={self.chat_id}] {self.text!r}{buttons}"


@dataclass
class _Chat:
    """A private chat with one simulated user; Telegram numbers its messages per chat."""

    user: JSONDict
    blocked: bool = False
    next_message_id: int = 1
    messages: dict[int, JSONDict] = field(default_factory=dict)
    bot_message_ids: list[int] = field(default_factory=list)

    @property
    def json(self) -> JSONDict:
        """The Chat object Telegram embeds in messages of this chat."""
        chat: JSONDict = {"id": self.user["id"], "type": "private"}
        for key in ("first_name", "last_name", "username"):
            if key in self.user:
                chat[key] = self.user[key]
        return chat

    def allocate_message_id(self) -> int:
        """User and bot messages share one increasing counter, as in real private chats."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


def _inline_buttons(markup: JSONDict | None) -> Buttons:
    """Reduce an inline keyboard to (text, callback_data) rows, the shape tests assert on."""
    if not markup:
        return []
    return [
        [(str(b["text"]), b.get("callback_data")) for b in row]
        for row in markup.get("inline_keyboard", [])
    ]


def _now() -> int:
    """Telegram dates are Unix seconds."""
    return int(time.time())


class FakeTelegram:
    """A loopback Bot API server plus simulated users; use as ``async with FakeTelegram() as tg``.

    ``token``: when set, requests for any other token get 401 Unauthorized.
    ``rate_limits``: None (default, no flood control so tests are not timing-sensitive), True
    for Telegram's limits, or a :class:`RateLimits`.
    ``strict_html``: also reject a bare ``&``/``>`` in HTML text (Telegram shows them literally).
    ``clock``: monotonic time source for rate limits and ``SentMessage.at``; tests can fake it.
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        rate_limits: RateLimits | bool | None = None,
        strict_html: bool = True,
        clock: Callable[[], float] = time.monotonic,
        bot_first_name: str = "Druppel",
        bot_username: str = "druppel_test_bot",
        host: str = "127.0.0.1",
    ) -> None:
        self.token = token
        self.strict_html = strict_html
        self.host = host
        self._clock = clock
        bot_id = token.split(":", 1)[0] if token else ""
        self.bot_user: JSONDict = {
            "id": int(bot_id) if bot_id.isdigit() else 123456789,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }

        # Records for assertions.
        self.sent: list[SentMessage] = []
        self.calls: list[tuple[str, JSONDict]] = []
        self.errors: list[tuple[str, int, str]] = []
        self.flood_count = 0
        self.flood_by_chat: Counter[int] = Counter()
        self.callback_answers: dict[str, JSONDict] = {}
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.dropped_updates: list[JSONDict] = []
        #: The webhook the bot set (url and secret_token), or None while it polls.
        self.webhook: JSONDict | None = None

        # Chats, updates and files.
        self._chats: dict[int, _Chat] = {}
        self._updates: list[JSONDict] = []
        self._update_ids = itertools.count(100_000_001)
        self._fetched_upto = 0
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._poll_generation = 0
        self._pending_callbacks: set[str] = set()
        self._callback_ids = itertools.count(4_000_000_000_001)
        self._file_ids = itertools.count(1)
        self._files: dict[str, JSONDict] = {}
        self._file_contents: dict[str, bytes] = {}
        self._photo_dimensions: dict[str, tuple[int, int]] = {}
        self._cursors: dict[int, int] = {}

        # Flood control.
        self._limits: RateLimits | None = None
        self._forced_floods: list[tuple[int, int | None]] = []
        self._forced_failures: list[tuple[str, int | None, float]] = []
        #: Seconds every send call takes before it is answered, as a far-away API would.
        self.answer_delay = 0.0
        #: When True, a send with ``allow_paid_broadcast`` is refused as Telegram refuses it
        #: when the bot's Stars balance cannot pay (400 "Bad Request: BALANCE_TOO_LOW").
        self.stars_too_low = False
        self._global_bucket: _Bucket | None = None
        self._paid_bucket: _Bucket | None = None
        self._chat_buckets: dict[int, _Bucket] = {}
        self._penalty_until: dict[int | str | None, float] = {}
        self.set_rate_limits(rate_limits)

        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._handlers: dict[str, tuple[str, Callable[[JSONDict], Any]]] = {
            name.lower(): (name, handler)
            for name, handler in (
                ("getMe", self._get_me),
                ("getUpdates", self._get_updates),
                ("deleteWebhook", self._delete_webhook),
                ("setWebhook", self._set_webhook),
                ("getWebhookInfo", self._get_webhook_info),
                ("setMyCommands", self._set_my_commands),
                ("getMyCommands", self._get_my_commands),
                ("deleteMyCommands", self._delete_my_commands),
                ("sendMessage", self._send_message),
                ("sendPhoto", self._send_photo),
                ("sendDocument", self._send_document),
                ("editMessageText", self._edit_message_text),
                ("editMessageReplyMarkup", self._edit_message_reply_markup),
                ("deleteMessage", self._delete_message),
                ("answerCallbackQuery", self._answer_callback_query),
                ("sendChatAction", self._send_chat_action),
                ("getFile", self._get_file),
            )
        }

    # ------------------------------------------------------------------ server lifecycle

    @property
    def root(self) -> str:
        """``http://127.0.0.1:PORT``; druppel derives base_url/base_file_url from it."""
        if self._port is None:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://{self.host}:{self._port}"

    @property
    def base_url(self) -> str:
        """What to pass as PTB's ``base_url``."""
        return f"{self.root}/bot"

    @property
    def base_file_url(self) -> str:
        """What to pass as PTB's ``base_file_url``."""
        return f"{self.root}/file/bot"

    async def start(self) -> None:
        """Serve on a free loopback port, bound before returning so no request can race it."""
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation ends a long poll whose client went away (e.g. PTB shutting down)
        # instead of letting it linger and later answer 409 to nobody.
        runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=2.0, handler_cancellation=True
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((self.host, 0))
            site = web.SockSite(runner, sock)
            await site.start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._port = int(sock.getsockname()[1])
        self._runner = runner
        self._closing = False

    async def stop(self) -> None:
        """Release pending long polls at once, then close the server within a bounded time."""
        self._closing = True
        self._notify()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ test controls

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
        if kind not in _FAILURE_KINDS:
            raise ValueError(f"unknown failure kind {kind!r}; one of {sorted(_FAILURE_KINDS)}")
        self._forced_failures.extend([(kind, chat_id, delay)] * count)

    def stop_failing(self) -> None:
        """Forget every failure still planned by `fail_next`: the outage is over."""
        self._forced_failures.clear()

    def block(self, chat_id: int, *, notify: bool = True) -> None:
        """The user blocks the bot: sends now fail with 403, and a my_chat_member update says so."""
        self._set_blocked(self._chat(chat_id), True, notify=notify)

    def unblock(self, chat_id: int, *, notify: bool = True) -> None:
        """The user unblocks the bot (Telegram's "Restart"), so sends work again."""
        self._set_blocked(self._chat(chat_id), False, notify=notify)

    def is_blocked(self, chat_id: int) -> bool:
        """Whether the simulated user currently blocks the bot."""
        chat = self._chats.get(chat_id)
        return chat is not None and chat.blocked

    # ------------------------------------------------------------------ simulated users

    def user_sends(
        self,
        chat_id: int,
        text: str,
        first_name: str = "Sanne",
        language_code: str | None = "nl",
        *,
        username: str | None = None,
    ) -> JSONDict:
        """Queue a user's text message; "/cmd ..." gets a bot_command entity, like Telegram."""
        content: JSONDict = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return self._user_message(chat_id, first_name, language_code, username, content)

    def open_chat(self, chat_id: int, first_name: str = "Deelnemer") -> None:
        """A user who started the bot long ago: the bot may write to them, and nothing of that
        first contact is still waiting in getUpdates (for benchmarks with thousands of chats)."""
        if chat_id not in self._chats:
            user: JSONDict = {"id": chat_id, "is_bot": False, "first_name": first_name}
            self._chats[chat_id] = _Chat(user=user)

    def user_sends_sticker(
        self,
        chat_id: int,
        emoji: str = "\N{THUMBS UP SIGN}",
        first_name: str = "Sanne",
        language_code: str | None = "nl",
    ) -> JSONDict:
        """Queue a sticker message, for testing how the bot treats non-text input."""
        file = self._new_file(
            "stickers", ".webp", b"RIFF\x1a\x00\x00\x00WEBPVP8L", "CAACAgQAAxkBAAI"
        )
        sticker = {
            **file,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "DruppelTestStickers",
        }
        return self._user_message(chat_id, first_name, language_code, None, {"sticker": sticker})

    def user_sends_photo(
        self,
        chat_id: int,
        caption: str | None = None,
        first_name: str = "Sanne",
        language_code: str | None = "nl",
    ) -> JSONDict:
        """Queue a photo (three sizes, like Telegram sends) with an optional caption."""
        sizes = []
        for width, height in ((90, 67), (320, 240), (800, 600)):
            file = self._new_file(
                "photos", ".jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\xff\xd9", "AgACAgQAAxkBAAI"
            )
            sizes.append({**file, "width": width, "height": height})
            self._photo_dimensions[file["file_id"]] = (width, height)
        content: JSONDict = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        return self._user_message(chat_id, first_name, language_code, None, content)

    def user_sends_voice(
        self,
        chat_id: int,
        duration: int = 3,
        first_name: str = "Sanne",
        language_code: str | None = "nl",
    ) -> JSONDict:
        """Queue a voice note (OGG/Opus, as Telegram clients record them)."""
        file = self._new_file("voice", ".oga", b"OggS\x00\x02" + bytes(26), "AwACAgQAAxkBAAI")
        voice = {**file, "duration": duration, "mime_type": "audio/ogg"}
        return self._user_message(chat_id, first_name, language_code, None, {"voice": voice})

    def user_taps(
        self, chat_id: int, callback_data: str, message_id: int | None = None
    ) -> JSONDict:
        """Queue a callback_query for a button the user can see right now.

        Without ``message_id`` the newest bot message carrying that button is used. Raises
        LookupError when no visible message has it, since a real user could not tap it either.
        """
        chat = self._chat(chat_id)
        if chat.blocked:
            self._set_blocked(chat, False, notify=True)
        candidates: Iterable[int] = (
            [message_id] if message_id is not None else reversed(chat.bot_message_ids)
        )
        for mid in candidates:
            message = chat.messages.get(mid)
            if message is None or mid not in chat.bot_message_ids:
                continue
            if callback_data in (
                data for row in _inline_buttons(message.get("reply_markup")) for _, data in row
            ):
                query_id = str(next(self._callback_ids))
                self._pending_callbacks.add(query_id)
                query = {
                    "id": query_id,
                    "from": dict(chat.user),
                    "message": copy.deepcopy(message),
                    "chat_instance": f"-{7_000_000_000_000_000_000 + chat_id}",
                    "data": callback_data,
                }
                return self._queue({"callback_query": query})
        where = f"message {message_id}" if message_id is not None else "any bot message"
        visible = (
            self.last_buttons(chat_id)
            if message_id is None
            else (_inline_buttons(chat.messages.get(message_id, {}).get("reply_markup")))
        )
        raise LookupError(
            f"chat {chat_id}: no button with callback_data {callback_data!r} on {where}; "
            f"buttons there now: {visible}"
        )

    # ------------------------------------------------------------------ assertions helpers

    def mark(self) -> int:
        """A position in :attr:`sent`; pass as ``since=`` to only look at later messages."""
        return len(self.sent)

    def messages_to(self, chat_id: int, *, include_edits: bool = False) -> list[SentMessage]:
        """Everything the bot sent to this chat, oldest first."""
        return [m for m in self.sent if m.chat_id == chat_id and (include_edits or not m.is_edit)]

    def last_buttons(self, chat_id: int) -> Buttons:
        """Inline buttons of the bot's newest (still existing) message in the chat, as of now."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        for mid in reversed(chat.bot_message_ids):
            message = chat.messages.get(mid)
            if message is not None:
                return _inline_buttons(message.get("reply_markup"))
        return []

    def calls_to(self, method: str) -> list[JSONDict]:
        """Parameters of every call of one method (case-insensitive, like Telegram)."""
        return [params for name, params in self.calls if name.lower() == method.lower()]

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - the fake's own bounded wait, by design
        *,
        since: int | None = None,
        include_edits: bool = False,
    ) -> SentMessage:
        """Return the next matching message to the chat, waiting for the bot if need be.

        "Next" means after the previous message this method returned for the chat (or from
        ``since``, a :meth:`mark`), so consecutive calls walk through the conversation and a
        reply that arrived before the call is not missed.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        index = self._cursors.get(chat_id, 0) if since is None else since
        while True:
            while index < len(self.sent):
                message = self.sent[index]
                index += 1
                if (
                    message.chat_id == chat_id
                    and (include_edits or not message.is_edit)
                    and (predicate is None or predicate(message))
                ):
                    self._cursors[chat_id] = index
                    return message
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(self._describe_timeout(chat_id, timeout))
            await self._wait_for_change(remaining)

    async def wait_until_fetched(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has fetched every queued update, e.g. before asserting silence."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while any(u["update_id"] > self._fetched_upto for u in self._updates):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"bot did not fetch {len(self._updates)} pending update(s) in {timeout}s"
                )
            await self._wait_for_change(remaining)

    # ------------------------------------------------------------------ internals: state

    def _notify(self) -> None:
        """Wake every waiter (long polls, wait_for_message); they re-check their condition."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_for_change(self, timeout: float) -> None:  # noqa: ASYNC109
        """Sleep until the next state change or the timeout, whichever comes first."""
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)

    def _chat(self, chat_id: int) -> _Chat:
        """The chat of a user who has talked to the bot; tests get a clear error otherwise."""
        chat = self._chats.get(chat_id)
        if chat is None:
            raise LookupError(f"user {chat_id} never started the bot; call user_sends first")
        return chat

    def _user_message(
        self,
        chat_id: int,
        first_name: str,
        language_code: str | None,
        username: str | None,
        content: JSONDict,
    ) -> JSONDict:
        """Create the chat on first contact and queue a message update in it."""
        user: JSONDict = {"id": chat_id, "is_bot": False, "first_name": first_name}
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat(user=user)
        else:
            chat.user = user
        if chat.blocked:
            self._set_blocked(chat, False, notify=True)
        message_id = chat.allocate_message_id()
        message: JSONDict = {
            "message_id": message_id,
            "from": dict(user),
            "chat": chat.json,
            "date": _now(),
            **content,
        }
        chat.messages[message_id] = message
        return self._queue({"message": message})

    def _set_blocked(self, chat: _Chat, blocked: bool, *, notify: bool) -> None:
        """Flip the block flag and, like Telegram, tell the bot via my_chat_member."""
        if chat.blocked == blocked:
            return
        chat.blocked = blocked
        if notify:
            old, new = ("member", "kicked") if blocked else ("kicked", "member")
            new_member: JSONDict = {"user": dict(self.bot_user), "status": new}
            old_member: JSONDict = {"user": dict(self.bot_user), "status": old}
            for member in (new_member, old_member):
                if member["status"] == "kicked":
                    member["until_date"] = 0
            self._queue(
                {
                    "my_chat_member": {
                        "chat": chat.json,
                        "from": dict(chat.user),
                        "date": _now(),
                        "old_chat_member": old_member,
                        "new_chat_member": new_member,
                    }
                }
            )

    def _queue(self, payload: JSONDict) -> JSONDict:
        """Give the update an id and queue it, unless allowed_updates filters its type out."""
        kind = next(iter(payload))
        update: JSONDict = {"update_id": next(self._update_ids), **payload}
        if kind in self._allowed_updates:
            self._updates.append(update)
            self._notify()
        else:
            self.dropped_updates.append(update)
        return update

    def _new_file(self, folder: str, suffix: str, content: bytes, id_prefix: str) -> JSONDict:
        """Register a downloadable file so getFile and the file URL work for it."""
        n = next(self._file_ids)
        file_id = f"{id_prefix}{n:06d}AAE"
        file_json: JSONDict = {
            "file_id": file_id,
            "file_unique_id": f"AgAD{n:06d}",
            "file_size": len(content),
        }
        self._files[file_id] = {**file_json, "file_path": f"{folder}/file_{n}{suffix}"}
        self._file_contents[f"{folder}/file_{n}{suffix}"] = content
        return file_json

    def _describe_timeout(self, chat_id: int, timeout: float) -> str:
        """Say what the bot did instead, which is what a failing test needs to know."""
        recent = self.messages_to(chat_id, include_edits=True)[-10:]
        lines = [f"no matching message to chat {chat_id} within {timeout}s."]
        lines.append("Recent messages to this chat:" if recent else "The bot sent it nothing.")
        lines += [f"  {m.describe()}" for m in recent]
        if self.errors:
            lines.append("Recent API errors served:")
            lines += [f"  {method}: {code} {text}" for method, code, text in self.errors[-5:]]
        return "\n".join(lines)

    # ------------------------------------------------------------------ internals: HTTP

    async def _handle_api(self, request: web.Request) -> web.Response:
        """Dispatch one Bot API call and wrap the outcome in Telegram's envelope."""
        if self.token is not None and request.match_info["token"] != self.token:
            return self._error_response(request.match_info["method"], ApiError(401, "Unauthorized"))
        entry = self._handlers.get(request.match_info["method"].lower())
        if entry is None:
            return self._error_response(request.match_info["method"], ApiError(404, "Not Found"))
        name, handler = entry
        try:
            params = await self._read_params(request)
            self.calls.append((name, params))
            failure = self._take_failure(params.get("chat_id")) if name in _FLOOD_METHODS else None
            if failure is not None:
                kind = failure[0]
                if kind == "drop":
                    if request.transport is not None:
                        request.transport.abort()
                    raise ConnectionResetError("the fake closed the connection on purpose")
                if kind == "502":
                    self.errors.append((name, 502, "Bad Gateway"))
                    return web.Response(status=502, text=_BAD_GATEWAY, content_type="text/html")
                if kind == "500":
                    raise ApiError(500, "Internal Server Error")
                if kind == "deactivated":
                    raise ApiError(403, "Forbidden: user is deactivated")
            paid = name in _PAID_METHODS and params.get("allow_paid_broadcast") is True
            if paid and self.stars_too_low:
                raise _bad_request("BALANCE_TOO_LOW")
            if name in _FLOOD_METHODS:
                self._check_flood(params.get("chat_id"), paid=paid)
                if self.answer_delay:
                    await asyncio.sleep(self.answer_delay)
            result = handler(params)
            if inspect.isawaitable(result):
                result = await result
            if failure is not None and failure[0] == "slow":
                await asyncio.sleep(failure[1])
        except ApiError as exc:
            return self._error_response(name, exc)
        return web.json_response({"ok": True, "result": result})

    def _error_response(self, method: str, error: ApiError) -> web.Response:
        """Record the error for failure messages and answer with Telegram's error body."""
        self.errors.append((method, error.status, error.description))
        return web.json_response(error.body(), status=error.status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        """Serve a file registered by a simulated user's media, as api.telegram.org/file does."""
        if self.token is not None and request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        content = self._file_contents.get(request.match_info["path"])
        if content is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        return web.Response(body=content, content_type="application/octet-stream")

    async def _read_params(self, request: web.Request) -> JSONDict:
        """Accept every encoding Telegram accepts: query, urlencoded/multipart form, JSON."""
        raw: JSONDict = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise _bad_request("can't parse JSON encoded request parameters") from None
                if not isinstance(body, dict):
                    raise _bad_request("JSON object expected as request parameters")
                raw.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, str):
                        raw[key] = value
                    elif isinstance(value, web.FileField):  # an upload: keep its bytes
                        raw[key] = Upload(value.filename, value.content_type, value.file.read())
                    else:
                        raw[key] = Upload(None, "application/octet-stream", bytes(value))
        # "attach://<name>" points at a file part sent under that name.
        for key, value in list(raw.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                part = raw.get(value.removeprefix("attach://"))
                if isinstance(part, Upload):
                    raw[key] = part
        return {key: self._typed(key, value) for key, value in raw.items()}

    @staticmethod
    def _typed(key: str, value: Any) -> Any:
        """Type a form string by the parameter's Bot API type (PTB JSON-encodes non-strings)."""
        if not isinstance(value, str):
            return value
        if key == "chat_id":
            return int(value) if value.lstrip("-").isdigit() else value
        try:
            if key in _INT_FIELDS:
                return int(value)
            if key in _FLOAT_FIELDS:
                return float(value)
        except ValueError:
            raise _bad_request(f'field "{key}" must be a Number') from None
        if key in _BOOL_FIELDS:
            return value.lower() in ("true", "1")
        if key in _JSON_FIELDS:
            try:
                return json.loads(value)
            except ValueError:
                label = "reply keyboard markup" if key == "reply_markup" else key
                raise _bad_request(f"can't parse {label} JSON object") from None
        return value

    # ------------------------------------------------------------------ internals: flood

    def _check_flood(self, chat_id: Any, *, paid: bool = False) -> None:
        """Serve forced 429s first, then apply the global (or, for a paid broadcast, the paid)
        and the per-chat bucket if enabled."""
        key = chat_id if isinstance(chat_id, int) else 0
        for i, (retry_after, only_chat) in enumerate(self._forced_floods):
            if only_chat is None or only_chat == key:
                del self._forced_floods[i]
                self._count_flood(key)
                raise _flood(retry_after)
        limits = self._limits
        if limits is None:
            return
        now = self._clock()
        whole: str | None = "paid" if paid else None  # the penalty scope of the bot-wide bucket
        until = max(self._penalty_until.get(whole, 0.0), self._penalty_until.get(key, 0.0))
        if now < until:
            self._count_flood(key)
            raise _flood(max(1, math.ceil(until - now)))
        if self._global_bucket is None:
            self._global_bucket = _Bucket(
                limits.global_per_second, limits.global_burst, float(limits.global_burst), now
            )
        if self._paid_bucket is None:
            self._paid_bucket = _Bucket(
                limits.paid_per_second, limits.paid_burst, float(limits.paid_burst), now
            )
        bot_bucket = self._paid_bucket if paid else self._global_bucket
        chat_bucket = self._chat_buckets.setdefault(
            key,
            _Bucket(limits.per_chat_per_second, limits.per_chat_burst, limits.per_chat_burst, now),
        )
        for scope, bucket in ((whole, bot_bucket), (key, chat_bucket)):
            bucket.refill(now)
            if bucket.tokens < 1.0:
                retry_after = max(1, math.ceil(bucket.seconds_until_token()))
                # Like Telegram, keep refusing until the announced time has passed.
                self._penalty_until[scope] = now + retry_after
                self._count_flood(key)
                raise _flood(retry_after)
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

    # ------------------------------------------------------------------ internals: validation

    def _writable_chat(self, params: JSONDict) -> _Chat:
        """The target chat, or Telegram's 400 (unknown chat) / 403 (blocked) answer."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise _bad_request("chat not found")
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _format(self, params: JSONDict) -> tuple[str, list[JSONDict], str | None]:
        """Visible text and entities after parse_mode, with Telegram's trimming and errors."""
        raw = params.get("text")
        if not isinstance(raw, str) or not raw:
            raise _bad_request("message text is empty")
        text, entities = self._parse(raw, params, "entities")
        if not text:
            raise _bad_request("message text is empty")
        return text, entities, params.get("parse_mode") or None

    def _parse(self, raw: str, params: JSONDict, entities_field: str) -> tuple[str, list[JSONDict]]:
        """A text or caption after parse_mode (or its explicit entities), trimmed like Telegram."""
        parse_mode = params.get("parse_mode") or None
        mode = parse_mode.lower() if isinstance(parse_mode, str) else None
        entities: list[JSONDict]
        if mode == "html":
            try:
                parsed = parse_html(raw, strict=self.strict_html)
            except HtmlParseError as exc:
                raise _bad_request(f"can't parse entities: {exc}") from None
            text, entities = parsed.text, parsed.entities
        elif mode in ("markdown", "markdownv2"):
            text, entities = raw, []  # accepted unvalidated; see module docstring
        elif mode is None:
            given = params.get(entities_field)
            text, entities = raw, list(given) if isinstance(given, list) else []
        else:
            raise _bad_request("unsupported parse_mode")
        return trim_text(text, entities)

    @staticmethod
    def _check_markup(markup: Any, *, inline_only: bool) -> JSONDict | None:
        """Validate reply_markup like Telegram; returns it for storing, None when absent."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad_request('field "inline_keyboard" must be an Array of Arrays')
            if sum(len(row) for row in rows) > 100:
                raise _bad_request("reply markup is too long")
            for row in rows:
                for button in row:
                    FakeTelegram._check_inline_button(button)
            return {"inline_keyboard": rows}
        if inline_only:
            raise _bad_request("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad_request('field "keyboard" must be an Array of Arrays')
            for row in rows:
                for button in row:
                    text = button if isinstance(button, str) else None
                    if isinstance(button, dict):
                        text = button.get("text")
                    if not isinstance(text, str) or not text:
                        raise _bad_request("can't parse keyboard button: text is empty")
            return markup
        if "remove_keyboard" in markup or "force_reply" in markup:
            return markup
        raise _bad_request("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        """One inline button: text plus exactly one action, callback_data of 1-64 bytes."""
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise _bad_request('can\'t parse inline keyboard button: field "text" is missing')
        actions = [key for key in _BUTTON_ACTIONS if key in button]
        if len(actions) != 1:
            raise _bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the "
                "inline keyboard"
            )
        if not button["text"]:
            raise _bad_request("BUTTON_TEXT_INVALID")
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise _bad_request("BUTTON_DATA_INVALID")
        if "url" in button:
            url = button["url"]
            if not isinstance(url, str) or not url or any(c.isspace() for c in url):
                raise _bad_request("BUTTON_URL_INVALID")

    def _bot_message(self, chat: _Chat, params: JSONDict, missing: str) -> JSONDict:
        """The bot message an edit refers to, or Telegram's refusal."""
        message_id = params.get("message_id")
        if message_id is None:
            raise _bad_request("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise _bad_request(missing)
        if message_id not in chat.bot_message_ids:
            raise _bad_request("message can't be edited")
        return message

    def _record(
        self,
        method: str,
        chat: _Chat,
        message: JSONDict,
        raw: str,
        parse_mode: str | None,
        markup: JSONDict | None = None,
        photo: bytes | None = None,
        document: bytes | None = None,
        paid: bool = False,
    ) -> None:
        """Append to :attr:`sent` and wake anyone waiting for the bot's output."""
        markup = markup if markup is not None else message.get("reply_markup")
        media = "photo" in message or "document" in message
        text_key, entities_key = ("caption", "caption_entities") if media else ("text", "entities")
        self.sent.append(
            SentMessage(
                chat_id=int(chat.user["id"]),
                message_id=int(message["message_id"]),
                text=str(message.get(text_key, "")),
                raw_text=raw,
                parse_mode=parse_mode,
                buttons=_inline_buttons(markup),
                at=self._clock(),
                method=method,
                entities=list(message.get(entities_key, [])),
                reply_markup=markup,
                photo=photo,
                document=document,
                document_name=(message.get("document") or {}).get("file_name"),
                paid=paid,
            )
        )
        self._notify()

    # ------------------------------------------------------------------ method handlers

    def _get_me(self, params: JSONDict) -> JSONDict:
        """getMe: the bot's User with the bot-only fields PTB reads."""
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _delete_webhook(self, params: JSONDict) -> bool:
        """deleteWebhook: back to getUpdates; honours drop_pending_updates."""
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _set_webhook(self, params: JSONDict) -> bool:
        """setWebhook: an https URL (the fake also takes http on loopback) and an optional
        secret_token of 1-256 characters A-Z, a-z, 0-9, _ and -. The fake records it; it does
        not call the URL itself: tests post updates to the bot as Telegram would."""
        url = str(params.get("url") or "")
        if not url:
            self.webhook = None
            return True
        if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise _bad_request("secret token contains unallowed characters")
        self.webhook = {"url": url, "secret_token": secret}
        return True

    def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        """getWebhookInfo: the webhook set, if any."""
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    @staticmethod
    def _commands_key(params: JSONDict) -> tuple[str, str]:
        """Commands are stored per (scope, language_code), as Telegram does."""
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_my_commands(self, params: JSONDict) -> bool:
        """setMyCommands: validate like Telegram, then store for the scope and language."""
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad_request("too many commands specified")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            desc = command.get("description") if isinstance(command, dict) else None
            if (
                not isinstance(name, str)
                or not 1 <= len(name) <= 32
                or not all(c.islower() or c.isdigit() or c == "_" for c in name)
                or not name.isascii()
            ):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not isinstance(desc, str) or not 1 <= len(desc) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        if commands:
            self.commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self.commands.pop(key, None)
        return True

    def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        """getMyCommands: the list for exactly this scope and language."""
        return list(self.commands.get(self._commands_key(params), []))

    def _delete_my_commands(self, params: JSONDict) -> bool:
        """deleteMyCommands: forget the list for this scope and language."""
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        """getUpdates: confirm by offset, then long-poll up to ``timeout`` for new updates.

        A newer getUpdates call terminates a pending one with 409, as Telegram does when two
        bot instances poll at once.
        """
        if self.webhook is not None:
            raise ApiError(
                409, "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )  # fmt: skip
        offset = params.get("offset")
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = min(max(float(params.get("timeout") or 0), 0.0), MAX_POLL_TIMEOUT)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = (
                frozenset(allowed) & ALL_UPDATE_TYPES if allowed else DEFAULT_ALLOWED_UPDATES
            )
        if isinstance(offset, int) and offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif isinstance(offset, int) and offset < 0:
            self._updates = self._updates[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._updates and not self._closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await self._wait_for_change(remaining)
            if generation != self._poll_generation:
                raise ApiError(409, _CONFLICT)
        batch = self._updates[:limit]
        if batch:
            self._fetched_upto = max(self._fetched_upto, batch[-1]["update_id"])
            self._notify()
        return copy.deepcopy(batch)

    def _send_message(self, params: JSONDict) -> JSONDict:
        """sendMessage: validate like Telegram, store, record and return the full Message."""
        chat = self._writable_chat(params)
        text, entities, parse_mode = self._format(params)
        if utf16_len(text) > MAX_MESSAGE_LENGTH:
            raise _bad_request("message is too long")
        markup = self._check_markup(params.get("reply_markup"), inline_only=False)
        reply_to = self._reply_target(chat, params)
        message: JSONDict = {
            "message_id": chat.allocate_message_id(),
            "from": dict(self.bot_user),
            "chat": chat.json,
            "date": _now(),
            "text": text,
        }
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = {
                k: v for k, v in reply_to.items() if k != "reply_to_message"
            }
        if markup is not None and markup.get("inline_keyboard"):
            # Only inline keyboards are part of the Message; reply keyboards live client-side.
            message["reply_markup"] = markup
        chat.messages[message["message_id"]] = message
        chat.bot_message_ids.append(message["message_id"])
        self._record(
            "sendMessage", chat, message, str(params["text"]), parse_mode, markup,
            paid=params.get("allow_paid_broadcast") is True,
        )  # fmt: skip
        return copy.deepcopy(message)

    def _send_photo(self, params: JSONDict) -> JSONDict:
        """sendPhoto: an uploaded PNG or JPEG, a known file_id, or a URL; an optional caption
        of at most 1024 characters after parsing; the Message carries the sizes Telegram keeps."""
        chat = self._writable_chat(params)
        content, width, height = self._photo_input(params.get("photo"))
        caption = self._caption(params)
        raw_caption = params.get("caption")
        mode = params.get("parse_mode") or None
        markup = self._check_markup(params.get("reply_markup"), inline_only=False)
        reply_to = self._reply_target(chat, params)
        message: JSONDict = {
            "message_id": chat.allocate_message_id(),
            "from": dict(self.bot_user),
            "chat": chat.json,
            "date": _now(),
            "photo": self._photo_sizes(content, width, height),
            **caption,
        }
        if reply_to is not None:
            message["reply_to_message"] = {
                k: v for k, v in reply_to.items() if k != "reply_to_message"
            }
        if markup is not None and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        chat.messages[message["message_id"]] = message
        chat.bot_message_ids.append(message["message_id"])
        raw = raw_caption if isinstance(raw_caption, str) else ""
        self._record(
            "sendPhoto", chat, message, raw, mode, markup, photo=content,
            paid=params.get("allow_paid_broadcast") is True,
        )  # fmt: skip
        return copy.deepcopy(message)

    def _caption(self, params: JSONDict) -> JSONDict:
        """A media message's caption and its entities, parsed like a text and at most 1024
        characters after parsing; empty when there is none."""
        caption: JSONDict = {}
        raw = params.get("caption")
        if isinstance(raw, str) and raw:
            text, entities = self._parse(raw, params, "caption_entities")
            if utf16_len(text) > MAX_CAPTION_LENGTH:
                raise _bad_request("message caption is too long")
            if text:
                caption["caption"] = text
            if entities:
                caption["caption_entities"] = entities
        return caption

    def _send_document(self, params: JSONDict) -> JSONDict:
        """sendDocument: an uploaded file (at most 50 MB for a bot), an optional caption of at
        most 1024 characters; the Message carries the Document Telegram keeps."""
        chat = self._writable_chat(params)
        upload = params.get("document")
        if not isinstance(upload, Upload):
            raise _bad_request("there is no document in the request")
        if not upload.content:
            raise _bad_request("file must be non-empty")
        if len(upload.content) > MAX_DOCUMENT_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        caption = self._caption(params)
        raw_caption = params.get("caption")
        mode = params.get("parse_mode") or None
        file = self._new_file("documents", "", upload.content, "BQACAgQAAxkDAAI")
        document = {
            **file, "file_name": upload.filename or "document",
            "mime_type": upload.content_type or "application/octet-stream",
        }  # fmt: skip
        message: JSONDict = {
            "message_id": chat.allocate_message_id(),
            "from": dict(self.bot_user),
            "chat": chat.json,
            "date": _now(),
            "document": document,
            **caption,
        }
        chat.messages[message["message_id"]] = message
        chat.bot_message_ids.append(message["message_id"])
        raw = raw_caption if isinstance(raw_caption, str) else ""
        self._record(
            "sendDocument", chat, message, raw, mode, document=upload.content,
            paid=params.get("allow_paid_broadcast") is True,
        )  # fmt: skip
        return copy.deepcopy(message)

    def _photo_input(self, photo: Any) -> tuple[bytes | None, int, int]:
        """The photo's bytes (None when not uploaded) and size, or Telegram's refusal."""
        if isinstance(photo, Upload):
            if not photo.content:
                raise _bad_request("file must be non-empty")
            if len(photo.content) > MAX_PHOTO_BYTES:
                raise ApiError(413, "Request Entity Too Large")
            size = _image_size(photo.content)
            if size is None:
                raise _bad_request("IMAGE_PROCESS_FAILED")
            width, height = size
            if width + height > MAX_PHOTO_SIDES or max(size) > MAX_PHOTO_RATIO * min(size):
                raise _bad_request("PHOTO_INVALID_DIMENSIONS")
            return photo.content, width, height
        if isinstance(photo, str) and photo.startswith(("http://", "https://")):
            return None, 800, 600  # Telegram would fetch it; the fake takes it as given
        if isinstance(photo, str) and photo:
            if photo not in self._files:
                raise _bad_request("wrong file identifier/HTTP URL specified")
            known = self._photo_dimensions.get(photo)
            if known is None:
                raise _bad_request("type of file mismatch")
            content = self._file_contents.get(self._files[photo]["file_path"])
            return content, known[0], known[1]
        raise _bad_request("there is no photo in the request")

    def _photo_sizes(self, content: bytes | None, width: int, height: int) -> list[JSONDict]:
        """The PhotoSize objects Telegram answers with: scaled copies up to the largest kept,
        each a file the bot can download again (the fake serves the original bytes for each)."""
        sizes: list[JSONDict] = []
        longest = max(width, height)
        for limit in PHOTO_SIZE_LIMITS:
            scale = min(1.0, limit / longest)
            w, h = max(1, round(width * scale)), max(1, round(height * scale))
            data = content if content is not None else b""
            file = self._new_file("photos", ".jpg", data, "AgACAgQAAxkDAAI")
            if content is not None and scale < 1.0:
                file["file_size"] = max(1, round(len(content) * scale * scale))
            self._photo_dimensions[file["file_id"]] = (w, h)
            sizes.append({**file, "width": w, "height": h})
            if scale == 1.0:
                break
        return sizes

    @staticmethod
    def _reply_target(chat: _Chat, params: JSONDict) -> JSONDict | None:
        """The message being replied to, honouring allow_sending_without_reply."""
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id, lenient = reply.get("message_id"), reply.get("allow_sending_without_reply")
        else:
            message_id = params.get("reply_to_message_id")
            lenient = params.get("allow_sending_without_reply")
        if message_id is None:
            return None
        target = chat.messages.get(message_id)
        if target is None and not lenient:
            raise _bad_request("message to be replied not found")
        return target

    def _edit_message_text(self, params: JSONDict) -> JSONDict:
        """editMessageText: a missing reply_markup removes the inline keyboard, as on Telegram."""
        if "inline_message_id" in params:
            raise _bad_request("inline messages are not supported by the fake")
        chat = self._writable_chat(params)
        message = self._bot_message(chat, params, "message to edit not found")
        if "text" not in message:
            raise _bad_request("there is no text in the message to edit")
        text, entities, parse_mode = self._format(params)
        if utf16_len(text) > MAX_MESSAGE_LENGTH:
            raise _bad_request("MESSAGE_TOO_LONG")
        markup = self._check_markup(params.get("reply_markup"), inline_only=True)
        markup = markup if markup and markup["inline_keyboard"] else None
        if (
            text == message.get("text")
            and entities == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise _bad_request(_NOT_MODIFIED)
        message["text"] = text
        _set_or_drop(message, "entities", entities or None)
        _set_or_drop(message, "reply_markup", markup)
        message["edit_date"] = _now()
        self._record("editMessageText", chat, message, str(params["text"]), parse_mode)
        return copy.deepcopy(message)

    def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict:
        """editMessageReplyMarkup: replace or (when absent) remove the inline keyboard."""
        if "inline_message_id" in params:
            raise _bad_request("inline messages are not supported by the fake")
        chat = self._writable_chat(params)
        message = self._bot_message(chat, params, "message to edit not found")
        markup = self._check_markup(params.get("reply_markup"), inline_only=True)
        markup = markup if markup and markup["inline_keyboard"] else None
        if markup == message.get("reply_markup"):
            raise _bad_request(_NOT_MODIFIED)
        _set_or_drop(message, "reply_markup", markup)
        message["edit_date"] = _now()
        earlier = [
            m
            for m in self.sent
            if m.chat_id == chat.user["id"] and m.message_id == message["message_id"]
        ]
        raw = earlier[-1].raw_text if earlier else str(message.get("text", ""))
        mode = earlier[-1].parse_mode if earlier else None
        self._record("editMessageReplyMarkup", chat, message, raw, mode)
        return copy.deepcopy(message)

    def _delete_message(self, params: JSONDict) -> bool:
        """deleteMessage: the message disappears, so its buttons can no longer be tapped."""
        chat = self._writable_chat(params)
        message_id = params.get("message_id")
        if message_id is None or chat.messages.pop(message_id, None) is None:
            raise _bad_request("message to delete not found")
        return True

    def _answer_callback_query(self, params: JSONDict) -> bool:
        """answerCallbackQuery: each query can be answered once, like on Telegram."""
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._pending_callbacks:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._pending_callbacks.discard(query_id)
        self.callback_answers[query_id] = params
        return True

    def _send_chat_action(self, params: JSONDict) -> bool:
        """sendChatAction: validates chat and action; the effect is invisible to tests."""
        self._writable_chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    def _get_file(self, params: JSONDict) -> JSONDict:
        """getFile: metadata with a file_path served under ``base_file_url``."""
        file = self._files.get(str(params.get("file_id") or ""))
        if file is None:
            raise _bad_request("invalid file_id")
        return dict(file)


def _image_size(content: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG or JPEG, read from its header; None for anything else."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and content[12:16] == b"IHDR":
        width, height = struct.unpack(">II", content[16:24])
        return (int(width), int(height)) if width and height else None
    if not content.startswith(b"\xff\xd8"):
        return None
    at = 2
    while at + 9 < len(content):  # walk the JPEG segments to the frame header (SOFn)
        if content[at] != 0xFF:
            return None
        marker = content[at + 1]
        (length,) = struct.unpack(">H", content[at + 2 : at + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", content[at + 5 : at + 9])
            return (int(width), int(height)) if width and height else None
        at += 2 + length
    return None


def _set_or_drop(message: JSONDict, key: str, value: Any) -> None:
    """Telegram omits empty optional fields rather than sending nulls."""
    if value is None:
        message.pop(key, None)
    else:
        message[key] = value
