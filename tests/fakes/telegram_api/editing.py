"""What the bot does to a chat besides sending: edit or delete one of its messages, answer a
tap on a button, show that it is typing; each refused as Telegram refuses it."""

from __future__ import annotations

import copy
from typing import Any

from .html_mode import utf16_len
from .state import Chat, State
from .validation import MAX_MESSAGE_LENGTH, check_markup, format_text
from .wire import JSONDict, bad_request, now

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
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class Editing(State):
    """The methods of :class:`FakeTelegram` that change a chat without sending."""

    #: Every answerCallbackQuery, by query id.
    callback_answers: dict[str, JSONDict]

    def _edit_message_text(self, params: JSONDict) -> JSONDict:
        """editMessageText: a missing reply_markup removes the inline keyboard, as on Telegram."""
        if "inline_message_id" in params:
            raise bad_request("inline messages are not supported by the fake")
        chat = self._writable_chat(params)
        message = self._bot_message(chat, params, "message to edit not found")
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        text, entities, parse_mode = format_text(params, strict=self.strict_html)
        if utf16_len(text) > MAX_MESSAGE_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        markup = check_markup(params.get("reply_markup"), inline_only=True)
        markup = markup if markup and markup["inline_keyboard"] else None
        if (
            text == message.get("text")
            and entities == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise bad_request(NOT_MODIFIED)
        message["text"] = text
        _set_or_drop(message, "entities", entities or None)
        _set_or_drop(message, "reply_markup", markup)
        message["edit_date"] = now()
        self._record("editMessageText", chat, message, str(params["text"]), parse_mode)
        return copy.deepcopy(message)

    def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict:
        """editMessageReplyMarkup: replace or (when absent) remove the inline keyboard."""
        if "inline_message_id" in params:
            raise bad_request("inline messages are not supported by the fake")
        chat = self._writable_chat(params)
        message = self._bot_message(chat, params, "message to edit not found")
        markup = check_markup(params.get("reply_markup"), inline_only=True)
        markup = markup if markup and markup["inline_keyboard"] else None
        if markup == message.get("reply_markup"):
            raise bad_request(NOT_MODIFIED)
        _set_or_drop(message, "reply_markup", markup)
        message["edit_date"] = now()
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
            raise bad_request("message to delete not found")
        return True

    def _answer_callback_query(self, params: JSONDict) -> bool:
        """answerCallbackQuery: each query can be answered once, like on Telegram."""
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._pending_callbacks:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._pending_callbacks.discard(query_id)
        self.callback_answers[query_id] = params
        return True

    def _send_chat_action(self, params: JSONDict) -> bool:
        """sendChatAction: validates chat and action; the effect is invisible to tests."""
        self._writable_chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def _bot_message(self, chat: Chat, params: JSONDict, missing: str) -> JSONDict:
        """The bot message an edit refers to, or Telegram's refusal."""
        message_id = params.get("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request(missing)
        if message_id not in chat.bot_message_ids:
            raise bad_request("message can't be edited")
        return message


def _set_or_drop(message: JSONDict, key: str, value: Any) -> None:
    """Telegram omits empty optional fields rather than sending nulls."""
    if value is None:
        message.pop(key, None)
    else:
        message[key] = value
