"""Sending the coach's messages to a Telegram chat: each waits its turn, goes as text, photo or
document, and fails only with the delivery error that says what to do about it."""

from __future__ import annotations

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.channels.telegram.errors import translate
from bot.channels.telegram.pacing import BALANCE_TOO_LOW, Pacing
from bot.channels.telegram.render import (
    IMAGE_NAME,
    NO_PREVIEW,
    caption_fits,
    chat_ref,
    html_text,
    keyboard,
)
from bot.core.messages import Outgoing
from bot.delivery.errors import DeliveryError, RateLimited, Rejected
from storage.models import Lane


class Sender:
    """One bot's sends, paced by `pacing`; `token` is scrubbed from every error it raises."""

    def __init__(self, bot: Bot, token: str, pacing: Pacing) -> None:
        self._bot = bot
        self._token = token
        self._pacing = pacing

    async def send(
        self, chat_id: str, message: Outgoing, lane: Lane = Lane.REPLY, *, chat_paced: bool = False
    ) -> float:
        """Send one message, or raise the DeliveryError that says what to do about it.

        With a limiter, every message first waits its turn under the limits shared by all
        workers (`chat_paced`: its chat's own turn was taken already, by its queue); a turn
        further off than MAX_PACING_WAIT is handed back as RateLimited. A 429 from Telegram
        pauses every worker's sends for the time Telegram asked. Returns the seconds it waited
        for its turn.

        With paid broadcasting, lessons and broadcasts (never replies) go as paid broadcasts.
        Should the bot's Stars run short, that message and the next PAID_PAUSE seconds of them
        go unpaid at the free pace, with one warning in the log.
        """
        paid = self._pacing.paid_for(lane)
        waited = await self._pacing.wait(chat_id, lane, paid=paid, chat_paced=chat_paced)
        try:
            await self._send(chat_id, message, paid=paid)
        except Rejected as exc:
            if not (paid and BALANCE_TOO_LOW in exc.cause.upper()):
                raise
            self._pacing.pause_paid()
            waited += await self._pacing.wait(chat_id, lane, paid=False, chat_paced=chat_paced)
            await self._send(chat_id, message, paid=False)
        return waited

    async def post(self, chat_id: str, message: Outgoing) -> str:
        """Send a reply now and return its message id, to edit it later."""
        await self._pacing.wait(chat_id, Lane.REPLY, paid=False)
        return await self._send(chat_id, message)

    async def edit(self, chat_id: str, message_id: str, message: Outgoing) -> None:
        """Change a message sent before (a broadcast's progress). Unchanged text is no error."""
        try:
            await self._bot.edit_message_text(
                text=html_text(message),
                chat_id=chat_ref(chat_id),
                message_id=int(message_id),
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(message),
                link_preview_options=NO_PREVIEW,
            )
        except BadRequest as exc:
            if "message is not modified" not in exc.message.lower():
                raise await self._failed(exc) from exc
        except TelegramError as exc:
            raise await self._failed(exc) from exc

    async def _send(self, chat_id: str, message: Outgoing, *, paid: bool = False) -> str:
        """The message as the one call (or two) its content needs; its id in the chat."""
        # None leaves the parameter out, so an unpaid call is what it was without the setting.
        flag = True if paid else None
        chat = chat_ref(chat_id)
        try:
            if message.image is not None:
                return await self._photo(chat, message, message.image, flag)
            if message.document is not None:
                name, content = message.document
                sent = await self._bot.send_document(
                    chat_id=chat, document=content, filename=name,
                    caption=html_text(message), parse_mode=ParseMode.HTML,
                    allow_paid_broadcast=flag,
                )  # fmt: skip
                return str(sent.message_id)
            return await self._text(chat, message, flag)
        except TelegramError as exc:
            raise await self._failed(exc) from exc

    async def _text(self, chat: int | str, message: Outgoing, flag: bool | None) -> str:
        # Through the public method: reading the answer into a `Message` costs about a fifth
        # of a send's time in python-telegram-bot, but a raw `Bot._post` would tie druppel to
        # the library's insides.
        sent = await self._bot.send_message(
            chat_id=chat,
            text=html_text(message),
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(message),
            link_preview_options=NO_PREVIEW,
            allow_paid_broadcast=flag,
        )
        return str(sent.message_id)

    async def _photo(
        self, chat: int | str, message: Outgoing, image: bytes, flag: bool | None
    ) -> str:
        """The image with the text as its caption; a text too long for a caption follows the
        image as a message of its own (should that second send fail, a retry repeats both)."""
        if caption_fits(message):
            sent = await self._bot.send_photo(
                chat_id=chat, photo=image, filename=IMAGE_NAME,
                caption=html_text(message), parse_mode=ParseMode.HTML,
                reply_markup=keyboard(message), allow_paid_broadcast=flag,
            )  # fmt: skip
            return str(sent.message_id)
        await self._bot.send_photo(
            chat_id=chat, photo=image, filename=IMAGE_NAME, allow_paid_broadcast=flag
        )
        return await self._text(chat, message, flag)

    async def _failed(self, exc: TelegramError) -> DeliveryError:
        """Telegram's error as ours; a 429 also pauses every worker's sends."""
        error = translate(exc, self._token)
        if isinstance(error, RateLimited):
            await self._pacing.flooded(error)
        return error
