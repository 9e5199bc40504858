"""Telegram as a channel: the one module that imports python-telegram-bot.

It turns Telegram updates into channel-neutral `Incoming` events for the conversation, sends the
`Outgoing` messages that chats' queues hand it as HTML, and translates Telegram's errors into
druppel's delivery errors, so nothing else in druppel knows Telegram exists.

Privacy: what participants write is never logged here; only update ids and kinds of events are.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
import warnings
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any, Protocol

from redis.exceptions import RedisError
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, BaseUpdateProcessor, ContextTypes, TypeHandler
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.delivery.errors import DeliveryError, Gone, RateLimited, Rejected, Transient
from bot.delivery.replies import where
from bot.errors import SetupError
from bot.messages import Incoming, Kind, Outgoing
from bot.texts import MENU
from scheduler.ratelimit import Rate, RateLimiter, Throttled
from storage.models import Channel, Lane

log = logging.getLogger(__name__)

#: How long one getUpdates call waits for news on Telegram's side (long polling).
POLL_TIMEOUT = 25.0
#: Seconds for connecting, writing and waiting for a free connection, for every call.
CONNECT_TIMEOUT = 5.0
WRITE_TIMEOUT = 10.0
POOL_TIMEOUT = 10.0
#: Seconds to wait for an answer to an ordinary call; getUpdates gets the poll timeout on top.
READ_TIMEOUT = 10.0
#: Concurrent connections for sending; the dispatcher sends to up to 32 participants at once,
#: and replies to up to CONCURRENT_UPDATES chats.
CONNECTIONS = 128

#: The longest a send waits inline for its turn under the shared limits (real seconds).
MAX_PACING_WAIT = 2.0
#: Updates handled at once (from different chats; one chat's updates are handled in order).
CONCURRENT_UPDATES = 64
#: PTB's own bound on updates in flight: out of reach, so only PerChatOrder's slots count.
UNBOUNDED = 100_000

#: The longest photo caption Telegram accepts (characters after parsing), and the file name an
#: uploaded image gets.
MAX_CAPTION = 1024
IMAGE_NAME = "druppel.png"

#: Telegram's 400 answers that mean the participant is gone rather than the message being bad.
_GONE = ("chat not found", "user is deactivated", "bot was blocked", "bot was kicked")

#: Messages a second Telegram allows a bot with paid broadcasting (`allow_paid_broadcast`), and
#: the most it costs a message, in Telegram Stars from the bot's balance.
PAID_CEILING = 1000.0
PAID_FEE_STARS = 0.1
#: Telegram's answer to a paid send when the bot's Stars balance cannot pay for it (documented
#: for the underlying messages.sendMessage as 400 BALANCE_TOO_LOW).
_BALANCE_TOO_LOW = "BALANCE_TOO_LOW"
#: Real seconds lessons and broadcasts go unpaid, at the free pace, after that answer.
PAID_PAUSE = 600.0

#: Message contents druppel cannot read, in the order they are checked (an animation also
#: carries a document, so it comes first).
_UNSUPPORTED = (
    "sticker",
    "animation",
    "photo",
    "voice",
    "video_note",
    "video",
    "audio",
    "document",
    "location",
    "contact",
)


class Answers(Protocol):
    """The conversation as this channel sees it: an event in; it queues and sends the replies."""

    async def answer(self, event: Incoming) -> None: ...


def html_text(message: Outgoing) -> str:
    """The message as Telegram HTML: every character escaped, the heading bold above the text.

    Escaping everything, the participant's own words included, means no text can break the
    markup or inject formatting.
    """
    text = html.escape(message.text, quote=False)
    if message.heading:
        return f"<b>{html.escape(message.heading, quote=False)}</b>\n\n{text}"
    return text


def caption_fits(message: Outgoing) -> bool:
    """Whether the message's visible text fits in a photo caption, counted as Telegram counts
    (UTF-16 code units, after the markup is parsed)."""
    shown = f"{message.heading}\n\n{message.text}" if message.heading else message.text
    return len(shown.encode("utf-16-le")) // 2 <= MAX_CAPTION


def keyboard(message: Outgoing) -> InlineKeyboardMarkup | None:
    """The message's buttons as an inline keyboard, row for row; None without buttons."""
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
         for row in message.buttons]
    )  # fmt: skip


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


