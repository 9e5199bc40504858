"""One participant's hash: their record and their enrollments, in one key.

`P:{p:<pid>}:participant` is a hash. The participant's own attributes are fields by their name
(`channel`, `chat_id`, `delivery_time`...), and each enrollment's are fields named
`<course>:<attribute>` (`twijfel:next_due`); see storage/fields.py for how values are written.
One key per participant instead of three (the record, the set of courses, one record per course)
saves Redis most of what a participant costs, and keeps everything of theirs in one slot.

Records written by an older release are read as they are: a participant kept as a JSON string
under the same key, the set `P:{p:<pid>}:enrollments` of their courses, and each enrollment as
a JSON string under `P:{p:<pid>}:enrollment:<course>`. The first change to any of it rewrites the
participant and what changed in this form, in the same transaction, and removes the old keys it
replaced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.exceptions import ResponseError

from storage.crypto import TextCipher
from storage.errors import Erased
from storage.fields import FieldCodec
from storage.keys import Keys
from storage.models import Enrollment, Participant
from storage.records import text

PARTICIPANT = FieldCodec(
    Participant,
    implied={
        "first_name": None,
        "language": "nl",
        "timezone": "Europe/Amsterdam",
        "delivery_time": "08:00:00",
        "step": None,
        "pending_course": None,
        "privacy_told": False,
        "answer_day": None,
        "answer_after": None,
    },
    derived=("id",),
    sealed=("chat_id", "first_name"),  # who they are: only ever stored sealed
)

ENROLLMENT = FieldCodec(
    Enrollment,
    implied={
        "status": "active",
        "current_day": 1,
        "last_delivered_day": 0,
        "last_delivered_at": None,
        "next_due": None,
        "nudge_due": None,
        "nudged_day": 0,
        "reflected_day": 0,
        "ended_at": None,
        "end_reason": None,
        "followup_due": None,
        "followup_sent_at": None,
        "care_check": False,
        "course_version": 1,
        "pace": None,
        "pace_offered": False,
        "heard_day": 0,
    },
    derived=("participant_id", "course_id"),
)

#: Between an enrollment's course id and the name of its attribute, in a field's name.
SEP = ":"


def participant_fields(
    participant: Participant, cipher: TextCipher, before: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The participant's fields as stored, the personal ones sealed (kept as `before` holds
    them when they did not change)."""
    return PARTICIPANT.dump(participant, cipher, before)


def enrollment_fields(enrollment: Enrollment, cipher: TextCipher) -> dict[str, str]:
    course = enrollment.course_id
    return {f"{course}{SEP}{name}": v for name, v in ENROLLMENT.dump(enrollment, cipher).items()}


def _wrong_type(exc: ResponseError) -> bool:
    return str(exc).startswith("WRONGTYPE")


@dataclass
class Stored:
    """What one participant's keys hold, as read (under WATCH when about to change it)."""

    pid: str
    #: What opens the sealed fields.
    cipher: TextCipher
    #: The hash's fields, as stored (empty when there is no hash, or the key is a JSON string).
    fields: dict[str, str] = field(default_factory=dict)
    #: The participant record as an older release stored it (a JSON string), if it is one.
    legacy_participant: str | None = None
    #: An older release's enrollment records by course (JSON strings) not yet rewritten.
    legacy_enrollments: dict[str, str] = field(default_factory=dict)
    #: The courses in an older release's set of enrollments.
    legacy_courses: set[str] = field(default_factory=set)
    #: Nothing is stored and an erasure's tombstone stands: writing would bring them back.
    erased: bool = False

    @property
    def legacy_key(self) -> bool:
        """The participant's key is an older release's JSON string, not the hash."""
        return self.legacy_participant is not None

    def participant(self) -> Participant | None:
        if self.legacy_participant is not None:
            return Participant.model_validate_json(self.legacy_participant)
        own = {k: v for k, v in self.fields.items() if SEP not in k}
        return PARTICIPANT.load(own, self.cipher, id=self.pid) if own else None

    def courses(self) -> set[str]:
        """Every course the participant has an enrollment in, in either form."""
        found = {k.partition(SEP)[0] for k in self.fields if SEP in k}
        return found | set(self.legacy_enrollments)

    def enrollment_fields(self, course_id: str) -> dict[str, str]:
        prefix = f"{course_id}{SEP}"
        return {k[len(prefix) :]: v for k, v in self.fields.items() if k.startswith(prefix)}

    def enrollment(self, course_id: str) -> Enrollment | None:
        own = self.enrollment_fields(course_id)
        if own:
            return ENROLLMENT.load(own, self.cipher, participant_id=self.pid, course_id=course_id)
        raw = self.legacy_enrollments.get(course_id)
        return None if raw is None else Enrollment.model_validate_json(raw)

    def enrollments(self) -> list[Enrollment]:
        found = [self.enrollment(c) for c in sorted(self.courses())]
        return [e for e in found if e is not None]


