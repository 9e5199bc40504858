"""The due index hands out what is due, earliest first, to one worker at a time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage.keys import enrollment_member
from storage.store import Store

NOW = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


async def test_due_before_lists_only_what_is_due_earliest_first(store: Store) -> None:
    for name, minutes in [("c", 5), ("a", -10), ("d", 60), ("b", -1)]:
        await store.due.schedule(f"{name}/twijfel", NOW + timedelta(minutes=minutes))
    due = await store.due.due_before(NOW)
    assert [c.member for c in due] == ["a/twijfel", "b/twijfel"]
    assert due[0].due_at == NOW - timedelta(minutes=10)
    assert await store.due.size() == 4


async def test_rescheduling_moves_a_member_instead_of_adding_one(store: Store) -> None:
    member = enrollment_member("p1", "twijfel")
    await store.due.schedule(member, NOW)
    await store.due.schedule(member, NOW + timedelta(days=1))
    assert await store.due.size() == 1
    assert await store.due.due_at(member) == NOW + timedelta(days=1)


async def test_claim_moves_due_members_to_the_lease_set(store: Store) -> None:
    for i in range(5):
        await store.due.schedule(f"p{i}/twijfel", NOW - timedelta(seconds=5 - i))
    await store.due.schedule("later/twijfel", NOW + timedelta(hours=1))
    claims = await store.due.claim(NOW, limit=3, lease_seconds=30)
    assert [c.member for c in claims] == ["p0/twijfel", "p1/twijfel", "p2/twijfel"]
    assert await store.due.size() == 3
    assert await store.due.leased() == 3
    rest = await store.due.claim(NOW, limit=10, lease_seconds=30)
    assert [c.member for c in rest] == ["p3/twijfel", "p4/twijfel"]
    assert await store.due.claim(NOW, limit=10, lease_seconds=30) == []


async def test_finish_reschedules_or_drops_a_claim(store: Store) -> None:
    await store.due.schedule("a/twijfel", NOW)
    await store.due.schedule("b/twijfel", NOW)
    await store.due.claim(NOW, limit=10, lease_seconds=30)
    await store.due.finish("a/twijfel", NOW + timedelta(days=1))
    await store.due.finish("b/twijfel", None)
    assert await store.due.leased() == 0
    assert await store.due.due_at("a/twijfel") == NOW + timedelta(days=1)
    assert await store.due.due_at("b/twijfel") is None


async def test_an_expired_lease_comes_back_to_due(store: Store) -> None:
    await store.due.schedule("a/twijfel", NOW)
    [claim] = await store.due.claim(NOW, limit=10, lease_seconds=30)
    assert await store.due.claim(NOW + timedelta(seconds=29), 10, 30) == []
    [again] = await store.due.claim(NOW + timedelta(seconds=31), 10, 30)
    assert again.member == claim.member


async def test_what_a_dead_worker_held_and_rechecks_go_before_the_backlog(store: Store) -> None:
    # A worker claims a chat and dies; meanwhile 50 lessons fell due earlier than anything else.
    await store.due.schedule("dead/twijfel", NOW)
    await store.due.claim(NOW, limit=1, lease_seconds=30, token="dead")
    for i in range(50):
        await store.due.schedule(f"p{i}/twijfel", NOW - timedelta(minutes=1))
    await store.due.recheck("waiting", NOW + timedelta(seconds=10))
    later = NOW + timedelta(seconds=31)
    first = await store.due.claim(later, limit=3, lease_seconds=30, token="new")
    assert [c.member for c in first] == ["dead/twijfel", "waiting", "p0/twijfel"]
    assert await store.due.rechecks() == 0
    # Its finish as the late owner changes nothing; the new owner's does.
    assert not await store.due.finish("dead/twijfel", None, token="dead")
    assert await store.due.finish("dead/twijfel", None, token="new")


async def test_a_recheck_waits_for_its_time(store: Store) -> None:
    await store.due.recheck("chat", NOW + timedelta(seconds=10))
    assert await store.due.claim(NOW + timedelta(seconds=9), 10, 30) == []
    [claim] = await store.due.claim(NOW + timedelta(seconds=10), 10, 30)
    assert claim.member == "chat"


async def test_a_recheck_leaves_a_live_workers_claim_alone(store: Store) -> None:
    await store.due.schedule("chat", NOW)
    await store.due.claim(NOW, limit=1, lease_seconds=30, token="live")
    await store.due.recheck("chat", NOW + timedelta(seconds=1))
    assert await store.due.claim(NOW + timedelta(seconds=2), 10, 30, token="other") == []
    assert await store.due.finish("chat", None, token="live")
    [again] = await store.due.claim(NOW + timedelta(seconds=3), 10, 30, token="other")
    assert again.member == "chat"


async def test_unschedule_drops_a_recheck_too(store: Store) -> None:
    await store.due.recheck("gone", NOW)
    await store.due.unschedule("gone")
    assert await store.due.claim(NOW, 10, 30) == []


async def test_concurrent_claims_never_hand_out_a_member_twice(store: Store) -> None:
    members = [f"p{i}/twijfel" for i in range(300)]
    for i, member in enumerate(members):
        await store.due.schedule(member, NOW - timedelta(seconds=i))
    batches = await asyncio.gather(
        *(store.due.claim(NOW, limit=25, lease_seconds=60) for _ in range(20))
    )
    claimed = [c.member for batch in batches for c in batch]
    assert sorted(claimed) == sorted(members)


async def test_a_reschedule_during_a_claim_overrules_the_worker(store: Store) -> None:
    await store.due.schedule("a/twijfel", NOW)
    await store.due.claim(NOW, limit=10, lease_seconds=30)
    resumed_at = NOW + timedelta(hours=3)
    await store.due.schedule("a/twijfel", resumed_at)  # the participant acted meanwhile
    assert await store.due.finish("a/twijfel", None) is False
    assert await store.due.due_at("a/twijfel") == resumed_at
    assert await store.due.leased() == 0


async def test_unschedule_removes_a_claimed_member_for_good(store: Store) -> None:
    await store.due.schedule("a/twijfel", NOW)
    await store.due.claim(NOW, limit=10, lease_seconds=30)
    await store.due.unschedule("a/twijfel")
    assert await store.due.finish("a/twijfel", NOW + timedelta(days=1)) is False
    assert await store.due.due_at("a/twijfel") is None


async def test_a_wake_up_never_hands_a_held_member_to_a_second_worker(store: Store) -> None:
    """A member one worker holds is woken (a new message for a chat being drained): a second
    worker must not claim it too, or both send; it is looked at again once the lease is gone."""
    member = "chat:p1"
    await store.due.schedule(member, NOW)
    [first] = await store.due.claim(NOW, limit=10, lease_seconds=30, token="A")
    assert first.member == member
    await store.due.wake(member, NOW)
    assert await store.due.claim(NOW, limit=10, lease_seconds=30, token="B") == []
    assert await store.due.finish(member, None, token="A")
    [again] = await store.due.claim(
        NOW + timedelta(seconds=1), limit=10, lease_seconds=30, token="B"
    )
    assert again.member == member


async def test_a_wake_up_during_a_lease_is_kept_when_the_lease_ends(store: Store) -> None:
    member = enrollment_member("p1", "twijfel")
    await store.due.schedule(member, NOW)
    await store.due.claim(NOW, limit=10, lease_seconds=30, token="A")
    await store.due.wake(member, NOW + timedelta(minutes=1))
    assert await store.due.finish(member, NOW + timedelta(days=1), token="A")
    assert await store.due.due_at(member) == NOW + timedelta(minutes=1)