def _chat_id(chat_id: str) -> int | str:
    """Telegram chat ids are numbers; druppel stores them as strings."""
    digits = chat_id.removeprefix("-")
    return int(chat_id) if digits.isascii() and digits.isdigit() else chat_id


def _what(message: Message) -> str | None:
    """Which kind of non-text content a message carries, for the coach's kind refusal."""
    for what in _UNSUPPORTED:
        if getattr(message, what, None):
            return what
    return None


def incoming(update: Update) -> Incoming | None:
    """The update as a channel-neutral event, or None when it is nothing the coach hears.

    Only private chats count: reflections are personal, and druppel is not made for groups.
    """
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type != ChatType.PRIVATE:
        return None
    chat_id = str(chat.id)
    first_name = user.first_name if user is not None else None
    query = update.callback_query
    if query is not None:
        return Incoming(
            Channel.TELEGRAM, chat_id, Kind.BUTTON, data=query.data or "", first_name=first_name
        )
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        return Incoming.from_text(Channel.TELEGRAM, chat_id, message.text, first_name)
    return Incoming(
        Channel.TELEGRAM, chat_id, Kind.UNSUPPORTED, first_name=first_name, what=_what(message)
    )


class PerChatOrder(BaseUpdateProcessor):
    """Updates from different chats run side by side; one chat's updates run one at a time.

    A chat's updates wait for their turn on the chat's own lock before they take one of the
    `slots` handling slots, so a chat with a backlog (someone pasting two hundred messages)
    holds at most one slot, and everyone else's replies are not held up behind it. (PTB's own
    bound is taken before any per-chat ordering, so it is set out of reach and ours counts.)
    """

    def __init__(self, slots: int) -> None:
        super().__init__(max(UNBOUNDED, slots))
        self._slots = asyncio.Semaphore(slots)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._slots:
                await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._waiting[chat.id] = self._waiting.get(chat.id, 0) + 1
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:  # forget idle chats, so memory follows activity
                del self._waiting[chat.id], self._locks[chat.id]

    async def initialize(self) -> None:
        """Nothing to set up: locks are made per chat as updates arrive."""

    async def shutdown(self) -> None:
        """Nothing to free: the locks go with their last update."""


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