class Profiles:
    """Reads and writes of participants' hashes, for the participant and enrollment repos."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, cipher: TextCipher) -> None:
        self._redis = redis
        self._keys = keys
        self._cipher = cipher

    def key(self, pid: str) -> str:
        return self._keys.participant(pid)

    # -- reading, without watching ------------------------------------------------------------
    async def participant(self, pid: str) -> Participant | None:
        return (await self._read(pid, courses=())).participant()

    async def enrollment(self, pid: str, course_id: str) -> Enrollment | None:
        return (await self._read(pid, courses=(course_id,))).enrollment(course_id)

    async def read(self, pid: str, course_id: str) -> Stored:
        """The participant and one enrollment of theirs, as stored, in one read."""
        return await self._read(pid, courses=(course_id,))

    async def everything(self, pid: str) -> Stored:
        """The participant and every enrollment of theirs."""
        return await self._read(pid, courses=None)

    async def _read(self, pid: str, courses: Iterable[str] | None) -> Stored:
        """One command for what the current form holds, more only for older records: those
        are read with the hash again, in one round trip, so what is read is of one moment.
        `courses` None: every course (the older release's set says which)."""
        key = self.key(pid)
        wanted = None if courses is None else list(courses)
        # The hash alone, where it holds every course asked for: nearly always, and always for
        # the participant alone (no pipeline for one command: a drain reads one per chat).
        if wanted is not None:
            try:
                fields = {text(k): text(v) for k, v in (await self._redis.hgetall(key)).items()}
            except ResponseError as exc:
                if not _wrong_type(exc):
                    raise
            else:
                stored = Stored(pid, self._cipher, fields)
                if set(wanted) <= stored.courses():
                    return stored
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(key)
            if wanted is None:
                pipe.smembers(self._keys.enrollments(pid))
            else:
                for course_id in wanted:
                    pipe.get(self._keys.enrollment(pid, course_id))
            replies = await pipe.execute(raise_on_error=False)
        stored = Stored(pid, self._cipher)
        head, rest = replies[0], replies[1:]
        if isinstance(head, ResponseError):
            if not _wrong_type(head):
                raise head
            raw = await self._redis.get(key)
            stored.legacy_participant = None if raw is None else text(raw)
        elif isinstance(head, Exception):
            raise head
        else:
            stored.fields = {text(k): text(v) for k, v in head.items()}
        for reply in rest:
            if isinstance(reply, Exception):
                raise reply
        if wanted is None:
            stored.legacy_courses = {text(c) for c in rest[0]}
            wanted = sorted(stored.legacy_courses - stored.courses())
            keys = [self._keys.enrollment(pid, c) for c in wanted]
            rest = list(await self._redis.mget(keys)) if keys else []
        held = stored.courses()
        for course_id, raw in zip(wanted, rest, strict=True):
            if raw is not None and course_id not in held:
                stored.legacy_enrollments[course_id] = text(raw)
        return stored

    # -- reading under WATCH, before a change ---------------------------------------------------
    async def watch(self, pipe: Pipeline, pid: str, courses: Iterable[str] | None) -> Stored:
        """Watch and read the participant's hash and the older records of `courses` (None:
        all of them) that the hash does not hold yet."""
        key = self.key(pid)
        await pipe.watch(key)
        stored = Stored(pid, self._cipher)
        try:
            stored.fields = {text(k): text(v) for k, v in (await pipe.hgetall(key)).items()}
        except ResponseError as exc:
            if not _wrong_type(exc):
                raise
            raw = await pipe.get(key)
            stored.legacy_participant = None if raw is None else text(raw)
        if not stored.fields and stored.legacy_participant is None:
            # Only an empty record costs this look: was it just erased?
            tombstone = self._keys.erased(pid)
            await pipe.watch(tombstone)
            stored.erased = text(await pipe.type(tombstone)) != "none"
        if courses is None:
            index = self._keys.enrollments(pid)
            await pipe.watch(index)
            stored.legacy_courses = {text(c) for c in await pipe.smembers(index)}
            courses = stored.legacy_courses
        held = stored.courses()
        older = sorted(set(courses) - held)
        if older:
            old_keys = [self._keys.enrollment(pid, c) for c in older]
            await pipe.watch(*old_keys)
            for course_id, old_key in zip(older, old_keys, strict=True):
                raw = await pipe.get(old_key)
                if raw is not None:
                    stored.legacy_enrollments[course_id] = text(raw)
        return stored

    # -- writing, inside the caller's MULTI -----------------------------------------------------
    def write(
        self,
        pipe: Pipeline,
        before: Stored,
        participant: Participant | None = None,
        enrollments: Iterable[Enrollment] = (),
    ) -> None:
        """Queue the writes that store `participant` and `enrollments` over what `before` read.

        An older release's JSON participant becomes the hash first (kept as it was unless
        `participant` replaces it); an enrollment written here replaces its older record.
        """
        if before.erased:
            raise Erased(f"participant {before.pid} was erased; nothing of theirs is written")
        key = self.key(before.pid)
        new: dict[str, str] = {}
        gone: list[str] = []
        if before.legacy_key:
            pipe.delete(key)
            kept = participant or before.participant()
            if kept is not None:
                new.update(participant_fields(kept, self._cipher))
        elif participant is not None:
            fields = participant_fields(participant, self._cipher, before.fields)
            new.update(fields)
            gone += [k for k in before.fields if k in PARTICIPANT.names and k not in fields]
        for enrollment in enrollments:
            course_id = enrollment.course_id
            fields = enrollment_fields(enrollment, self._cipher)
            new.update(fields)
            prefix = f"{course_id}{SEP}"
            gone += [
                k
                for k in before.fields
                if k.startswith(prefix) and k[len(prefix) :] in ENROLLMENT.names and k not in fields
            ]
            if course_id in before.legacy_enrollments:
                pipe.delete(self._keys.enrollment(before.pid, course_id))
            if course_id in before.legacy_enrollments or course_id in before.legacy_courses:
                pipe.srem(self._keys.enrollments(before.pid), course_id)
        if gone and not before.legacy_key:
            pipe.hdel(key, *gone)
        changed = _changed(before.fields, new, before.legacy_key)
        if changed:
            pipe.hset(key, mapping={k: v for k, v in changed.items()})


def _changed(stored: Mapping[str, str], new: Mapping[str, str], rewrite: bool) -> dict[str, str]:
    """Only the fields whose value differs (all of them when the key is written afresh)."""
    if rewrite:
        return dict(new)
    return {k: v for k, v in new.items() if stored.get(k) != v}
