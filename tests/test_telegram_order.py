"""Telegram updates: one chat in order, different chats side by side."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.channels.telegram.order import PerChatOrder


def _update(update_id: int, chat_id: int) -> Update:
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id, "date": 0, "text": "hoi",
                "chat": {"id": chat_id, "type": "private"},
            },
        },
        None,
    )  # fmt: skip


async def test_one_chats_updates_run_in_order_while_another_chat_goes_ahead() -> None:
    order: list[str] = []
    release_first = asyncio.Event()

    async def work(name: str, wait: asyncio.Event | None = None) -> None:
        order.append(f"{name} start")
        if wait is not None:
            await wait.wait()
        order.append(f"{name} end")

    processor = PerChatOrder(8)
    async with processor:
        slow = asyncio.create_task(
            processor.process_update(_update(1, 10), work("a1", release_first))
        )
        queued = asyncio.create_task(processor.process_update(_update(2, 10), work("a2")))
        other = asyncio.create_task(processor.process_update(_update(3, 20), work("b1")))
        await asyncio.wait_for(other, timeout=5)
        assert order == ["a1 start", "b1 start", "b1 end"]  # chat 20 did not wait for chat 10
        release_first.set()
        await asyncio.wait_for(asyncio.gather(slow, queued), timeout=5)
    assert order[3:] == ["a1 end", "a2 start", "a2 end"]


async def test_a_chat_with_a_backlog_holds_one_slot_and_others_go_ahead() -> None:
    release = asyncio.Event()
    done: list[int] = []

    async def slow(chat: int) -> None:
        await release.wait()
        done.append(chat)

    async def quick(chat: int) -> None:
        done.append(chat)

    processor = PerChatOrder(2)  # two slots in all
    async with processor:
        flood = [
            asyncio.create_task(processor.process_update(_update(100 + i, 10), slow(10)))
            for i in range(50)
        ]
        await asyncio.sleep(0.05)
        other = asyncio.create_task(processor.process_update(_update(999, 20), quick(20)))
        await asyncio.wait_for(other, timeout=2)  # not behind the fifty
        assert done == [20]
        release.set()
        await asyncio.wait_for(asyncio.gather(*flood), timeout=5)
    assert done == [20] + [10] * 50
