"""One queue per chat: everything arrives in the order it was produced, once, and pause means
pause. The engine runs on real Redis; the channel records what a chat received."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core import texts
from bot.core.messages import Incoming, Outgoing
from bot.delivery.drain import Drainer
from bot.delivery.errors import MAX_ATTEMPTS, Transient
from bot.delivery.items import day_items, render, reply_items
from courses.quotes import plain
from storage.crypto import TextCipher
from storage.keys import Keys, chat_member
from storage.models import Channel, Lane, Participant, QueueItem
from storage.store import Store, connect_redis
from tests.journey_kit import START, TEST_KEY, Kit, RecordingChannel

AMS = ZoneInfo("Europe/Amsterdam")
LESSON_TIME = datetime(2026, 11, 26, 7, 0, tzinfo=AMS).astimezone(UTC)


@dataclass
class GatedChannel(RecordingChannel):
    """Records like RecordingChannel, but the `hold_at`-th send waits until released, as a
    send does while Telegram paces a lesson's parts."""

    hold_at: int = 2
    calls: int = 0
    waiting: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, chat_id: str, message: Outgoing, lane: Lane = Lane.REPLY) -> None:
        self.calls += 1
        if self.calls == self.hold_at:
            self.waiting.set()
            await self.release.wait()
        await super().send(chat_id, message, lane)


async def _gated(kit: Kit) -> GatedChannel:
    gated = GatedChannel()
    kit.engine.senders[Channel.CONSOLE] = gated
    kit.channel = gated
    return gated


async def _pid(kit: Kit, chat: str = "1") -> str:
    p = await kit.engine.store.participants.by_chat(Channel.CONSOLE, chat)
    assert p is not None
    return p.id


def _texts(kit: Kit, chat: str = "1") -> list[str]:
    return [m.text for m in kit.channel.to(chat)]


async def test_an_answer_typed_while_a_lesson_arrives_comes_after_the_lessons_last_part(
    kit: Kit,
) -> None:
    await kit.sign_up("1")
    gated = await _gated(kit)
    kit.clock.set(LESSON_TIME)
    lesson = asyncio.create_task(kit.tick())
    await asyncio.wait_for(
        gated.waiting.wait(), 5
    )  # the first part arrived, the second is on its way
    answering = asyncio.create_task(kit.answer("1", "Ik herken dit wel."))
    await asyncio.sleep(0.2)
    assert len(gated.to("1")) == 1  # the acknowledgement did not jump the queue
    gated.release.set()
    await asyncio.wait_for(asyncio.gather(lesson, answering), 5)
    day1 = kit.engine.courses["twijfel"].day(1)
    received = _texts(kit)
    assert received[: len(day1.lesson) + 1] == [*day1.lesson, day1.prompt]
    assert received[-1].startswith(texts.REFLECTION_SAVED.format(day=1))
    assert len(received) == len(day1.lesson) + 2


async def test_after_the_pause_is_confirmed_nothing_of_the_course_arrives_until_resumed(
    kit: Kit,
) -> None:
    await kit.sign_up("1")
    gated = await _gated(kit)
    kit.clock.set(LESSON_TIME)
    lesson = asyncio.create_task(kit.tick())
    await asyncio.wait_for(gated.waiting.wait(), 5)
    pausing = asyncio.create_task(kit.answer("1", "/pauze"))
    await asyncio.sleep(0.2)
    gated.release.set()
    await asyncio.wait_for(asyncio.gather(lesson, pausing), 5)
    day1 = kit.engine.courses["twijfel"].day(1)
    received = _texts(kit)
    # The part that was already on its way arrives before the confirmation; nothing after it.
    assert received == [*day1.lesson[:2], texts.PAUSED]
    await kit.run_until(LESSON_TIME + timedelta(days=2))
    assert _texts(kit)[-1] == texts.PAUSED

    resumed = await kit.answer("1", "/verder")
    assert texts.REST_OF_LESSON in resumed[0].text
    assert [m.text for m in resumed[1:]] == [*day1.lesson[2:], day1.prompt]
    assert await kit.engine.store.queue.held(await _pid(kit)) == 0


