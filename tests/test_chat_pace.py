"""A chat's own pace (about one message a second after a short burst), kept by its queue: the
step that hands out the next item takes the chat's turn, and a lesson held back by it gives
its turn to other chats while a reply waits a moment."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from bot.core.messages import Outgoing
from bot.delivery.items import reply_items
from scheduler.ratelimit import Rate, at_budget
from storage.models import Channel, Lane, QueueItem, StoredMessage
from storage.queue import Step
from storage.store import Store
from tests.journey_kit import Kit, RecordingChannel

TOKEN = "drainer"
TTL_MS = 15_000


def _lesson(parts: int) -> list[QueueItem]:
    """Parts of a lesson as the queue holds them (spelled out here, for the test's sake)."""
    return [
        QueueItem(kind="text", lane=Lane.LESSON, message=StoredMessage(text=f"deel {i}"))
        for i in range(parts)
    ]


async def test_a_chat_gets_its_burst_from_its_queue_then_its_next_item_waits_an_interval(
    store: Store,
) -> None:
    pace = Rate(1, 3)
    await store.queue.put("p1", _lesson(5))
    taken = await store.queue.take("p1", TOKEN, TTL_MS, first=True, pace=_pace(pace))
    assert taken.first is not None
    assert taken.first.step is Step.ITEM
    sent = taken.first.id
    for _ in range(2):
        step = await store.queue.next("p1", TOKEN, TTL_MS, sent, _pace(pace))
        assert step.step is Step.ITEM
        sent = step.id
    held = await store.queue.next("p1", TOKEN, TTL_MS, sent, _pace(pace))
    assert held.step is Step.PACED
    assert 0.8 < held.wait <= 1.0
    assert await store.queue.size("p1") == 2  # the third was removed; the fourth waits
    await store.queue.put("p2", _lesson(1))  # another chat has its own pace
    other = await store.queue.take("p2", TOKEN, TTL_MS, first=True, pace=_pace(pace))
    assert other.first is not None
    assert other.first.step is Step.ITEM


async def test_a_turn_spent_late_moves_the_chats_next_turn(store: Store) -> None:
    pace = Rate(1, 1)
    await store.queue.put("p1", _lesson(2))
    taken = await store.queue.take("p1", TOKEN, TTL_MS, first=True, pace=_pace(pace))
    assert taken.first is not None
    # The first part waited 0.6 s for the bot's budget after its turn: the chat's next turn
    # is a second after it went, not after its turn was taken.
    held = await store.queue.next("p1", TOKEN, TTL_MS, taken.first.id, _pace(pace), late=0.6)
    assert held.step is Step.PACED
    assert 1.4 < held.wait <= 1.6


@dataclass
class PacedChannel(RecordingChannel):
    """A channel that leaves its chats' pace to their queues, as Telegram's does."""

    chat_pace: Rate | None = field(default_factory=lambda: Rate(10, 2))
    at: list[float] = field(default_factory=list)

    async def send_queued(self, chat_id: str, message: Outgoing, lane: Lane) -> float:
        self.at.append(time.monotonic())
        await self.send(chat_id, message, lane)
        return 0.0


async def _signed_up(kit: Kit, channel: PacedChannel) -> str:
    """Someone signed up on the console, reached through `channel`; their id."""
    kit.engine.senders[Channel.CONSOLE] = channel
    kit.channel = channel
    await kit.sign_up("1")
    participant = await kit.engine.store.participants.by_chat(Channel.CONSOLE, "1")
    assert participant is not None
    return participant.id


async def test_a_lesson_goes_out_at_its_chats_pace_and_a_reply_waits_its_turn_inline(
    kit: Kit,
) -> None:
    channel = PacedChannel()
    pid = await _signed_up(kit, channel)
    before = len(channel.at)
    await kit.engine.store.queue.put(pid, _lesson(5))
    started = time.monotonic()
    while len(channel.at) < before + 5 and time.monotonic() - started < 5:
        await kit.engine.deliveries.drain(pid)  # a lesson held back gives its turn: again
        await asyncio.sleep(0.01)
    at = channel.at[before:]
    assert len(at) == 5
    # Two at once, then one every tenth of a second: no three within an interval.
    assert all(later - earlier >= 0.08 for earlier, later in zip(at, at[2:], strict=False)), at
    await kit.engine.store.queue.put(pid, reply_items([Outgoing("een"), Outgoing("twee")]))
    await kit.engine.store.queue.put(pid, reply_items([Outgoing("drie")]))
    await kit.engine.deliveries.drain(pid)  # once: replies wait for their chat's turn inline
    assert [m.text for m in channel.to("1")[-3:]] == ["een", "twee", "drie"]


@dataclass
class CrowdedChannel(PacedChannel):
    """A channel at the bot's limit: every message waited for the shared budget."""

    chat_pace: Rate | None = None

    async def send(self, chat_id: str, message: Outgoing, lane: Lane = Lane.REPLY) -> None:
        at_budget.set(True)
        self.at.append(time.monotonic())
        await super().send(chat_id, message, lane)


async def test_at_the_limit_a_lesson_gives_its_turn_after_its_first_part_and_then_goes_on(
    kit: Kit,
) -> None:
    lesson = [
        QueueItem(kind="text", index=i, message=StoredMessage(text=f"deel {i}")) for i in range(4)
    ]
    channel = CrowdedChannel()
    pid = await _signed_up(kit, channel)
    before = len(channel.at)
    await kit.engine.store.queue.put(pid, lesson)
    await kit.engine.deliveries.drain(pid)  # the first part, then the other chats' turn
    assert [m.text for m in channel.to("1")[-1:]] == ["deel 0"]
    assert len(channel.at) == before + 1
    await kit.engine.deliveries.drain(pid)  # its turn back: the rest of the lesson at once
    assert [m.text for m in channel.to("1")[-3:]] == ["deel 1", "deel 2", "deel 3"]
    assert len(channel.at) == before + 4


def _pace(rate: Rate) -> tuple[int, int]:
    return rate.interval_us, rate.tolerance_us
