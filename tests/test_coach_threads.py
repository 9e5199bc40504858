"""Threads between a participant and the coaches, as kept: the participant's own, sealed, found
by a short id while open, closed after a week without a message, and gone with them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.models import Channel
from storage.store import Store
from storage.threads import IDLE_SECONDS, Status, ThreadMessage, Who

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
QUESTION = "Mijn vriend wil samenwonen en ik krijg er buikpijn van"


def _said(text: str, at: datetime = NOW, who: Who = Who.PARTICIPANT) -> ThreadMessage:
    return ThreadMessage(who=who, at=at, text=text, by="42" if who is Who.COACH else None)


async def _participant(store: Store) -> str:
    made, _ = await store.participants.get_or_create(
        Channel.CONSOLE, "7", now=NOW, first_name="Sanne"
    )
    return made.id


async def test_a_question_waits_until_a_coach_answers_and_the_first_to_answer_owns_it(
    store: Store,
) -> None:
    pid = await _participant(store)
    thread = await store.threads.open(pid, NOW, "twijfel", 2)
    assert len(thread.id) == 5
    asked = await store.threads.add(pid, thread.id, _said(QUESTION))
    assert asked is not None
    assert asked.waiting_since == NOW
    assert asked.owner is None
    later = NOW + timedelta(hours=2)
    answered = await store.threads.add(
        pid, thread.id, _said("Wat fijn dat je het vraagt.", later, Who.COACH), owner="42"
    )
    assert answered is not None
    assert (answered.owner, answered.waiting_since, answered.first_answer_at) == ("42", None, later)
    again = await store.threads.add(pid, thread.id, _said("Ik ook.", later, Who.COACH), owner="43")
    assert again is not None
    assert again.owner == "42"
    found = await store.threads.find(thread.id)
    assert found is not None
    assert next(m.text for m in found.messages) == QUESTION
    assert [t.id for t in await store.threads.open_threads()] == [thread.id]


async def test_a_closed_thread_takes_no_more_messages_and_leaves_the_coaches_indexes(
    store: Store,
) -> None:
    pid = await _participant(store)
    thread = await store.threads.open(pid, NOW)
    closed = await store.threads.close(pid, thread.id, "participant")
    assert closed is not None
    assert closed.status is Status.CLOSED
    assert await store.threads.close(pid, thread.id, "participant") is None
    assert await store.threads.add(pid, thread.id, _said(QUESTION)) is None
    assert await store.threads.find(thread.id) is None
    assert await store.threads.open_threads() == []
    assert await store.threads.current(pid) is None
    [kept] = await store.threads.all(pid)
    assert kept.closed_by == "participant"


async def test_a_week_without_a_message_makes_a_thread_idle(store: Store) -> None:
    pid = await _participant(store)
    thread = await store.threads.open(pid, NOW)
    await store.threads.add(pid, thread.id, _said(QUESTION, NOW + timedelta(days=1)))
    week = timedelta(seconds=IDLE_SECONDS)
    assert await store.threads.idle(NOW + week) == []
    [idle] = await store.threads.idle(NOW + timedelta(days=1) + week)
    assert idle.id == thread.id


async def test_no_thread_text_category_or_id_is_in_the_clear_in_redis(store: Store) -> None:
    pid = await _participant(store)
    thread = await store.threads.open(pid, NOW)
    await store.threads.update(
        pid, thread.id, lambda t: t.model_copy(update={"urgent": True, "category": "suicide"})
    )
    await store.threads.add(pid, thread.id, _said(QUESTION))
    dump = ""
    async for key in store.redis.scan_iter(match=store.keys.everything()):
        kind = await store.redis.type(key)
        if kind == "hash":
            dump += repr(await store.redis.hgetall(key))
        elif kind == "string":
            dump += repr(await store.redis.get(key))
        elif kind == "zset":
            dump += repr(await store.redis.zrange(key, 0, -1))
    for word in ("buikpijn", "samenwonen", "suicide", "urgent"):
        assert word not in dump


async def test_erasing_a_participant_takes_their_threads_from_everywhere(store: Store) -> None:
    pid = await _participant(store)
    thread = await store.threads.open(pid, NOW)
    await store.threads.add(pid, thread.id, _said(QUESTION))
    await store.delete_participant(pid)
    assert await store.threads.all(pid) == []
    assert await store.threads.find(thread.id) is None
    assert await store.threads.open_threads() == []
    assert await store.redis.zcard(store.keys.threads_open()) == 0
    assert await store.redis.hlen(store.keys.thread_ids()) == 0