async def test_stop_mid_lesson_drops_the_rest_and_nothing_more_arrives(kit: Kit) -> None:
    await kit.sign_up("1")
    gated = await _gated(kit)
    kit.clock.set(LESSON_TIME)
    lesson = asyncio.create_task(kit.tick())
    await asyncio.wait_for(gated.waiting.wait(), 5)
    stopping = asyncio.create_task(kit.answer("1", "/stop"))
    await asyncio.sleep(0.2)
    gated.release.set()
    await asyncio.wait_for(asyncio.gather(lesson, stopping), 5)
    assert _texts(kit)[-1] == texts.STOPPED
    await kit.run_until(LESSON_TIME + timedelta(days=3))
    assert _texts(kit)[-1] == texts.STOPPED
    pid = await _pid(kit)
    assert await kit.engine.store.queue.size(pid) == 0
    assert await kit.engine.store.queue.held(pid) == 0


async def test_a_reply_queued_for_a_participant_survives_a_crash_before_it_was_sent(
    kit: Kit,
) -> None:
    await kit.sign_up("1")
    pid = await _pid(kit)
    before = len(kit.channel.to("1"))
    # A process queued a reply and died before draining: its safety wake-up brings it.
    await kit.engine.store.due.wake(chat_member(pid), kit.clock.now() + timedelta(seconds=15))
    await kit.engine.store.queue.put(pid, reply_items([Outgoing("Dank je wel.")]))
    await kit.tick()
    assert len(kit.channel.to("1")) == before  # not yet: the drain lock might still be held
    kit.clock.advance(timedelta(seconds=16))
    await kit.tick()
    assert _texts(kit)[-1] == "Dank je wel."


# -- the queue itself, below the conversation ---------------------------------------------------


async def _participant(store: Store, chat: str = "1") -> Participant:
    p, _ = await store.participants.get_or_create(Channel.CONSOLE, chat, now=START)
    return p


@dataclass
class _First(RecordingChannel):
    """A channel that does something of the test's first, every time it sends."""

    before: Callable[[], Awaitable[object]] = field(default=lambda: asyncio.sleep(0))

    async def send(self, chat_id: str, message: Outgoing, lane: Lane = Lane.REPLY) -> None:
        await self.before()
        await super().send(chat_id, message, lane)


def _drainer(store: Store, channel: RecordingChannel, courses: Kit) -> Drainer:
    async def gone(_: Participant) -> None:
        return None

    async def rendered(_pid: str, item: QueueItem) -> Outgoing | None:
        return render(item, courses.engine.courses)

    return Drainer(store, courses.clock, {Channel.CONSOLE: channel}, rendered, gone)


async def test_two_processes_draining_one_chat_send_each_message_once_in_order(
    redis_url: str, keys: Keys, kit: Kit
) -> None:
    store = kit.engine.store
    p = await _participant(store)
    await store.queue.put(p.id, reply_items([Outgoing(f"bericht {i}") for i in range(30)]))
    channel = RecordingChannel()
    other = await connect_redis(redis_url)
    try:
        first = _drainer(store, channel, kit)
        second = _drainer(Store(other, keys, TextCipher([TEST_KEY])), channel, kit)
        await asyncio.gather(*(d.drain(p.id) for d in (first, second, first, second)))
    finally:
        await other.aclose()
    assert [m.text for m in channel.to("1")] == [f"bericht {i}" for i in range(30)]
    assert await store.queue.size(p.id) == 0


