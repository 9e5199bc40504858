"""The methods that put a new message in a chat: sendMessage, sendPhoto (an upload, a known
file_id or a URL, kept in the sizes Telegram keeps) and sendDocument, each checked and answered
as Telegram checks and answers it."""

from __future__ import annotations

import copy
import struct
from typing import Any

from .html_mode import utf16_len
from .state import Chat, State
from .validation import (
    MAX_CAPTION_LENGTH,
    MAX_MESSAGE_LENGTH,
    check_markup,
    format_text,
    parse_text,
)
from .wire import ApiError, JSONDict, Upload, bad_request, now

#: Telegram's limits for a photo: 10 MB, width plus height at most 10000, sides at most 1:20.
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_PHOTO_SIDES = 10_000
MAX_PHOTO_RATIO = 20
#: The longest side of each size Telegram keeps of a photo, smallest first.
PHOTO_SIZE_LIMITS = (90, 320, 800, 1280)


class Sending(State):
    """The send methods of :class:`FakeTelegram`."""

    def _send_message(self, params: JSONDict) -> JSONDict:
        """sendMessage: validate like Telegram, store, record and return the full Message."""
        chat = self._writable_chat(params)
        text, entities, parse_mode = format_text(params, strict=self.strict_html)
        if utf16_len(text) > MAX_MESSAGE_LENGTH:
            raise bad_request("message is too long")
        markup = check_markup(params.get("reply_markup"), inline_only=False)
        reply_to = self._reply_target(chat, params)
        message: JSONDict = {
            "message_id": chat.allocate_message_id(),
            "from": dict(self.bot_user),
            "chat": chat.json,
            "date": now(),
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
        markup = check_markup(params.get("reply_markup"), inline_only=False)
        reply_to = self._reply_target(chat, params)
        message: JSONDict = {
            "message_id": chat.allocate_message_id(),
            "from": dict(self.bot_user),
            "chat": chat.json,
            "date": now(),
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
            text, entities = parse_text(raw, params, "caption_entities", strict=self.strict_html)
            if utf16_len(text) > MAX_CAPTION_LENGTH:
                raise bad_request("message caption is too long")
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
            raise bad_request("there is no document in the request")
        if not upload.content:
            raise bad_request("file must be non-empty")
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
            "date": now(),
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
                raise bad_request("file must be non-empty")
            if len(photo.content) > MAX_PHOTO_BYTES:
                raise ApiError(413, "Request Entity Too Large")
            size = _image_size(photo.content)
            if size is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            width, height = size
            if width + height > MAX_PHOTO_SIDES or max(size) > MAX_PHOTO_RATIO * min(size):
                raise bad_request("PHOTO_INVALID_DIMENSIONS")
            return photo.content, width, height
        if isinstance(photo, str) and photo.startswith(("http://", "https://")):
            return None, 800, 600  # Telegram would fetch it; the fake takes it as given
        if isinstance(photo, str) and photo:
            if photo not in self._files:
                raise bad_request("wrong file identifier/HTTP URL specified")
            known = self._photo_dimensions.get(photo)
            if known is None:
                raise bad_request("type of file mismatch")
            content = self._file_contents.get(self._files[photo]["file_path"])
            return content, known[0], known[1]
        raise bad_request("there is no photo in the request")

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
    def _reply_target(chat: Chat, params: JSONDict) -> JSONDict | None:
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
            raise bad_request("message to be replied not found")
        return target


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
