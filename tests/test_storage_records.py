"""Every record survives a trip through Redis unchanged, and concurrent changes are not lost."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

import pytest
import redis.asyncio as aioredis
from pydantic import ValidationError
from redis.asyncio.client import Pipeline

from storage.enrollments import Read
from storage.keys import Keys
from storage.models import (
    MAX_REFLECTION_CHARS,
    Channel,
    CheckIn,
    Enrollment,
    EnrollmentStatus,
    Participant,
    QueueItem,
    ReflectionEntry,
)
from storage.records import text
from storage.store import Store

NOW = datetime(2026, 3, 29, 6, 30, tzinfo=UTC)


async def _participant(store: Store, chat_id: str = "1001", **fields: object) -> Participant:
    participant, created = await store.participants.get_or_create(
        Channel.TELEGRAM, chat_id, now=NOW, **fields
    )
    assert created
    return participant


async def test_participant_round_trip(store: Store) -> None:
    made = await _participant(
        store, first_name="Sanne", timezone="America/New_York", delivery_time=time(7, 45)
    )
    assert await store.participants.get(made.id) == made
    assert await store.participants.by_chat(Channel.TELEGRAM, "1001") == made
    assert made.language == "nl"
    assert made.created_at == NOW


async def test_same_chat_is_the_same_participant_even_when_requests_race(store: Store) -> None:
    results = await asyncio.gather(
        *(store.participants.get_or_create(Channel.TELEGRAM, "77", now=NOW) for _ in range(20))
    )
    assert len({p.id for p, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert await store.participants.count() == 1


async def test_same_chat_id_on_another_channel_is_another_person(store: Store) -> None:
    telegram, _ = await store.participants.get_or_create(Channel.TELEGRAM, "31612345678", now=NOW)
    whatsapp, _ = await store.participants.get_or_create(Channel.WHATSAPP, "31612345678", now=NOW)
    assert telegram.id != whatsapp.id


async def test_participant_update_changes_only_what_was_asked(store: Store) -> None:
    made = await _participant(store)

    def move_to_tokyo(p: Participant) -> Participant:
        p.timezone = "Asia/Tokyo"
        return p

    updated = await store.participants.update(made.id, move_to_tokyo)
    assert updated is not None
    assert (await store.participants.get(made.id)) == made.model_copy(
        update={"timezone": "Asia/Tokyo"}
    )
    assert await store.participants.update("nobody", move_to_tokyo) is None


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown time zone"):
        Participant(
            id="abc", channel=Channel.TELEGRAM, chat_id="1", timezone="Mars/Olympus",
            created_at=NOW,
        )  # fmt: skip


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        CheckIn(course_id="twijfel", day=2, score=3, at=datetime(2026, 1, 1, 8, 0))


async def test_enrollment_round_trip(store: Store) -> None:
    p = await _participant(store)
    enrollment = Enrollment(
        participant_id=p.id,
        course_id="twijfel",
        status=EnrollmentStatus.PAUSED,
        current_day=4,
        last_delivered_day=3,
        last_delivered_at=NOW,
        next_due=NOW + timedelta(days=1),
        nudged_day=2,
        reflected_day=3,
        started_at=NOW - timedelta(days=3),
    )
    await store.enrollments.save(enrollment)
    assert await store.enrollments.get(p.id, "twijfel") == enrollment
    assert await store.enrollments.for_participant(p.id) == [enrollment]
    assert await store.enrollments.get(p.id, "partner") is None


async def test_concurrent_enrollment_updates_are_all_kept(store: Store) -> None:
    p = await _participant(store)
    await store.enrollments.save(Enrollment(participant_id=p.id, course_id="twijfel",
                                            started_at=NOW))  # fmt: skip

    def advance(e: Enrollment) -> Enrollment:
        e.current_day += 1
        return e

    await asyncio.gather(*(store.enrollments.update(p.id, "twijfel", advance) for _ in range(30)))
    stored = await store.enrollments.get(p.id, "twijfel")
    assert stored is not None
    assert stored.current_day == 31


def _lesson_once(day: int) -> Callable[[Enrollment], Enrollment | None]:
    """Deliver `day` once: a change that declines when someone else already did."""

    def advance(e: Enrollment) -> Enrollment | None:
        if e.current_day != day:
            return None
        e.current_day += 1
        return e

    return advance


async def _deliver_day_one(store: Store, pid: str, read: Read) -> Enrollment | None:
    """Day 1 once, with its two messages queued in the same step, checked against `read`."""

    def queue(pipe: Pipeline, _before: Enrollment, _after: Enrollment) -> None:
        store.queue.queue(pipe, pid, [QueueItem(kind="day", day=1, index=i) for i in range(2)])

    return await store.enrollments.update(pid, "twijfel", _lesson_once(1), queue, read)


async def _enrolled(store: Store) -> str:
    p = await _participant(store)
    await store.enrollments.save(Enrollment(participant_id=p.id, course_id="twijfel",
                                            started_at=NOW))  # fmt: skip
    return p.id


async def test_a_change_checked_against_what_was_read_writes_it_with_its_items(
    store: Store,
) -> None:
    pid = await _enrolled(store)
    after = await _deliver_day_one(
        store, pid, await store.enrollments.with_participant(pid, "twijfel")
    )
    assert after is not None
    assert after.current_day == 2
    assert await store.enrollments.get(pid, "twijfel") == after
    assert [i.index for i in await store.queue.items(pid)] == [0, 1]


async def test_a_change_read_before_another_is_decided_on_what_is_stored_now(
    store: Store,
) -> None:
    pid = await _enrolled(store)
    stale = await store.enrollments.with_participant(pid, "twijfel")
    await store.enrollments.update(pid, "twijfel", _lesson_once(1))  # another worker was first
    after = await _deliver_day_one(store, pid, stale)
    assert after is not None
    assert after.current_day == 2  # delivered once, not twice
    assert await store.queue.items(pid) == []


async def test_a_lesson_written_as_read_takes_its_chat_lock_and_first_message_in_that_step(
    store: Store,
) -> None:
    pid = await _enrolled(store)
    read = await store.enrollments.with_participant(pid, "twijfel")

    def queue(pipe: Pipeline, _before: Enrollment, _after: Enrollment) -> None:
        store.queue.queue(pipe, pid, [QueueItem(kind="day", day=1, index=i) for i in range(2)])

    asked = store.queue.taking(pid, "worker-a", 15_000, NOW.timestamp(), first=True)
    after = await store.enrollments.update(pid, "twijfel", _lesson_once(1), queue, read, asked)
    assert after is not None
    assert after.current_day == 2
    assert asked.reply is not None  # asked in the lesson's own write, not after it
    taken = await store.queue.asked(asked)
    assert taken.first is not None
    assert taken.first.raw is not None
    assert QueueItem.model_validate_json(taken.first.raw).index == 0
    # The lock is the lesson's writer's: another drainer is told to wait.
    assert (await store.queue.take(pid, "worker-b", 15_000)).held_for > 0


async def test_a_lesson_read_before_another_takes_no_lock_in_its_write(store: Store) -> None:
    pid = await _enrolled(store)
    stale = await store.enrollments.with_participant(pid, "twijfel")
    await store.enrollments.update(pid, "twijfel", _lesson_once(1))  # another worker was first
    asked = store.queue.taking(pid, "worker-a", 15_000, NOW.timestamp(), first=True)
    await store.enrollments.update(pid, "twijfel", _lesson_once(1), None, stale, asked)
    assert asked.reply is None  # not run: the write was decided again under WATCH
    assert (await store.queue.take(pid, "worker-b", 15_000)).held_for == 0  # free
    assert await store.queue.items(pid) == []


async def test_a_change_that_returns_none_writes_nothing(store: Store) -> None:
    p = await _participant(store)
    original = Enrollment(participant_id=p.id, course_id="twijfel", started_at=NOW)
    await store.enrollments.save(original)
    assert await store.enrollments.update(p.id, "twijfel", lambda e: None) == original


async def test_a_second_message_to_a_day_grows_its_answer_instead_of_piling_up(
    store: Store, redis_client: aioredis.Redis, keys: Keys
) -> None:
    p = await _participant(store)
    first = ReflectionEntry(course_id="twijfel", day=1, text="Ik merk dat ik <b>wegloop</b>.",
                            at=NOW)  # fmt: skip
    other_day = ReflectionEntry(course_id="twijfel", day=2, text="Dag twee.", at=NOW)
    second = ReflectionEntry(
        course_id="twijfel", day=1, text="En nog iets: 😊", at=NOW + timedelta(hours=1)
    )
    followup = ReflectionEntry(course_id="twijfel", day=1, text="Later.", at=NOW, followup=True)
    assert [await store.reflections.add(p.id, e) for e in (first, other_day, second, followup)] == [
        False, False, True, False
    ]  # fmt: skip
    grown = first.model_copy(update={"text": "Ik merk dat ik <b>wegloop</b>.\n\nEn nog iets: 😊"})
    assert await store.reflections.all(p.id) == [grown, other_day, followup]
    assert await store.reflections.count(p.id) == 3
    raw = await redis_client.lindex(keys.reflections(p.id), 0)
    assert raw is not None
    assert "wegloop" not in text(raw)  # still sealed

    # Grown past the longest answer kept, it starts anew beside it: no word is lost.
    long = "x" * (MAX_REFLECTION_CHARS - 5)
    assert not await store.reflections.add(p.id, other_day.model_copy(update={"text": long}))
    assert not await store.reflections.add(p.id, other_day.model_copy(update={"text": "kort"}))
    texts_of_day_two = [e.text for e in await store.reflections.for_day(p.id, "twijfel", 2)]
    assert texts_of_day_two == ["Dag twee.", long, "kort"]


async def test_checkin_round_trip_and_a_second_tap_replaces_the_first(store: Store) -> None:
    p = await _participant(store)
    await store.checkins.record(p.id, CheckIn(course_id="twijfel", day=2, score=2, at=NOW))
    again = CheckIn(course_id="twijfel", day=2, score=5, at=NOW + timedelta(minutes=1))
    await store.checkins.record(p.id, again)
    day3 = CheckIn(course_id="twijfel", day=3, score=1, at=NOW)
    await store.checkins.record(p.id, day3)
    assert await store.checkins.get(p.id, "twijfel", 2) == again
    assert await store.checkins.all(p.id) == [again, day3]


@pytest.mark.parametrize("score", [0, 6])
def test_checkin_score_outside_one_to_five_is_refused(score: int) -> None:
    with pytest.raises(ValidationError):
        CheckIn(course_id="twijfel", day=2, score=score, at=NOW)


async def test_a_participant_mid_sign_up_round_trips(store: Store) -> None:
    made = await _participant(store)

    def mid_sign_up(p: Participant) -> Participant:
        p.step, p.pending_course = "zone", "partner"
        return p

    await store.participants.update(made.id, mid_sign_up)
    stored = await store.participants.get(made.id)
    assert stored is not None
    assert (stored.step, stored.pending_course) == ("zone", "partner")


def test_queue_item_kind_is_checked() -> None:
    with pytest.raises(ValidationError):
        QueueItem(course_id="twijfel", day=1, kind="spam")


async def test_a_delete_cut_short_leaves_a_chat_that_signs_up_afresh(store: Store) -> None:
    made = await _participant(store)
    # A delete that died after removing the records, before unlinking the chat:
    await store.redis.delete(*store.keys.participant_keys(made.id, []))
    assert await store.participants.by_chat(made.channel, made.chat_id) is None
    again, created = await store.participants.get_or_create(made.channel, made.chat_id, now=NOW)
    assert created
    assert again.id != made.id
    assert await store.participants.by_chat(made.channel, made.chat_id) == again
    assert await store.participants.count() == 1  # the old one is no longer counted


async def test_starting_a_course_ends_the_running_one_in_the_same_step(store: Store) -> None:
    p = await _participant(store)
    old = Enrollment(participant_id=p.id, course_id="partner", started_at=NOW, next_due=NOW)
    await store.enrollments.save(old)
    new = Enrollment(participant_id=p.id, course_id="twijfel", started_at=NOW, next_due=NOW)

    def end(e: Enrollment) -> Enrollment:
        e.status = EnrollmentStatus.STOPPED
        return e

    [ended] = await store.enrollments.start(new, end)
    assert ended.course_id == "partner"
    statuses = {e.course_id: e.status for e in await store.enrollments.for_participant(p.id)}
    assert statuses == {"partner": EnrollmentStatus.STOPPED, "twijfel": EnrollmentStatus.ACTIVE}
