"""The order updates are handled in: one chat's one at a time, different chats side by side."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

#: Updates handled at once (from different chats; one chat's updates are handled in order).
CONCURRENT_UPDATES = 64
#: PTB's own bound on updates in flight: out of reach, so only PerChatOrder's slots count.
UNBOUNDED = 100_000


class PerChatOrder(BaseUpdateProcessor):
    """Updates from different chats run side by side; one chat's updates run one at a time.

    A chat's updates wait for their turn on the chat's own lock before they take one of the
    `slots` handling slots, so a chat with a backlog (someone pasting two hundred messages)
    holds at most one slot, and everyone else's replies are not held up behind it. (PTB's own
    bound is taken before any per-chat ordering, so it is set out of reach and ours counts.)
    """

    def __init__(self, slots: int) -> None:
        super().__init__(max(UNBOUNDED, slots))
        self._slots = asyncio.Semaphore(slots)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._slots:
                await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._waiting[chat.id] = self._waiting.get(chat.id, 0) + 1
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:  # forget idle chats, so memory follows activity
                del self._waiting[chat.id], self._locks[chat.id]

    async def initialize(self) -> None:
        """Nothing to set up: locks are made per chat as updates arrive."""

    async def shutdown(self) -> None:
        """Nothing to free: the locks go with their last update."""
