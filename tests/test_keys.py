"""The key schema: one prefix, cluster hash tags where scripts need them, no injected parts."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.keys import Keys, enrollment_member, parse_enrollment_member

ids = st.from_regex(r"[A-Za-z0-9_.-]{1,40}", fullmatch=True)


def _hash_tag(key: str) -> str:
    match = re.search(r"\{([^}]*)\}", key)
    assert match, key
    return match.group(1)


@given(prefix=st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True), pid=ids)
def test_every_participant_key_shares_one_hash_tag_under_the_prefix(prefix: str, pid: str) -> None:
    keys = Keys(prefix)
    built = [
        keys.participant(pid),
        keys.enrollments(pid),
        keys.enrollment(pid, "twijfel"),
        keys.reflections(pid),
        keys.checkins(pid),
    ]
    assert all(k.startswith(f"{prefix}:") for k in built)
    assert {_hash_tag(k) for k in built} == {f"p:{pid}"}
    assert len(set(built)) == len(built)


def test_due_index_and_lease_share_a_slot() -> None:
    keys = Keys("druppel")
    assert _hash_tag(keys.due()) == _hash_tag(keys.lease()) == "sched"


@pytest.mark.parametrize("bad", ["", "a b", "x}y", "{p}", "a*", "ä", "x" * 65])
def test_unsafe_key_parts_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid"):
        Keys("druppel").participant(bad)


@given(pid=ids, course=st.sampled_from(["twijfel", "partner", "a1_b-c"]))
def test_enrollment_member_round_trips(pid: str, course: str) -> None:
    assert parse_enrollment_member(enrollment_member(pid, course)) == (pid, course)
