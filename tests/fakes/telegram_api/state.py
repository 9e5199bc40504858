"""What the fake remembers, shared by all its parts: the chats with their simulated users and
messages, the updates waiting for the bot, the files it serves, what the bot called and was sent,
and the signal that wakes everyone waiting for a change."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .sent import Buttons, SentMessage, inline_buttons
from .wire import ApiError, JSONDict, bad_request

#: The updates a bot receives unless it names others in getUpdates' allowed_updates.
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


@dataclass
class Chat:
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

    def newest_buttons(self) -> Buttons:
        """Inline buttons of the bot's newest (still existing) message here, as of now."""
        for mid in reversed(self.bot_message_ids):
            message = self.messages.get(mid)
            if message is not None:
                return inline_buttons(message.get("reply_markup"))
        return []


class State:
    """The memory every part of :class:`FakeTelegram` reads and changes (each part declares what
    only it keeps); :class:`FakeTelegram` fills it in when it is made."""

    bot_user: JSONDict
    strict_html: bool
    _clock: Callable[[], float]

    # Records for assertions.
    sent: list[SentMessage]
    calls: list[tuple[str, JSONDict]]
    errors: list[tuple[str, int, str]]

    # Chats, updates and files.
    _chats: dict[int, Chat]
    _updates: list[JSONDict]
    _fetched_upto: int
    _allowed_updates: frozenset[str]
    _pending_callbacks: set[str]
    _file_ids: Iterator[int]
    _files: dict[str, JSONDict]
    _file_contents: dict[str, bytes]
    _photo_dimensions: dict[str, tuple[int, int]]

    _changed: asyncio.Event
    _closing: bool

    def _notify(self) -> None:
        """Wake every waiter (long polls, wait_for_message); they re-check their condition."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_for_change(self, timeout: float) -> None:  # noqa: ASYNC109
        """Sleep until the next state change or the timeout, whichever comes first."""
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)

    def _chat(self, chat_id: int) -> Chat:
        """The chat of a user who has talked to the bot; tests get a clear error otherwise."""
        chat = self._chats.get(chat_id)
        if chat is None:
            raise LookupError(f"user {chat_id} never started the bot; call user_sends first")
        return chat

    def _writable_chat(self, params: JSONDict) -> Chat:
        """The target chat, or Telegram's 400 (unknown chat) / 403 (blocked) answer."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

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

    def _record(
        self,
        method: str,
        chat: Chat,
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
                buttons=inline_buttons(markup),
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
