"""Keeping a chat's drain lock while one send is under way.

A platform may take longer to answer (WhatsApp up to 30 s, a full rate bucket) than the lock
lasts without progress, and another drainer must not take the chat and send the same message
again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from scheduler.quiet import Quiet
from storage.queue import ChatQueue


@asynccontextmanager
async def holding(
    queue: ChatQueue, pid: str, token: str, ttl_ms: int, lock_seconds: float, quiet: Quiet
) -> AsyncIterator[None]:
    """Renew the lock `token` holds every third of `lock_seconds` while inside."""
    every = lock_seconds / 3

    async def keep() -> None:
        while True:
            try:
                if not await queue.renew(pid, token, ttl_ms):
                    return
            except Exception as exc:  # Redis away: the send goes on, the lock may lapse
                quiet.warning("renew", "could not keep a drain lock: %s", exc)
                return
            await asyncio.sleep(every)

    # Most sends are answered long before the lock needs keeping: only a timer is set, and a
    # task starts only for a send that is still under way by then.
    keeper: list[asyncio.Task[None]] = []
    timer = asyncio.get_running_loop().call_later(
        every, lambda: keeper.append(asyncio.ensure_future(keep()))
    )
    try:
        yield
    finally:
        timer.cancel()
        for task in keeper:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
