"""The Telegram channel the processes wire in: it starts and stops the bot, receives updates
by long polling or by webhook, and hands sending to `send`.

Privacy: what participants write is never logged here; only update ids and kinds of events are.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.channels.telegram.connections import CONNECTIONS, POLL_TIMEOUT
from bot.channels.telegram.errors import scrub, translate
from bot.channels.telegram.order import CONCURRENT_UPDATES, PerChatOrder
from bot.channels.telegram.pacing import Pacing
from bot.channels.telegram.polling import Poller, Receipts
from bot.channels.telegram.render import chat_ref
from bot.channels.telegram.request import BotApiRequest
from bot.channels.telegram.send import Sender
from bot.channels.telegram.updates import WANTED, Answers, hand_over
from bot.core.errors import SetupError
from bot.core.logs import where
from bot.core.messages import Outgoing
from bot.core.texts import MENU
from scheduler.ratelimit import Rate, RateLimiter
from storage.models import Lane

log = logging.getLogger(__name__)

#: Seconds a webhook call waits for its update to be kept before it is answered all the same.
FEED_WAIT = 30.0
#: Seconds to fetch a file someone sent (a course file of some kilobytes).
DOWNLOAD_TIMEOUT = 20.0


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
        self._token = token
        api_root = api_root.rstrip("/")
        self._polling_connection = BotApiRequest(1)
        self._sending_connection = BotApiRequest(CONNECTIONS)
        self._app = (
            Application.builder()
            .token(token)
            .base_url(f"{api_root}/bot")
            .base_file_url(f"{api_root}/file/bot")
            .request(self._sending_connection)
            .get_updates_request(self._polling_connection)
            .job_queue(None)  # the dispatcher schedules; PTB must not start a scheduler of its own
            .concurrent_updates(PerChatOrder(CONCURRENT_UPDATES))
            .build()
        )
        self._app.add_handler(TypeHandler(Update, self._on_update))
        self._app.add_error_handler(self._on_error)
        self._pacing = Pacing(limiter, paid_broadcast=paid_broadcast, unpaid_limiter=unpaid_limiter)
        self._sender = Sender(self._app.bot, token, self._pacing)
        self._api_root = api_root
        self._receipts = Receipts()
        self._poller = Poller(
            self._app.bot, self._app.update_queue.put, self._receipts, poll_timeout
        )
        self._app_ready = False
        self._bot_ready = False

    # -- lifecycle ------------------------------------------------------------------------------
    async def start_polling(self) -> None:
        """Receive updates by long polling, and register the command menu.

        Pending updates are kept (not dropped), so what participants sent while the bot was
        down is still answered after a restart; an update is confirmed to Telegram only once
        it is kept (`polling`), so what was in hand when a process died is given again.
        """
        await self._checked(self._app.initialize())
        self._app_ready = True
        await self._register_commands()
        # getUpdates is refused while a webhook is set (one left by `druppel web`, say).
        await self._checked(self._app.bot.delete_webhook(drop_pending_updates=False))
        await self._app.start()
        self._poller.start()
        log.info("telegram: polling as @%s", self._app.bot.username)

    async def start_webhook(self, url: str, secret: str) -> None:
        """Receive updates from Telegram's webhook (`druppel web`) instead of by polling: the
        application runs and handles what `feed` gives it; Telegram calls `url` with `secret`."""
        await self._checked(self._app.initialize())
        self._app_ready = True
        await self._register_commands()
        try:
            await self._app.bot.set_webhook(url=url, secret_token=secret, allowed_updates=WANTED)
        except TelegramError as exc:
            raise SetupError(
                f"Telegram refused the webhook: {translate(exc, self._token)}"
            ) from exc
        await self._app.start()
        log.info("telegram: receiving by webhook as @%s", self._app.bot.username)

    async def feed(self, data: object) -> bool:
        """One update as Telegram posted it to the webhook; False when it is not an update.

        The answer waits until the update is kept (stored, or waiting in this process for
        Redis), so Telegram's copy is let go only then; a slow one is answered after
        FEED_WAIT seconds all the same, as Telegram would otherwise send it again meanwhile.
        """
        if not isinstance(data, dict):
            return False
        try:
            update = Update.de_json(data, self._app.bot)
        except (TypeError, ValueError, KeyError):
            return False
        if update is None:
            return False
        if self._receipts.take(update.update_id):
            await self._app.update_queue.put(update)
        await self._receipts.wait(update.update_id, FEED_WAIT)
        self._receipts.forget(update.update_id)
        return True

    async def start_sending_only(self) -> None:
        """Only the bot, for a worker: it sends what is due while `druppel run` polls."""
        await self._checked(self._app.bot.initialize())
        self._bot_ready = True
        log.info("telegram: sending as @%s (no polling)", self._app.bot.username)

    async def _checked(self, starting: Awaitable[object]) -> None:
        """Start-up against Telegram; a refused token or an unreachable API is one clear line.
        The connections opened for it are closed first: python-telegram-bot leaves them open
        when its start fails, and the process would end on a complaint about them."""
        try:
            await starting
        except InvalidToken as exc:  # its message quotes the token: not repeated here
            await self._close_connections()
            raise SetupError(
                "Telegram refused TELEGRAM_BOT_TOKEN; check the token BotFather gave you"
            ) from exc
        except NetworkError as exc:
            await self._close_connections()
            reason = scrub(exc.message, self._token)
            raise SetupError(
                f"cannot reach the Telegram Bot API at {self._api_root}: {reason}"
            ) from exc

    async def _close_connections(self) -> None:
        await self._polling_connection.shutdown()
        await self._sending_connection.shutdown()

    def polling_ended(self) -> str | None:
        """Why receiving stopped for good, if it did (None while polling runs or never ran).

        python-telegram-bot gives up polling when Telegram refuses the token, even for a moment,
        and keeps the process up: deaf. The caller ends the process instead, so a process
        manager restarts it. (Every other failure of getUpdates PTB retries; the connection
        polling runs on is the one that sees the refusal.)
        """
        if self._polling_connection.refused:
            return "Telegram refused TELEGRAM_BOT_TOKEN while polling"
        return None

    async def stop(self) -> None:
        """Stop polling, finish the updates in hand, confirm them to Telegram, and close the
        connections. Safe to repeat."""
        polled = self._poller.running
        await self._poller.stop()
        if self._app.running:
            await self._app.stop()
        if polled:
            await self._poller.confirm()
        if self._app_ready:
            self._app_ready = False
            await self._app.shutdown()
        if self._bot_ready:
            self._bot_ready = False
            await self._app.bot.shutdown()

    # -- command menus --------------------------------------------------------------------------
    async def _register_commands(self) -> None:
        """The command menu, for everyone and explicitly for Dutch clients."""
        commands = [BotCommand(name, description) for name, description in MENU]
        try:
            await self._app.bot.set_my_commands(commands)
            await self._app.bot.set_my_commands(commands, language_code="nl")
        except TelegramError as exc:  # a missing menu must not keep the bot from running
            log.warning("telegram: could not set the command menu: %s", translate(exc, self._token))

    async def set_menu(self, chat_id: str, commands: list[tuple[str, str]]) -> None:
        """The command menu one chat sees (a trainer's or an operator's), in every language."""
        menu = [BotCommand(name, description) for name, description in commands]
        scope = BotCommandScopeChat(chat_ref(chat_id))
        try:
            await self._app.bot.set_my_commands(menu, scope=scope)
            await self._app.bot.set_my_commands(menu, scope=scope, language_code="nl")
        except TelegramError as exc:
            log.warning("telegram: could not set a role's menu: %s", translate(exc, self._token))

    # -- sending --------------------------------------------------------------------------------
    @property
    def paid_broadcast(self) -> bool:
        """Whether lessons and broadcasts are sent as paid broadcasts (TELEGRAM_PAID_BROADCAST)."""
        return self._pacing.paid_broadcast

    async def send(self, chat_id: str, message: Outgoing, lane: Lane = Lane.REPLY) -> None:
        """Send one message, or raise the DeliveryError that says what to do about it."""
        await self._sender.send(chat_id, message, lane)

    @property
    def chat_pace(self) -> Rate | None:
        """Each chat's own pace, which its queue keeps for the messages it hands out."""
        return self._pacing.chat_pace

    async def send_queued(self, chat_id: str, message: Outgoing, lane: Lane) -> float:
        """`send` for a message of the chat's queue, whose turn in the chat's pace the queue
        step took: only the limits every chat shares are left to wait for. Returns how many
        seconds that wait took."""
        return await self._sender.send(chat_id, message, lane, chat_paced=True)

    async def post(self, chat_id: str, message: Outgoing) -> str:
        """Send a reply now and return its message id, to edit it later."""
        return await self._sender.post(chat_id, message)

    async def edit(self, chat_id: str, message_id: str, message: Outgoing) -> None:
        """Change a message sent before (a broadcast's progress). Unchanged text is no error."""
        await self._sender.edit(chat_id, message_id, message)

    async def download(self, file_id: str, limit: int) -> bytes | None:
        """A file someone sent (a trainer's course file), at most `limit` bytes; None when
        Telegram will not give it (gone, too big, unreachable)."""
        try:
            file = await self._app.bot.get_file(file_id, read_timeout=DOWNLOAD_TIMEOUT)
            if file.file_size is not None and file.file_size > limit:
                return None
            content = bytes(await file.download_as_bytearray(read_timeout=DOWNLOAD_TIMEOUT))
        except TelegramError as exc:
            log.warning("telegram: could not fetch a file: %s", translate(exc, self._token))
            return None
        except RuntimeError:  # PTB's word for a file Telegram gave no path to
            log.warning("telegram: a file came without a path to fetch it from")
            return None
        return content if len(content) <= limit else None

    # -- receiving ------------------------------------------------------------------------------
    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await hand_over(update, self._answers, lambda: self._receipts.kept(update.update_id))
        finally:  # at the latest: handled, even if it failed
            self._receipts.kept(update.update_id)

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
