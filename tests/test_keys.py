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


#: Every key of the schema as it is written today, with the name each of its parts is refused
#: under: data already in Redis is found only under these exact names.
NAMES = [
    ("participants", (), (), "P:{idx}:participants"),
    ("chat_index", ("telegram",), ("channel",), "P:{idx}:chat:telegram"),
    ("participant", ("p1",), ("participant id",), "P:{p:p1}:participant"),
    ("enrollments", ("p1",), ("participant id",), "P:{p:p1}:enrollments"),
    (
        "enrollment",
        ("p1", "twijfel"),
        ("participant id", "course id"),
        "P:{p:p1}:enrollment:twijfel",
    ),
    ("reflections", ("p1",), ("participant id",), "P:{p:p1}:reflections"),
    ("checkins", ("p1",), ("participant id",), "P:{p:p1}:checkins"),
    ("queue", ("p1",), ("participant id",), "P:{p:p1}:queue"),
    ("queue_items", ("p1",), ("participant id",), "P:{p:p1}:items"),
    ("queue_held", ("p1",), ("participant id",), "P:{p:p1}:held"),
    ("queue_lock", ("p1",), ("participant id",), "P:{p:p1}:drain"),
    ("queue_sending", ("p1",), ("participant id",), "P:{p:p1}:sending"),
    ("queue_state", ("p1",), ("participant id",), "P:{p:p1}:qstate"),
    ("queue_pace", ("p1",), ("participant id",), "P:{p:p1}:pace"),
    ("queue_parked", ("p1",), ("participant id",), "P:{p:p1}:parked"),
    ("legacy_outbox", ("p1",), ("participant id",), "P:{p:p1}:outbox"),
    ("received_broadcasts", ("p1",), ("participant id",), "P:{p:p1}:broadcasts"),
    ("erased", ("p1",), ("participant id",), "P:{p:p1}:erased"),
    ("activity", (), (), "P:{act}:last"),
    ("retention_told", (), (), "P:{act}:told"),
    ("segment", ("twijfel", "active"), ("course id", "status"), "P:{seg}:twijfel:active"),
    ("segments_built", (), (), "P:{seg}:built"),
    ("trainers", (), (), "P:roles:trainers"),
    ("staff_draft", ("u9",), ("user",), "P:staff:u9:draft"),
    ("ops_incidents", (), (), "P:ops:incidents"),
    ("ops_digest", (), (), "P:ops:digest"),
    ("ops_retention", (), (), "P:ops:retention"),
    ("failures", (), (), "P:failures"),
    ("staff_preview", ("u9",), ("user",), "P:staff:u9:preview"),
    ("broadcasts", (), (), "P:broadcasts"),
    ("broadcast", ("b7",), ("broadcast id",), "P:{bc:b7}:record"),
    ("broadcast_todo", ("b7",), ("broadcast id",), "P:{bc:b7}:todo"),
    ("broadcast_later", ("b7",), ("broadcast id",), "P:{bc:b7}:later"),
    ("broadcast_stats", ("b7",), ("broadcast id",), "P:{bc:b7}:stats"),
    ("threads", ("p1",), ("participant id",), "P:{p:p1}:threads"),
    ("thread_ids", (), (), "P:{coach}:ids"),
    ("threads_open", (), (), "P:{coach}:open"),
    ("coach_answered", (), (), "P:{coach}:answered"),
    ("coach_blanks", (), (), "P:{coach}:blank"),
    ("coach_typing", ("u9",), ("user",), "P:coach:u9:typing"),
    ("due", (), (), "P:{sched}:due"),
    ("lease", (), (), "P:{sched}:lease"),
    ("lease_owner", (), (), "P:{sched}:owner"),
    ("recheck", (), (), "P:{sched}:recheck"),
    ("rate_overall", ("telegram",), ("channel",), "P:{rate:telegram}:all"),
    ("rate_bulk", ("telegram",), ("channel",), "P:{rate:telegram}:bulk"),
    ("rate_pause", ("telegram",), ("channel",), "P:{rate:telegram}:pause"),
    ("rate_chat", ("telegram", "c3"), ("channel", "chat"), "P:{rate:telegram}:chat:c3"),
    ("course_newest", (), (), "P:{courses}:newest"),
    ("course_versions", ("twijfel",), ("course id",), "P:{courses}:twijfel:versions"),
    ("course_moves", ("twijfel",), ("course id",), "P:{courses}:twijfel:moves"),
    ("staff_upload", ("u9",), ("user",), "P:staff:u9:upload"),
    ("clock_anchor", (), (), "P:clock:anchor"),
    ("key_canary", (), (), "P:crypto:canary"),
    ("stats_total", (), (), "P:{stats}:total"),
    ("stats_hour", ("2026120618",), ("hour",), "P:{stats}:h:2026120618"),
    ("workers", (), (), "P:workers"),
    ("wa_ready", (), (), "P:{wa}:ready"),
    ("wa_inbox", ("c3",), ("chat",), "P:{wa}:inbox:c3"),
    ("wa_owners", (), (), "P:{wa}:owners"),
    ("wa_seen", ("m5",), ("message",), "P:{wa}:seen:m5"),
    ("wa_window", ("c3",), ("chat",), "P:{wa}:window:c3"),
    ("wa_invited", ("c3",), ("chat",), "P:{wa}:invited:c3"),
    ("wa_message", ("m5",), ("message",), "P:{wa}:msg:m5"),
    ("wa_sent", ("c3",), ("chat",), "P:{wa}:sent:c3"),
]


@pytest.mark.parametrize(("method", "args", "parts", "name"), NAMES, ids=[n[0] for n in NAMES])
def test_every_key_keeps_its_name_and_checks_each_part(
    method: str, args: tuple[str, ...], parts: tuple[str, ...], name: str
) -> None:
    build = getattr(Keys("P"), method)
    assert build(*args) == name
    for at, what in enumerate(parts):
        bad = list(args)
        bad[at] = "a b"
        with pytest.raises(ValueError, match=f"^invalid {what} for a Redis key"):
            build(*bad)


def test_the_patterns_and_the_keys_of_one_participant() -> None:
    keys = Keys("P")
    assert keys.everything() == "P:*"
    assert keys.participant_pattern("p1") == "P:\\{p:p1\\}:*"
    assert keys.participant_keys("p1", ["twijfel"]) == [
        f"P:{{p:p1}}:{tail}"
        for tail in (
            "participant", "enrollments", "reflections", "checkins", "queue", "items", "held",
            "drain", "sending", "qstate", "pace", "parked", "outbox", "broadcasts", "threads",
            "enrollment:twijfel",
        )
    ]  # fmt: skip
