"""Long polling that confirms an update to Telegram only once druppel has kept it.

Telegram forgets an update as soon as getUpdates is called with a higher offset. python-telegram-
bot's own Updater moves the offset past every update the moment it is fetched, before anything
is done with it: a process that dies then has lost what participants had just sent. Here the
offset moves past an update only when the conversation said it is kept: stored in Redis with its
replies queued, or waiting in this process's spool while Redis is away (a spool lives as long as
the process). Until then Telegram gives the update again, and the ones already in hand are not
handed over twice. An update whose handling outlives a process is therefore answered after the
restart; one kept just before a crash, in the instant before the next call confirms it, may be
answered twice, never not at all.

Privacy: only update ids are logged, never what they carry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from bot.channels.telegram.updates import WANTED
from bot.core.logs import where
from scheduler.quiet import Quiet

log = logging.getLogger(__name__)

#: Seconds a batch may take to be kept before the next getUpdates asks again (it then gets the
#: updates still in hand back at once, with any new ones behind them).
KEPT_WAIT = 1.0
#: Updates in hand, not yet kept, past which they are let go of as they are fetched (as
#: python-telegram-bot does): getUpdates shows at most 100 unconfirmed updates, and one chat's
#: flood, handled in order, must not hold back everyone else's messages behind it. Only a crash
#: in that moment would lose them.
HAND_LIMIT = 32
#: Seconds between tries after a failed getUpdates: doubled per failure, up to the last.
RETRY_WAITS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)


class Receipts:
    """Which updates are in hand and which of those are kept, by update id."""

    def __init__(self) -> None:
        self._in_hand: dict[int, asyncio.Event] = {}

    def take(self, update_id: int) -> bool:
        """Note an update as in hand; False when it already was (Telegram gave it again)."""
        if update_id in self._in_hand:
            return False
        self._in_hand[update_id] = asyncio.Event()
        return True

    def kept(self, update_id: int) -> None:
        """The update no longer depends on this process. Saying it twice does no harm."""
        event = self._in_hand.get(update_id)
        if event is not None:
            event.set()

    async def wait(self, update_id: int, within: float) -> bool:
        """Wait until one update is kept, at most `within` seconds; whether it was."""
        event = self._in_hand.get(update_id)
        if event is None:
            return True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), within)
        return event.is_set()

    async def settle(self, within: float) -> None:
        """Wait until everything in hand is kept, at most `within` seconds."""
        waiting = [e.wait() for e in self._in_hand.values() if not e.is_set()]
        if waiting:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*waiting), within)

    def confirmable(self) -> int | None:
        """The offset that confirms every update kept with nothing unkept before it (and forgets
        those); None when nothing new can be confirmed."""
        offset = None
        for update_id in sorted(self._in_hand):
            if not self._in_hand[update_id].is_set():
                break
            del self._in_hand[update_id]
            offset = update_id + 1
        return offset

    def unkept(self) -> int:
        return sum(not e.is_set() for e in self._in_hand.values())

    def release(self) -> int | None:
        """Let go of everything in hand: the offset past it (None when nothing is in hand)."""
        offset = max(self._in_hand, default=None)
        self._in_hand.clear()
        return None if offset is None else offset + 1

    def forget(self, update_id: int) -> None:
        """An update that came in by webhook: Telegram confirmed it by our answer."""
        self._in_hand.pop(update_id, None)


class Poller:
    """Fetch updates by long polling, hand each over once, and confirm what is kept."""

    def __init__(
        self,
        bot: Bot,
        hand: Callable[[Update], Awaitable[None]],
        receipts: Receipts,
        timeout: float,
    ) -> None:
        self._bot = bot
        self._hand = hand
        self._receipts = receipts
        self._timeout = timeout
        self._offset: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._quiet = Quiet(log)

    def start(self) -> None:
        self._task = asyncio.create_task(self._poll(), name="telegram-polling")

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        """Stop asking for more; updates in hand go on being handled by the application."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def confirm(self) -> None:
        """Tell Telegram what has been kept since the last call (at shutdown, after the
        updates in hand were handled), so they are not given again after a restart. The last
        offset is sent again too: the call that carried it may have been cut short."""
        offset = self._receipts.confirmable() or self._offset
        if offset is None:
            return
        try:
            await self._bot.get_updates(offset=offset, limit=1, timeout=0, allowed_updates=WANTED)
        except TelegramError as exc:  # given again after the restart: handled twice, not lost
            log.warning("telegram: could not confirm the last updates: %s", type(exc).__name__)

    async def _poll(self) -> None:
        failures = 0
        while True:
            try:
                updates = await self._bot.get_updates(
                    offset=self._offset,
                    timeout=timedelta(seconds=self._timeout),
                    allowed_updates=WANTED,
                )
            except InvalidToken:
                # The connection noted the refusal: the channel says polling ended, and the
                # process ends so that it is restarted.
                log.debug("telegram: the token was refused while polling; polling stops")
                return
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except TelegramError as exc:
                kind = "conflict" if isinstance(exc, Conflict) else "poll"
                self._quiet.warning(
                    kind, "telegram: getUpdates failed (%s); trying again", type(exc).__name__
                )
                await asyncio.sleep(RETRY_WAITS[min(failures, len(RETRY_WAITS) - 1)])
                failures += 1
                continue
            except Exception as exc:  # an answer PTB could not read: polling must not die of it
                self._quiet.log(
                    logging.ERROR, "unreadable", "telegram: could not read getUpdates' answer: %s",
                    where(exc),
                )  # fmt: skip
                await asyncio.sleep(RETRY_WAITS[-1])
                continue
            failures = 0
            for update in updates:
                if self._receipts.take(update.update_id):
                    await self._hand(update)
            if self._receipts.unkept() >= HAND_LIMIT:
                offset = self._receipts.release()
            else:
                await self._receipts.settle(KEPT_WAIT)
                offset = self._receipts.confirmable()
            if offset is not None:
                self._offset = offset


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