async def test_items_an_older_release_stored_are_sent_once_and_garbage_is_dropped(
    kit: Kit, caplog: pytest.LogCaptureFixture
) -> None:
    store = kit.engine.store
    p = await _participant(store)
    # The outbox of the release before the queue: a list of items without ids or lanes.
    old = json.dumps({"course_id": "twijfel", "day": 1, "kind": "day", "index": 0})
    await store.redis.rpush(store.keys.legacy_outbox(p.id), old)
    # An item written by a later release, with a field this one does not know.
    later = {"lane": "reply", "kind": "text", "message": {"text": "later"}, "priority": 3}
    await store.queue.put_raw(p.id, json.dumps(later))
    await store.queue.put_raw(p.id, "{not json")
    await store.queue.put_raw(p.id, json.dumps({"kind": "hologram"}))
    channel = RecordingChannel()
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            await _drainer(store, channel, kit).drain(p.id)
    day1 = kit.engine.courses["twijfel"].day(1)
    assert [m.text for m in channel.to("1")] == [day1.lesson[0], "later"]
    assert await store.queue.size(p.id) == 0
    assert sum("form not understood" in r.message for r in caplog.records) == 2


async def test_a_message_that_keeps_failing_is_parked_and_the_rest_goes_on(kit: Kit) -> None:
    store = kit.engine.store
    p = await _participant(store)
    course = kit.engine.courses["twijfel"]
    await store.queue.put(p.id, day_items(course, 1)[:2])
    channel = RecordingChannel(failures={"1": [Transient("502") for _ in range(MAX_ATTEMPTS)]})
    drainer = _drainer(store, channel, kit)
    waits: list[timedelta] = []
    for _ in range(MAX_ATTEMPTS - 1):
        retry = await drainer.drain(p.id)
        assert retry is not None
        assert await drainer.drain(p.id) == retry  # not before its time
        waits.append(retry - kit.clock.now())
        kit.clock.set(retry)
    assert waits == sorted(waits)  # backing off, not retrying every minute forever
    assert waits[-1] <= timedelta(seconds=300)
    assert await drainer.drain(p.id) is None  # the last try fails: parked, the rest is sent
    assert [m.text for m in channel.to("1")] == [course.day(1).lesson[1]]
    [parked] = await store.queue.parked(p.id)
    assert json.loads(parked)["why"]["attempts"] == MAX_ATTEMPTS
    assert plain(course.day(1).lesson[0]) not in parked  # names the message, never spells it out
    assert drainer.stats.parked == 1


async def test_a_drain_that_loses_its_lock_stops_instead_of_looping(kit: Kit) -> None:
    store = kit.engine.store
    p = await _participant(store)
    await store.queue.put(p.id, reply_items([Outgoing("een"), Outgoing("twee")]))

    async def steal() -> None:
        await store.redis.set(store.keys.queue_lock(p.id), "someone else")

    channel = _First(before=steal)
    retry = await _drainer(store, channel, kit).drain(p.id)
    assert retry is not None
    assert [m.text for m in channel.to("1")] == ["een"]  # the new holder sends the rest
    assert await store.queue.size(p.id) == 2


async def test_a_participant_deleted_with_a_queue_leaves_no_key(kit: Kit) -> None:
    await kit.sign_up("1")
    pid = await _pid(kit)
    store = kit.engine.store
    await store.queue.put(pid, day_items(kit.engine.courses["twijfel"], 1))
    await store.queue.hold(pid, "twijfel")
    assert await store.delete_participant(pid)
    left = [k async for k in store.redis.scan_iter(match=f"{store.keys.prefix}:*")]
    assert [k for k in left if pid in str(k)] == [store.keys.erased(pid)]  # for a day
    assert await store.due.due_at(chat_member(pid)) is None
    # The chat is free again: signing up afresh makes a new participant.
    await kit.sign_up("1")
    assert await _pid(kit) != pid


async def test_a_flood_from_one_person_is_kept_whole_and_answered_with_one_request_to_slow_down(
    kit: Kit,
) -> None:
    from bot.conversation.replies import FloodWatch

    moments = iter(float(i) * 0.01 for i in range(10_000))
    kit.engine.conversation.flood = FloodWatch(now=lambda: next(moments))
    await kit.sign_up("1")
    await kit.sign_up("2")
    kit.clock.set(LESSON_TIME)
    await kit.tick()
    before = len(kit.channel.to("1"))
    for i in range(60):
        await kit.engine.conversation.answer(
            Incoming.from_text(Channel.CONSOLE, "1", f"regel {i} van een lange plak")
        )
    answers = [m.text for m in kit.channel.to("1")[before:]]
    assert answers.count(texts.SLOW_DOWN) == 1
    assert len(answers) == FloodWatch.LIMIT + 1  # the first ones answered, then one request
    pid = await _pid(kit)
    [kept] = await kit.engine.store.reflections.all(pid)  # one answer to day 1, grown
    assert kept.text.split("\n\n") == [f"regel {i} van een lange plak" for i in range(60)]
    [other] = await kit.answer("2", "/voortgang")  # someone else is answered as usual
    assert other.text.startswith("“")


