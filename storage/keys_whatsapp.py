"""WhatsApp's keys in the schema (the table in keys.py lists them): the inbound events, their
dedupe, the 24-hour window and the statuses of sent messages, all under the hash tag `{wa}` so
one script can dedupe an event, queue it and open the chat's window at once. `Keys` has these
methods; a chat or a message is named by a keyed hash, never by a number."""

from __future__ import annotations

from storage.keyparts import part as _part


class WhatsAppKeys:
    """WhatsApp's part of `Keys`."""

    __slots__ = ()
    prefix: str

    def wa_ready(self) -> str:
        return f"{self.prefix}:{{wa}}:ready"

    def wa_inbox(self, chat_hash: str) -> str:
        return f"{self.prefix}:{{wa}}:inbox:{_part(chat_hash, 'chat')}"

    def wa_owners(self) -> str:
        return f"{self.prefix}:{{wa}}:owners"

    def wa_seen(self, id_hash: str) -> str:
        return f"{self.prefix}:{{wa}}:seen:{_part(id_hash, 'message')}"

    def wa_window(self, chat_hash: str) -> str:
        return f"{self.prefix}:{{wa}}:window:{_part(chat_hash, 'chat')}"

    def wa_invited(self, chat_hash: str) -> str:
        return f"{self.prefix}:{{wa}}:invited:{_part(chat_hash, 'chat')}"

    def wa_message(self, id_hash: str) -> str:
        return f"{self.prefix}:{{wa}}:msg:{_part(id_hash, 'message')}"

    def wa_sent(self, chat_hash: str) -> str:
        return f"{self.prefix}:{{wa}}:sent:{_part(chat_hash, 'chat')}"
