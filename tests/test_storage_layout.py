"""How participants are kept: one small hash each, and what an older release stored still reads.

An older release kept a participant as a JSON string, their courses in a set and each enrollment
as a JSON string of its own, counted everyone in a set, and kept reflections and check-ins as
JSON objects. All of it must read as before, change correctly, and be erased completely.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import redis.asyncio as aioredis
from hypothesis import given
from hypothesis import strategies as st

from storage.crypto import TextCipher
from storage.keys import Keys
from storage.models import (
    Channel,
    CheckIn,
    Enrollment,
    EnrollmentStatus,
    Participant,
    ReflectionEntry,
)
from storage.profile import ENROLLMENT, PARTICIPANT
from storage.store import Store
from tests.journey_kit import TEST_KEY, journey_kit

NOW = datetime(2026, 3, 29, 6, 30, 12, 345678, tzinfo=UTC)
SMALL = ("listpack", "ziplist")  # Redis 7 and 6 names for a hash packed into one allocation

#: The participant's own fields are sealed with it.
CIPHER = TextCipher([TEST_KEY])


async def _keys_of(redis: aioredis.Redis, keys: Keys, pid: str) -> list[str]:
    return sorted([k async for k in redis.scan_iter(match=keys.participant_pattern(pid))])


async def test_a_sign_up_is_one_small_hash(
    redis_url: str, keys: Keys, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    async with journey_kit(redis_url, keys, tmp_path, NOW) as kit:
        await kit.sign_up("1")
        store = kit.engine.store
        p = await store.participants.by_chat(Channel.CONSOLE, "1")
        assert p is not None
        assert await _keys_of(redis_client, keys, p.id) == [keys.participant(p.id)]
        assert await redis_client.object("encoding", keys.participant(p.id)) in SMALL
        stored = await redis_client.hgetall(keys.participant(p.id))
        assert set(stored) == {
            "channel", "chat_id", "first_name", "delivery_time", "created_at",
            "twijfel:next_due", "twijfel:started_at",
        }  # fmt: skip
        assert stored["created_at"] == str(int(NOW.timestamp()) * 1_000_000 + 345678)
        assert stored["twijfel:next_due"].isdigit()  # times are integers, which Redis packs
        assert not await redis_client.exists(keys.participants())
        assert await store.participants.count() == 1
        assert [pid async for pid in store.participants.ids()] == [p.id]
        [enrollment] = await store.enrollments.for_participant(p.id)
        assert enrollment.started_at == NOW


async def test_a_participant_who_went_far_still_fits_a_small_hash(
    store: Store, redis_client: aioredis.Redis, keys: Keys
) -> None:
    p, _ = await store.participants.get_or_create(
        Channel.WHATSAPP, "31612345678", now=NOW, first_name="Anne-Marijke", timezone="Asia/Tokyo"
    )
    for course, status in (("twijfel", EnrollmentStatus.COMPLETED), ("partner", "stopped")):
        await store.enrollments.save(
            Enrollment(
                participant_id=p.id, course_id=course, status=status, current_day=11,
                last_delivered_day=10, last_delivered_at=NOW, nudge_due=NOW, nudged_day=9,
                reflected_day=10, started_at=NOW, ended_at=NOW, end_reason="restarted",
                followup_due=NOW, followup_sent_at=NOW,
            )
        )  # fmt: skip
    for day in range(1, 11):
        await store.checkins.record(p.id, CheckIn(course_id="twijfel", day=day, score=5, at=NOW))
    assert await redis_client.object("encoding", keys.participant(p.id)) in SMALL
    assert await redis_client.object("encoding", keys.checkins(p.id)) in SMALL
    assert len(await store.enrollments.for_participant(p.id)) == 2
    assert len(await store.checkins.all(p.id)) == 10


async def _older_release(redis: aioredis.Redis, keys: Keys) -> tuple[Participant, list[Enrollment]]:
    """A participant with two courses (one stopped, one running), as an older release kept
    them, counted in its set of every participant."""
    p = Participant(
        id="0a1b2c3d4e5f6789", channel=Channel.TELEGRAM, chat_id="4242", first_name="Sanne",
        delivery_time=time(7, 30), created_at=NOW, privacy_told=True,
    )  # fmt: skip
    stopped = Enrollment(
        participant_id=p.id, course_id="partner", status=EnrollmentStatus.STOPPED,
        current_day=3, last_delivered_day=2, started_at=NOW - timedelta(days=9),
        ended_at=NOW - timedelta(days=7), end_reason="restarted",
    )  # fmt: skip
    running = Enrollment(
        participant_id=p.id, course_id="twijfel", current_day=4, last_delivered_day=3,
        last_delivered_at=NOW, next_due=NOW + timedelta(days=1), reflected_day=3,
        started_at=NOW - timedelta(days=7),
    )  # fmt: skip
    await redis.set(keys.participant(p.id), p.model_dump_json())
    for e in (stopped, running):
        await redis.set(keys.enrollment(p.id, e.course_id), e.model_dump_json())
        await redis.sadd(keys.enrollments(p.id), e.course_id)
    await redis.hset(keys.chat_index(Channel.TELEGRAM), p.chat_id, p.id)
    await redis.sadd(keys.participants(), p.id)
    return p, [stopped, running]


async def test_what_an_older_release_stored_reads_as_it_was(
    store: Store, redis_client: aioredis.Redis, keys: Keys
) -> None:
    p, enrollments = await _older_release(redis_client, keys)
    assert await store.participants.get(p.id) == p
    assert await store.participants.by_chat(Channel.TELEGRAM, "4242") == p
    assert await store.enrollments.get(p.id, "twijfel") == enrollments[1]
    assert await store.enrollments.for_participant(p.id) == enrollments
    assert await store.participants.count() == 1
    assert [pid async for pid in store.participants.ids()] == [p.id]


async def test_an_older_enrollment_is_rewritten_when_it_changes(
    store: Store, redis_client: aioredis.Redis, keys: Keys
) -> None:
    p, (stopped, running) = await _older_release(redis_client, keys)

    def advance(e: Enrollment) -> Enrollment:
        e.current_day += 1
        return e

    after = await store.enrollments.update(p.id, "twijfel", advance)
    assert after == running.model_copy(update={"current_day": 5})
    assert await redis_client.type(keys.participant(p.id)) == "hash"
    assert not await redis_client.exists(keys.enrollment(p.id, "twijfel"))
    assert await redis_client.smembers(keys.enrollments(p.id)) == {"partner"}
    # the participant came along unchanged, and the course not touched still reads
    assert await store.participants.get(p.id) == p
    assert await store.enrollments.for_participant(p.id) == [stopped, after]


async def test_an_older_participant_is_rewritten_when_they_change(
    store: Store, redis_client: aioredis.Redis, keys: Keys
) -> None:
    p, enrollments = await _older_release(redis_client, keys)

    def to_tokyo(changed: Participant) -> Participant:
        changed.timezone = "Asia/Tokyo"
        return changed

    assert await store.participants.update(p.id, to_tokyo) == p.model_copy(
        update={"timezone": "Asia/Tokyo"}
    )
    assert await redis_client.type(keys.participant(p.id)) == "hash"
    assert (await store.participants.get(p.id)) == p.model_copy(update={"timezone": "Asia/Tokyo"})
    assert await store.enrollments.for_participant(p.id) == enrollments


async def test_starting_a_course_over_older_records_ends_the_running_one(
    store: Store, redis_client: aioredis.Redis, keys: Keys
) -> None:
    p, _ = await _older_release(redis_client, keys)
    new = Enrollment(participant_id=p.id, course_id="partner", started_at=NOW, next_due=NOW)

    def end(e: Enrollment) -> Enrollment | None:
        if e.status is not EnrollmentStatus.ACTIVE:
            return None
        e.status, e.ended_at, e.next_due = EnrollmentStatus.STOPPED, NOW, None
        return e

    [ended] = await store.enrollments.start(new, end)
    assert ended.course_id == "twijfel"
    assert await store.enrollments.for_participant(p.id) == [ended, new]
    assert await store.participants.get(p.id) == p
    assert await _keys_of(redis_client, keys, p.id) == [keys.participant(p.id)]
    assert await store.enrollments.segments.count("twijfel", EnrollmentStatus.STOPPED) == 1
    assert await store.enrollments.segments.count("partner", EnrollmentStatus.ACTIVE) == 1


async def test_erasing_a_participant_of_an_older_release_leaves_nothing(
    store: Store, redis_client: aioredis.Redis, keys: Keys
) -> None:
    p, _ = await _older_release(redis_client, keys)
    await redis_client.rpush(
        keys.reflections(p.id),
        ReflectionEntry(course_id="twijfel", day=1, text="oud", at=NOW).model_dump_json(),
    )
    assert await store.delete_participant(p.id) is True
    # Only the erasure's tombstone stays, for a day.
    assert [k async for k in redis_client.scan_iter(match=keys.everything())] == [keys.erased(p.id)]
    assert await store.participants.count() == 0


async def test_reflections_of_both_forms_read_and_are_removed_per_course(
    store: Store, redis_client: aioredis.Redis, keys: Keys
) -> None:
    older = ReflectionEntry(course_id="partner", day=2, text='Oud, met "quotes"', at=NOW)
    await redis_client.rpush(keys.reflections("p1"), older.model_dump_json())
    newer = [
        ReflectionEntry(course_id="twijfel", day=1, text="Eén zin.\nNog één 🙂", at=NOW),
        ReflectionEntry(course_id="twijfel", day=9, text="Later", at=NOW, followup=True),
    ]
    for entry in newer:
        await store.reflections.add("p1", entry)
    assert await store.reflections.all("p1") == [older, *newer]
    raw = await redis_client.lindex(keys.reflections("p1"), 1)
    assert raw is not None
    assert json.loads(raw)[:2] == ["twijfel", 1]  # the words themselves are sealed
    assert store.cipher.open(json.loads(raw)[3]) == "Eén zin.\nNog één 🙂"
    assert await store.reflections.remove_course("p1", "partner") == 1
    assert await store.reflections.all("p1") == newer


async def test_checkins_an_older_release_stored_still_read(
    store: Store, redis_client: aioredis.Redis, keys: Keys
) -> None:
    older = CheckIn(course_id="twijfel", day=2, score=4, at=NOW)
    await redis_client.hset(keys.checkins("p1"), "twijfel:2", older.model_dump_json())
    newer = CheckIn(course_id="twijfel", day=3, score=1, at=NOW)
    await store.checkins.record("p1", newer)
    assert await store.checkins.get("p1", "twijfel", 2) == older
    assert await store.checkins.all("p1") == [older, newer]


async def test_a_field_a_later_release_added_survives_a_change(
    store: Store, redis_client: aioredis.Redis, keys: Keys
) -> None:
    p, _ = await store.participants.get_or_create(Channel.TELEGRAM, "7", now=NOW)
    await redis_client.hset(keys.participant(p.id), "pronouns", "zij/haar")

    def later(changed: Participant) -> Participant:
        changed.delivery_time = time(21, 0)
        return changed

    await store.participants.update(p.id, later)
    assert await redis_client.hget(keys.participant(p.id), "pronouns") == "zij/haar"
    assert await store.participants.get(p.id) == p.model_copy(update={"delivery_time": time(21)})


def test_a_missing_field_means_what_it_meant_when_it_was_written() -> None:
    """What an absent field stands for is part of the stored form: a model's default may
    change, the meaning of records already in Redis may not."""
    bare = {"channel": "telegram", "chat_id": "1", "created_at": "0"}
    p = PARTICIPANT.load(bare, CIPHER, id="x")
    assert (p.language, p.timezone, p.delivery_time, p.privacy_told) == (
        "nl", "Europe/Amsterdam", time(8, 0), False,
    )  # fmt: skip
    assert p.first_name is p.step is p.pending_course is None
    e = ENROLLMENT.load({"started_at": "0"}, CIPHER, participant_id="x", course_id="twijfel")
    assert e.status is EnrollmentStatus.ACTIVE
    assert (e.current_day, e.last_delivered_day, e.nudged_day, e.reflected_day) == (1, 0, 0, 0)
    assert e.wake_at() is None


moments = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


@given(
    first_name=st.none() | st.text(max_size=64),
    zone=st.sampled_from(["Europe/Amsterdam", "UTC", "America/New_York"]),
    at=st.times(),
    created=moments,
    step=st.none() | st.sampled_from(["course", "time", ""]),
    told=st.booleans(),
)
def test_a_participant_survives_its_fields(
    first_name: str | None, zone: str, at: time, created: datetime, step: str | None, told: bool
) -> None:
    p = Participant(
        id="abc", channel=Channel.WHATSAPP, chat_id="31600000000", first_name=first_name,
        timezone=zone, delivery_time=at, created_at=created, step=step, privacy_told=told,
    )  # fmt: skip
    assert PARTICIPANT.load(PARTICIPANT.dump(p, CIPHER), CIPHER, id="abc") == p


@given(
    status=st.sampled_from(list(EnrollmentStatus)),
    days=st.tuples(*(st.integers(min_value=0, max_value=40) for _ in range(4))),
    times=st.lists(st.none() | moments, min_size=7, max_size=7),
    reason=st.none() | st.text(max_size=64),
)
def test_an_enrollment_survives_its_fields(
    status: EnrollmentStatus,
    days: tuple[int, int, int, int],
    times: list[datetime | None],
    reason: str | None,
) -> None:
    e = Enrollment(
        participant_id="abc", course_id="twijfel", status=status, current_day=days[0] + 1,
        last_delivered_day=days[1], nudged_day=days[2], reflected_day=days[3],
        last_delivered_at=times[0], next_due=times[1], nudge_due=times[2], ended_at=times[3],
        followup_due=times[4], followup_sent_at=times[5], started_at=times[6] or NOW,
        end_reason=reason,
    )  # fmt: skip
    fields = ENROLLMENT.dump(e, CIPHER)
    assert ENROLLMENT.load(fields, CIPHER, participant_id="abc", course_id="twijfel") == e
