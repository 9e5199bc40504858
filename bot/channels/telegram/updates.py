"""What participants do on Telegram, as the channel-neutral `Incoming` events the coach hears.

Privacy: what participants write is never logged here; only update ids and kinds of events are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.core.messages import Attachment, Incoming, Kind
from storage.models import Channel

log = logging.getLogger(__name__)

#: The updates Telegram is asked for: messages and button taps, nothing else.
WANTED = [Update.MESSAGE, Update.CALLBACK_QUERY]

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

    async def answer(self, event: Incoming, kept: Callable[[], None] | None = None) -> None:
        """Handle the event; `kept()` once it no longer depends on this process (stored, or
        waiting in this process for Redis). Called at the latest when handling ends."""
        ...


def _what(message: Message) -> str | None:
    """Which kind of non-text content a message carries, for the coach's kind refusal."""
    for what in _UNSUPPORTED:
        if getattr(message, what, None):
            return what
    return None


def _replied_to(message: Message) -> str | None:
    """The text of the bot's own message that this one replies to: which day it answers."""
    earlier = message.reply_to_message
    if earlier is None or earlier.from_user is None or not earlier.from_user.is_bot:
        return None
    return earlier.text or earlier.caption


def incoming(update: Update) -> Incoming | None:
    """The update as a channel-neutral event, or None when it is nothing the coach hears.

    Only private chats count: reflections are personal, and druppel is not made for groups.
    """
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type != ChatType.PRIVATE:
        return None
    chat_id = str(chat.id)
    first_name = user.first_name if user is not None else None
    code = (user.language_code or "") if user is not None else ""
    language = code.split("-")[0].lower() or None  # "pt-br": "pt"
    query = update.callback_query
    if query is not None:
        return Incoming(
            Channel.TELEGRAM, chat_id, Kind.BUTTON, data=query.data or "", first_name=first_name,
            language=language,
        )  # fmt: skip
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        event = Incoming.from_text(Channel.TELEGRAM, chat_id, message.text, first_name)
        return replace(event, replied_to=_replied_to(message), language=language)
    what = _what(message)
    document = message.document if what == "document" else None
    attachment = (
        None
        if document is None
        else Attachment(document.file_id, document.file_name or "", document.file_size)
    )
    return Incoming(
        Channel.TELEGRAM, chat_id, Kind.UNSUPPORTED, first_name=first_name, what=what,
        language=language, attachment=attachment,
    )  # fmt: skip


async def hand_over(
    update: Update, answers: Answers, kept: Callable[[], None] | None = None
) -> None:
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
    await answers.answer(event, kept)
