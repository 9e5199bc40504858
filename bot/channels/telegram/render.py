"""The coach's messages as Telegram shows them: HTML text, inline buttons, a photo's caption.

Everything here is pure: an `Outgoing` in, the arguments of a Bot API call out.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from bot.core.messages import Outgoing

#: The longest photo caption Telegram accepts (characters after parsing), and the file name an
#: uploaded image gets.
MAX_CAPTION = 1024
IMAGE_NAME = "druppel.png"

#: Links in the bot's texts are not previewed: a preview would bury the lesson under a card.
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


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


def chat_ref(chat_id: str) -> int | str:
    """The chat id as Telegram takes it: Telegram's ids are numbers; druppel stores strings."""
    digits = chat_id.removeprefix("-")
    return int(chat_id) if digits.isascii() and digits.isdigit() else chat_id
