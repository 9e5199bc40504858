"""The simulated users: what a person sends (text, a sticker, a photo, a voice note) or taps,
and blocking or unblocking the bot; each becomes the update Telegram would queue for the bot."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator

from .html_mode import utf16_len
from .sent import inline_buttons
from .state import Chat, State
from .wire import JSONDict, now


class Users(State):
    """The people in the chats of :class:`FakeTelegram`."""

    #: Updates the bot's allowed_updates filtered out, for tests that check the filter.
    dropped_updates: list[JSONDict]
    _update_ids: Iterator[int]
    _callback_ids: Iterator[int]

    def user_sends(
        self,
        chat_id: int,
        text: str,
        first_name: str = "Sanne",
        language_code: str | None = "nl",
        *,
        username: str | None = None,
        reply_to: int | None = None,
    ) -> JSONDict:
        """Queue a user's text message; "/cmd ..." gets a bot_command entity, like Telegram.
        With `reply_to`, it replies to that message of the chat (Telegram then carries the
        message replied to, without its own reply, as `reply_to_message`)."""
        content: JSONDict = {"text": text}
        if reply_to is not None:
            earlier = self._chat(chat_id).messages[reply_to]
            content["reply_to_message"] = {
                k: copy.deepcopy(v) for k, v in earlier.items() if k != "reply_to_message"
            }
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
            self._chats[chat_id] = Chat(user=user)

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

    def user_sends_document(
        self,
        chat_id: int,
        content: bytes,
        file_name: str,
        mime_type: str | None = "application/x-yaml",
        first_name: str = "Sanne",
        language_code: str | None = "nl",
    ) -> JSONDict:
        """Queue a file sent as a document, which the bot fetches with getFile and then from
        the file URL (a course file a trainer sends)."""
        suffix = "." + file_name.rsplit(".", 1)[-1] if "." in file_name else ""
        file = self._new_file("documents", suffix, content, "BQACAgQAAxkBAAI")
        document: JSONDict = {**file, "file_name": file_name}
        if mime_type is not None:
            document["mime_type"] = mime_type
        return self._user_message(chat_id, first_name, language_code, None, {"document": document})

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
                data for row in inline_buttons(message.get("reply_markup")) for _, data in row
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
            chat.newest_buttons()
            if message_id is None
            else (inline_buttons(chat.messages.get(message_id, {}).get("reply_markup")))
        )
        raise LookupError(
            f"chat {chat_id}: no button with callback_data {callback_data!r} on {where}; "
            f"buttons there now: {visible}"
        )

    # -- what a user does to the bot itself -------------------------------------------------------

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

    # -- turning it into updates -------------------------------------------------------------------

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
            chat = self._chats[chat_id] = Chat(user=user)
        else:
            chat.user = user
        if chat.blocked:
            self._set_blocked(chat, False, notify=True)
        message_id = chat.allocate_message_id()
        message: JSONDict = {
            "message_id": message_id,
            "from": dict(user),
            "chat": chat.json,
            "date": now(),
            **content,
        }
        chat.messages[message_id] = message
        return self._queue({"message": message})

    def _set_blocked(self, chat: Chat, blocked: bool, *, notify: bool) -> None:
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
                        "date": now(),
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