class TelegramChannel:
    """A Telegram bot: it polls for updates (in `druppel run`) and sends messages (everywhere)."""

    def __init__(
        self,
        token: str,
        api_root: str,
        answers: Answers,
        *,
        poll_timeout: float = POLL_TIMEOUT,
        limiter: RateLimiter | None = None,
        paid_broadcast: bool = False,
        unpaid_limiter: RateLimiter | None = None,
    ) -> None:
        """`limiter` paces every send; with `paid_broadcast`, lessons and broadcasts are sent
        with `allow_paid_broadcast`, and `unpaid_limiter` keeps every other send (replies) at
        the free pace on top of `limiter`."""
        self._answers = answers
        self._limiter = limiter
        self._paid = paid_broadcast
        self._unpaid_limiter = unpaid_limiter
        self._paid_paused_until = 0.0
        # PTB warns on every 429 that `retry_after` will become a timedelta; we read both kinds
        # (retry_seconds), so the warning is noise in the log, and an error where warnings are.
        warnings.filterwarnings(
            "ignore", message=r".*retry_after.*timedelta", category=PTBDeprecationWarning
        )
        self._token = token
        self._poll_timeout = poll_timeout
        api_root = api_root.rstrip("/")
        self._app = (
            Application.builder()
            .token(token)
            .base_url(f"{api_root}/bot")
            .base_file_url(f"{api_root}/file/bot")
            .request(self._request(CONNECTIONS))
            # PTB adds the long-poll timeout to this read timeout for every getUpdates call.
            .get_updates_request(self._request(1))
            .job_queue(None)  # the dispatcher schedules; PTB must not start a scheduler of its own
            .concurrent_updates(PerChatOrder(CONCURRENT_UPDATES))
            .build()
        )
        self._app.add_handler(TypeHandler(Update, self._on_update))
        self._app.add_error_handler(self._on_error)
        self._api_root = api_root
        self._app_ready = False
        self._bot_ready = False

    @staticmethod
    def _request(connections: int) -> HTTPXRequest:
        return HTTPXRequest(
            connection_pool_size=connections,
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
            write_timeout=WRITE_TIMEOUT,
            pool_timeout=POOL_TIMEOUT,
        )

    # -- lifecycle ------------------------------------------------------------------------------
    async def start_polling(self) -> None:
        """Receive updates by long polling, and register the command menu.

        Pending updates are kept (not dropped), so what participants sent while the bot was
        down is still answered after a restart.
        """
        await self._checked(self._app.initialize())
        self._app_ready = True
        await self._register_commands()
        updater = self._app.updater
        if updater is None:  # pragma: no cover - the builder always makes one
            raise RuntimeError("the Telegram application has no updater")
        await updater.start_polling(
            timeout=timedelta(seconds=self._poll_timeout),
            allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY],
            drop_pending_updates=False,
        )
        await self._app.start()
        log.info("telegram: polling as @%s", self._app.bot.username)

    async def start_webhook(self, url: str, secret: str) -> None:
        """Receive updates from Telegram's webhook (`druppel web`) instead of by polling: the
        application runs and handles what `feed` gives it; Telegram calls `url` with `secret`."""
        await self._checked(self._app.initialize())
        self._app_ready = True
        await self._register_commands()
        try:
            await self._app.bot.set_webhook(
                url=url, secret_token=secret,
                allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY],
            )  # fmt: skip
        except TelegramError as exc:
            raise SetupError(
                f"Telegram refused the webhook: {translate(exc, self._token)}"
            ) from exc
        await self._app.start()
        log.info("telegram: receiving by webhook as @%s", self._app.bot.username)

    async def feed(self, data: object) -> bool:
        """One update as Telegram posted it to the webhook; False when it is not an update."""
        if not isinstance(data, dict):
            return False
        try:
            update = Update.de_json(data, self._app.bot)
        except (TypeError, ValueError, KeyError):
            return False
        if update is None:
            return False
        await self._app.update_queue.put(update)
        return True

    async def start_sending_only(self) -> None:
        """Only the bot, for a worker: it sends what is due while `druppel run` polls."""
        await self._checked(self._app.bot.initialize())
        self._bot_ready = True
        log.info("telegram: sending as @%s (no polling)", self._app.bot.username)

    async def _checked(self, starting: Awaitable[None]) -> None:
        """Start-up against Telegram; a refused token or an unreachable API is one clear line."""
        try:
            await starting
        except InvalidToken as exc:  # its message quotes the token: not repeated here
            raise SetupError(
                "Telegram refused TELEGRAM_BOT_TOKEN; check the token BotFather gave you"
            ) from exc
        except NetworkError as exc:
            reason = scrub(exc.message, self._token)
            raise SetupError(
                f"cannot reach the Telegram Bot API at {self._api_root}: {reason}"
            ) from exc

    def polling_ended(self) -> str | None:
        """Why receiving stopped for good, if it did (None while polling runs or never ran).

        python-telegram-bot gives up polling when Telegram refuses the token, even for a moment,
        and keeps the process up: deaf. The caller ends the process instead, so a process
        manager restarts it.
        """
        updater = self._app.updater
        task = getattr(updater, "_Updater__polling_task", None) if updater else None
        if not isinstance(task, asyncio.Task) or not task.done() or task.cancelled():
            return None
        error = task.exception()
        if isinstance(error, InvalidToken):
            return "Telegram refused TELEGRAM_BOT_TOKEN while polling"
        return f"polling for updates ended ({type(error).__name__ if error else 'no error'})"

    async def stop(self) -> None:
        """Stop polling, finish the update in hand, and close the connections. Safe to repeat."""
        updater = self._app.updater
        if updater is not None and updater.running:
            try:
                await updater.stop()
            except TelegramError as exc:  # the polling task's own end (a refused token), said
                log.debug("telegram: polling had ended: %s", type(exc).__name__)
        if self._app.running:
            await self._app.stop()
        if self._app_ready:
            self._app_ready = False
            await self._app.shutdown()
        if self._bot_ready:
            self._bot_ready = False
            await self._app.bot.shutdown()

    async def _register_commands(self) -> None:
        """The command menu, for everyone and explicitly for Dutch clients."""
        commands = [BotCommand(name, description) for name, description in MENU]
        try:
            await self._app.bot.set_my_commands(commands)
            await self._app.bot.set_my_commands(commands, language_code="nl")
        except TelegramError as exc:  # a missing menu must not keep the bot from running
            log.warning("telegram: could not set the command menu: %s", translate(exc, self._token))

    # -- sending --------------------------------------------------------------------------------
    @property
    def paid_broadcast(self) -> bool:
        """Whether lessons and broadcasts are sent as paid broadcasts (TELEGRAM_PAID_BROADCAST)."""
        return self._paid

    async def send(self, chat_id: str, message: Outgoing, lane: Lane = Lane.REPLY) -> None:
        """Send one message, or raise the DeliveryError that says what to do about it.

        With a limiter, every message first waits its turn under the limits shared by all
        workers; a turn further off than MAX_PACING_WAIT is handed back as RateLimited. A 429
        from Telegram pauses every worker's sends for the time Telegram asked.

        With paid broadcasting, lessons and broadcasts (never replies) go as paid broadcasts.
        Should the bot's Stars run short, that message and the next PAID_PAUSE seconds of them
        go unpaid at the free pace, with one warning in the log.
        """
        paid = self._paid_for(lane)
        await self._pace(chat_id, lane, paid=paid)
        try:
            await self._send(chat_id, message, paid=paid)
        except Rejected as exc:
            if not (paid and _BALANCE_TOO_LOW in exc.cause.upper()):
                raise
            self._pause_paid()
            await self._pace(chat_id, lane, paid=False)
            await self._send(chat_id, message, paid=False)

    def _paid_for(self, lane: Lane) -> bool:
        """Whether a message of this lane goes as a paid broadcast now: replies never do."""
        return self._paid and lane is not Lane.REPLY and time.monotonic() >= self._paid_paused_until

    async def _pace(self, chat_id: str, lane: Lane, *, paid: bool) -> None:
        """Wait for this message's turn: unpaid sends also keep the free pace when paid
        broadcasting raised the bot's own (checked last: it is the one that binds them)."""
        limiters = [self._limiter] if paid else [self._limiter, self._unpaid_limiter]
        for limiter in limiters:
            if limiter is None:
                continue
            try:
                await limiter.acquire(chat_id, MAX_PACING_WAIT, lane)
            except Throttled as exc:
                raise RateLimited(exc.retry_after, "paced", paced=True) from exc
            except (RedisError, OSError):
                pass  # the shared pacing lives in Redis; without it, this one reply goes unpaced

    def _pause_paid(self) -> None:
        if time.monotonic() >= self._paid_paused_until:
            log.warning(
                "telegram: a paid broadcast was refused, the bot's Telegram Stars balance is too "
                "low (%s); lessons and broadcasts go unpaid, at the free pace, for %g seconds",
                _BALANCE_TOO_LOW, PAID_PAUSE,
            )  # fmt: skip
        self._paid_paused_until = time.monotonic() + PAID_PAUSE

    async def _send(self, chat_id: str, message: Outgoing, *, paid: bool = False) -> str:
        # None leaves the parameter out, so an unpaid call is what it was without the setting.
        flag = True if paid else None
        try:
            if message.image is not None:
                return await self._send_photo(chat_id, message, message.image, flag)
            if message.document is not None:
                name, content = message.document
                sent = await self._app.bot.send_document(
                    chat_id=_chat_id(chat_id), document=content, filename=name,
                    caption=html_text(message), parse_mode=ParseMode.HTML,
                    allow_paid_broadcast=flag,
                )  # fmt: skip
                return str(sent.message_id)
            sent = await self._app.bot.send_message(
                chat_id=_chat_id(chat_id),
                text=html_text(message),
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(message),
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                allow_paid_broadcast=flag,
            )
        except TelegramError as exc:
            raise await self._failed(exc) from exc
        return str(sent.message_id)

    async def _send_photo(
        self, chat_id: str, message: Outgoing, image: bytes, flag: bool | None
    ) -> str:
        """The image with the text as its caption; a text too long for a caption follows the
        image as a message of its own (should that second send fail, a retry repeats both)."""
        if caption_fits(message):
            sent = await self._app.bot.send_photo(
                chat_id=_chat_id(chat_id), photo=image, filename=IMAGE_NAME,
                caption=html_text(message), parse_mode=ParseMode.HTML,
                reply_markup=keyboard(message), allow_paid_broadcast=flag,
            )  # fmt: skip
            return str(sent.message_id)
        await self._app.bot.send_photo(
            chat_id=_chat_id(chat_id), photo=image, filename=IMAGE_NAME, allow_paid_broadcast=flag
        )
        sent = await self._app.bot.send_message(
            chat_id=_chat_id(chat_id),
            text=html_text(message),
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(message),
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            allow_paid_broadcast=flag,
        )
        return str(sent.message_id)

    async def _failed(self, exc: TelegramError) -> DeliveryError:
        error = translate(exc, self._token)
        if isinstance(error, RateLimited) and self._limiter is not None:
            await self._limiter.pause(error.retry_after)
        return error

    async def post(self, chat_id: str, message: Outgoing) -> str:
        """Send a reply now and return its message id, to edit it later."""
        await self._pace(chat_id, Lane.REPLY, paid=False)
        return await self._send(chat_id, message)

    async def edit(self, chat_id: str, message_id: str, message: Outgoing) -> None:
        """Change a message sent before (a broadcast's progress). Unchanged text is no error."""
        try:
            await self._app.bot.edit_message_text(
                text=html_text(message),
                chat_id=_chat_id(chat_id),
                message_id=int(message_id),
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(message),
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except BadRequest as exc:
            if "message is not modified" not in exc.message.lower():
                raise await self._failed(exc) from exc
        except TelegramError as exc:
            raise await self._failed(exc) from exc

    async def set_menu(self, chat_id: str, commands: list[tuple[str, str]]) -> None:
        """The command menu one chat sees (a trainer's or an operator's), in every language."""
        menu = [BotCommand(name, description) for name, description in commands]
        scope = BotCommandScopeChat(_chat_id(chat_id))
        try:
            await self._app.bot.set_my_commands(menu, scope=scope)
            await self._app.bot.set_my_commands(menu, scope=scope, language_code="nl")
        except TelegramError as exc:
            log.warning("telegram: could not set a role's menu: %s", translate(exc, self._token))

    # -- receiving ------------------------------------------------------------------------------
    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """One update: answer a button tap at once, then let the conversation answer it."""
        if update.callback_query is not None:
            try:
                await update.callback_query.answer()
            except TelegramError as exc:  # e.g. too old after a restart; the tap still counts
                log.debug("telegram: could not answer a callback query: %s", exc.message)
        event = incoming(update)
        if event is None:
            log.debug("telegram: ignored update %s", update.update_id)
            return
        log.debug("telegram: %s in update %s", event.kind, update.update_id)
        await self._answers.answer(event)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB's own failures (polling, handlers): logged by update id, never with contents."""
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        if error is None:
            return
        if isinstance(error, TelegramError):
            log.warning("telegram: error (update %s): %s", update_id, translate(error, self._token))
        else:
            log.error("telegram: error (update %s): %s", update_id, where(error))