async def test_a_pause_takes_the_failing_lessons_backoff_with_it(kit: Kit) -> None:
    """A lesson backing off after failures is taken out by /pauze: its retry time and failure
    count go with it, so what comes next (the confirmation) is not held up by them."""
    store = kit.engine.store
    p = await _participant(store)
    course = kit.engine.courses["twijfel"]
    await store.queue.put(p.id, day_items(course, 1)[:1])
    channel = RecordingChannel(failures={"1": [Transient("502")]})
    drainer = _drainer(store, channel, kit)
    retry = await drainer.drain(p.id)
    assert retry is not None
    assert await store.queue.retry_at(p.id) is not None
    assert await store.queue.hold(p.id, "twijfel") == 1
    assert await store.queue.retry_at(p.id) is None
    await store.queue.put(p.id, reply_items([Outgoing("Je cursus staat op pauze.")]))
    assert await drainer.drain(p.id) is None  # at once, not at the old retry time
    assert [m.text for m in channel.to("1")] == ["Je cursus staat op pauze."]


async def test_a_drainer_that_lost_the_lock_writes_no_failure(kit: Kit) -> None:
    store = kit.engine.store
    p = await _participant(store)
    await store.queue.put(p.id, reply_items([Outgoing("een")]))
    assert await store.queue.acquire(p.id, "mine", 15_000) >= 0
    await store.redis.set(store.keys.queue_lock(p.id), "someone else")
    assert await store.queue.count_failure(p.id, "mine") == -1
    assert not await store.queue.retry_later(p.id, "mine", 2_000_000_000.0)
    assert await store.queue.retry_at(p.id) is None
    assert await store.redis.hget(store.keys.queue_state(p.id), "attempts") is None


async def test_a_chat_whose_channel_this_process_lacks_is_looked_at_again(kit: Kit) -> None:
    """A WhatsApp chat drained by a process without WhatsApp: not forgotten, but looked at
    again a minute on (by a process that has the channel, or this one once it has it)."""
    store = kit.engine.store
    p, _ = await store.participants.get_or_create(Channel.WHATSAPP, "31612345678", now=START)
    await store.queue.put(p.id, reply_items([Outgoing("een")]))
    again = await _drainer(store, RecordingChannel(), kit).drain(p.id)
    assert again is not None
    assert again > kit.clock.now()
    assert await store.queue.size(p.id) == 1


async def test_a_send_slower_than_the_lock_is_not_sent_again_by_another_drainer(
    redis_url: str, keys: Keys, kit: Kit
) -> None:
    """The platform takes longer to answer than the drain lock lasts without progress (WhatsApp
    waits up to 30 s): the lock is kept while the send is under way, so a second drainer that
    comes meanwhile does not take the chat and send the same message again."""
    store = kit.engine.store
    p = await _participant(store)
    await store.queue.put(p.id, reply_items([Outgoing("een"), Outgoing("twee")]))

    channel = _First(before=lambda: asyncio.sleep(1.0))  # three times the lock's life
    other = await connect_redis(redis_url)
    try:
        first = _drainer(store, channel, kit)
        second = _drainer(Store(other, keys, TextCipher([TEST_KEY])), channel, kit)
        first.lock_seconds = second.lock_seconds = 0.3

        async def later() -> None:
            await asyncio.sleep(0.6)
            await second.drain(p.id)

        await asyncio.gather(first.drain(p.id), later())
        await second.drain(p.id)
    finally:
        await other.aclose()
    assert [m.text for m in channel.to("1")] == ["een", "twee"]
