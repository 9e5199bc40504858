"""What a test reads of the fake: the messages the bot sent to a chat, the calls it made, and
waiting (boundedly) for the bot's next message or for it to fetch every update."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .sent import Buttons, SentMessage
from .state import State
from .wire import JSONDict


class Records(State):
    """The assertion helpers of :class:`FakeTelegram`."""

    #: Per chat, where the next `wait_for_message` starts looking in :attr:`sent`.
    _cursors: dict[int, int]

    def mark(self) -> int:
        """A position in :attr:`sent`; pass as ``since=`` to only look at later messages."""
        return len(self.sent)

    def messages_to(self, chat_id: int, *, include_edits: bool = False) -> list[SentMessage]:
        """Everything the bot sent to this chat, oldest first."""
        return [m for m in self.sent if m.chat_id == chat_id and (include_edits or not m.is_edit)]

    def last_buttons(self, chat_id: int) -> Buttons:
        """Inline buttons of the bot's newest (still existing) message in the chat, as of now."""
        chat = self._chats.get(chat_id)
        return [] if chat is None else chat.newest_buttons()

    def calls_to(self, method: str) -> list[JSONDict]:
        """Parameters of every call of one method (case-insensitive, like Telegram)."""
        return [params for name, params in self.calls if name.lower() == method.lower()]

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - the fake's own bounded wait, by design
        *,
        since: int | None = None,
        include_edits: bool = False,
    ) -> SentMessage:
        """Return the next matching message to the chat, waiting for the bot if need be.

        "Next" means after the previous message this method returned for the chat (or from
        ``since``, a :meth:`mark`), so consecutive calls walk through the conversation and a
        reply that arrived before the call is not missed.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        index = self._cursors.get(chat_id, 0) if since is None else since
        while True:
            while index < len(self.sent):
                message = self.sent[index]
                index += 1
                if (
                    message.chat_id == chat_id
                    and (include_edits or not message.is_edit)
                    and (predicate is None or predicate(message))
                ):
                    self._cursors[chat_id] = index
                    return message
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(self._describe_timeout(chat_id, timeout))
            await self._wait_for_change(remaining)

    async def wait_until_fetched(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has fetched every queued update, e.g. before asserting silence."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while any(u["update_id"] > self._fetched_upto for u in self._updates):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"bot did not fetch {len(self._updates)} pending update(s) in {timeout}s"
                )
            await self._wait_for_change(remaining)

    def _describe_timeout(self, chat_id: int, timeout: float) -> str:
        """Say what the bot did instead, which is what a failing test needs to know."""
        recent = self.messages_to(chat_id, include_edits=True)[-10:]
        lines = [f"no matching message to chat {chat_id} within {timeout}s."]
        lines.append("Recent messages to this chat:" if recent else "The bot sent it nothing.")
        lines += [f"  {m.describe()}" for m in recent]
        if self.errors:
            lines.append("Recent API errors served:")
            lines += [f"  {method}: {code} {text}" for method, code, text in self.errors[-5:]]
        return "\n".join(lines)
