"""Every Redis key druppel uses, built in one place.

No other module concatenates a key: they ask `Keys`. All keys live under one configurable prefix,
so several druppel installations (or a test run) can share one server. Keys that one Lua script or
transaction touches together carry the same Redis Cluster hash tag (the part in braces), so the
schema survives a move to Redis Cluster unchanged.

The schema (`P` is the prefix, `<pid>` a participant id, `<course>` a course id):

    key                              type    holds                                  written by
    P:participants                   set     every participant id                   participants.py
    P:chat:<channel>                 hash    chat id -> participant id              participants.py
    P:{p:<pid>}:participant          string  Participant JSON                       participants.py
    P:{p:<pid>}:enrollments          set     course ids the participant enrolled in enrollments.py
    P:{p:<pid>}:enrollment:<course>  string  Enrollment JSON                        enrollments.py
    P:{p:<pid>}:reflections          list    ReflectionEntry JSON, oldest first     answers.py
    P:{p:<pid>}:checkins             hash    "<course>:<day>" -> CheckIn JSON       answers.py
    P:{p:<pid>}:outbox               list    OutboxItem JSON, oldest first          outbox.py
    P:{sched}:due                    zset    "<pid>/<course>" by next-due epoch     due.py
    P:{sched}:lease                  zset    "<pid>/<course>" by lease expiry       due.py
    P:clock:anchor                   string  sped-up clock anchor (ISO time)        bot/wiring.py
    P:{rate:<channel>}:all           string  GCRA arrival time (ms), short-lived    ratelimit.py
    P:{rate:<channel>}:chat:<hash>   string  the same for one chat (hashed id)      ratelimit.py

Per-participant keys share the tag `{p:<pid>}`: deleting or exporting a participant touches one
slot, and an enrollment advances and its lesson enters the outbox in one transaction, so a crash
never loses a lesson that was counted as sent. The due index and its lease set share `{sched}`
because one Lua script moves members between them; a channel's rate keys share `{rate:<channel>}`
because one script checks the overall and the per-chat limit together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SAFE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def _part(value: str, what: str) -> str:
    """Refuse key parts that could break out of their place in the schema."""
    if not _SAFE.fullmatch(value) or "{" in value or "}" in value:
        raise ValueError(f"invalid {what} for a Redis key: {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class Keys:
    """The key builder: one method per key in the schema above."""

    prefix: str = "druppel"

    def __post_init__(self) -> None:
        _part(self.prefix, "prefix")

    # -- participants -------------------------------------------------------------------------
    def participants(self) -> str:
        return f"{self.prefix}:participants"

    def chat_index(self, channel: str) -> str:
        return f"{self.prefix}:chat:{_part(channel, 'channel')}"

    def _p(self, pid: str) -> str:
        return f"{self.prefix}:{{p:{_part(pid, 'participant id')}}}"

    def participant(self, pid: str) -> str:
        return f"{self._p(pid)}:participant"

    def enrollments(self, pid: str) -> str:
        return f"{self._p(pid)}:enrollments"

    def enrollment(self, pid: str, course_id: str) -> str:
        return f"{self._p(pid)}:enrollment:{_part(course_id, 'course id')}"

    def reflections(self, pid: str) -> str:
        return f"{self._p(pid)}:reflections"

    def checkins(self, pid: str) -> str:
        return f"{self._p(pid)}:checkins"

    def outbox(self, pid: str) -> str:
        return f"{self._p(pid)}:outbox"

    def participant_pattern(self, pid: str) -> str:
        """A SCAN pattern for every key of one participant (tests and audits use it)."""
        return f"{self._p(pid)}:*".replace("{", "\\{").replace("}", "\\}")

    # -- scheduling ---------------------------------------------------------------------------
    def due(self) -> str:
        return f"{self.prefix}:{{sched}}:due"

    def lease(self) -> str:
        return f"{self.prefix}:{{sched}}:lease"

    def rate_overall(self, channel: str) -> str:
        return f"{self.prefix}:{{rate:{_part(channel, 'channel')}}}:all"

    def rate_chat(self, channel: str, chat_hash: str) -> str:
        return f"{self.prefix}:{{rate:{_part(channel, 'channel')}}}:chat:{_part(chat_hash, 'chat')}"

    def clock_anchor(self) -> str:
        return f"{self.prefix}:clock:anchor"

    def everything(self) -> str:
        """A SCAN pattern for every key under this prefix."""
        return f"{self.prefix}:*"


def enrollment_member(pid: str, course_id: str) -> str:
    """The due index names an enrollment as `<pid>/<course>`."""
    return f"{_part(pid, 'participant id')}/{_part(course_id, 'course id')}"


def parse_enrollment_member(member: str) -> tuple[str, str]:
    pid, sep, course_id = member.partition("/")
    if not sep:
        raise ValueError(f"not an enrollment member: {member!r}")
    return _part(pid, "participant id"), _part(course_id, "course id")
