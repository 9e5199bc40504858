"""Every Redis key druppel uses, built in one place.

No other module concatenates a key: they ask `Keys`. All keys live under one configurable prefix,
so several druppel installations (or a test run) can share one server. Keys that one Lua script or
transaction touches together carry the same Redis Cluster hash tag (the part in braces), so the
schema survives a move to Redis Cluster unchanged.

The schema (`P` is the prefix, `<pid>` a participant id, `<course>` a course id):

    key                              type    holds                                  written by
    P:{idx}:chat:<channel>           hash    HMAC of chat id -> participant id      participants.py
    P:{p:<pid>}:participant          hash    Participant fields, and each           profile.py
                                             enrollment's as "<course>:<field>"
    P:{p:<pid>}:reflections          list    [course, day, time, text] JSON, oldest answers.py
    P:{p:<pid>}:checkins             hash    "<course>:<day>" -> score and time JSON answers.py
    P:{p:<pid>}:queue                list    ids of what the chat is owed, in order queue.py
    P:{p:<pid>}:items                hash    id -> QueueItem JSON                   queue.py
    P:{p:<pid>}:held                 list    ids held while a course is paused      queue.py
    P:{p:<pid>}:drain                string  drain lock: the drainer's token (PX)   queue.py
    P:{p:<pid>}:sending              string  id of the item in flight               queue.py
    P:{p:<pid>}:qstate               hash    failures of the head item, retry time  queue.py
    P:{p:<pid>}:pace                 string  the chat's own pace: GCRA time (µs, PX) queue.py
    P:{p:<pid>}:parked               list    items that failed too often, and why   queue.py
    P:{p:<pid>}:outbox               list    an older release's queue (adopted)     queue.py
    P:{sched}:due                    zset    member by next-due epoch               due.py
    P:{sched}:lease                  zset    member by lease expiry                 due.py
    P:{sched}:owner                  hash    member -> token of the worker holding it due.py
    P:{sched}:recheck                zset    chats to look at again first, by epoch due.py
    P:{p:<pid>}:broadcasts           set     broadcast ids already queued for them  broadcasts.py
    P:{p:<pid>}:erased               string  tombstone of an erasure (a day)        erasure.py
    P:{p:<pid>}:threads              hash    thread id -> Thread JSON, sealed       threads.py
    P:{coach}:ids                    hash    open thread id -> participant id       threads.py
    P:{coach}:open                   zset    open thread id by its last message     threads.py
    P:{coach}:answered               zset    seconds to a first answer, by when (30 d) threads.py
    P:{coach}:blank                  list    a coach's chat and message id to blank     erasure.py
    P:coach:<hash>:typing            string  the thread a coach types to (a day)    threads.py
    P:{seg}:<course>:<status>        set     participant ids by course and status   segments.py
    P:{seg}:built                    string  set once the segment index is complete segments.py
    P:roles:trainers                 hash    user id -> who granted it and when     roles.py
    P:staff:<hash>:draft             string  a trainer's broadcast being written    broadcasts.py
    P:staff:<hash>:preview           string  a trainer's course preview in progress broadcasts.py
    P:staff:<hash>:upload            string  a trainer's course file to publish     versions.py
    P:broadcasts                     zset    broadcast id by creation time          broadcasts.py
    P:{bc:<id>}:record               string  Broadcast JSON                         broadcasts.py
    P:{bc:<id>}:todo                 list    participant ids still to be queued     broadcasts.py
    P:{bc:<id>}:stats                hash    sent / failed / blocked counts         broadcasts.py
    P:{bc:<id>}:later                zset    recipients waiting for their own time  broadcasts.py
    P:failures                       list    latest delivery failures, newest first failures.py
    P:{act}:last                     zset    participant id by their last message   activity.py
    P:{act}:told                     zset    participant id by when told of erasure activity.py
    P:ops:incidents                  set     problems operators were alerted about  ops_state.py
    P:ops:digest                     string  when the next daily digest is due      ops_state.py
    P:ops:retention                  string  when answers were last trimmed         ops_state.py
    P:{courses}:newest               hash    course -> newest published version     versions.py
    P:{courses}:<course>:versions    hash    version -> published course JSON       versions.py
    P:{courses}:<course>:moves       hash    version -> version to migrate to       versions.py
    P:clock:anchor                   string  sped-up clock anchor (ISO time)        app/wiring.py
    P:crypto:canary                  hash    key id -> a constant sealed under it   canary.py
    P:{rate:<channel>}:all           string  GCRA arrival time (ms), short-lived    ratelimit.py
    P:{rate:<channel>}:bulk          string  the same for unsolicited sends only     ratelimit.py
    P:{rate:<channel>}:chat:<hash>   string  the same for one chat sent to directly ratelimit.py
    P:{rate:<channel>}:pause         string  epoch ms until which nobody sends      ratelimit.py
    P:{stats}:total                  hash    counter name -> count since the start  counters.py
    P:{stats}:h:<YYYYMMDDHH>         hash    counter name -> count in that UTC hour counters.py
    P:workers                        hash    worker id -> last heartbeat JSON       workers.py
    P:{wa}:ready                     zset    chat hash by when its inbox may be taken whatsapp.py
    P:{wa}:inbox:<hash>              list    one chat's inbound events, in order    whatsapp.py
    P:{wa}:owners                    hash    chat hash -> token of the worker on it whatsapp.py
    P:{wa}:seen:<hash>               string  an inbound id already queued (8 days)  whatsapp.py
    P:{wa}:window:<hash>             string  end of the 24-hour window (course ms)  whatsapp.py
    P:{wa}:invited:<hash>            string  a template invitation stands (PX)      whatsapp.py
    P:{wa}:msg:<hash>                hash    status -> when, of one sent message    whatsapp.py
    P:{wa}:sent:<hash>               zset    one chat's sent message hashes by time whatsapp.py

Read but no longer written, from an older release: `P:{p:<pid>}:participant` as a Participant
JSON string, `P:{p:<pid>}:enrollments` (set of course ids) and `P:{p:<pid>}:enrollment:<course>`
(Enrollment JSON), which the first change rewrites into the hash (see profile.py), and
`P:{idx}:participants` (set of every participant id), which deleting a participant still empties.

The chat indexes and that older set share `{idx}`, so one script links a chat and tidies the set.
Per-participant keys share the tag `{p:<pid>}`: deleting or exporting a participant touches one
slot (the tombstone an erasure leaves there is checked by the writers of that slot in the same
step), and an enrollment advances and its lesson enters the chat's queue in one transaction, so a
crash never loses a lesson that was counted as sent. The due index, its lease set, the lease
owners and the rechecks share `{sched}` because one Lua script moves members between them. A
due member is an enrollment (`<pid>/<course>`: a lesson or nudge may be owed) or a chat
(`<pid>`: its queue needs draining, e.g. after a failure or a crash); a channel's rate keys
share `{rate:<channel>}` because one script takes slots of the whole bot's and the bulk lane's
budget together (with a chat sent to directly, outside any queue, that chat's own). A
participant's chat keeps its own pace in their slot (`pace`): the queue step that hands out the
next item takes the chat's turn in the same script.
WhatsApp's inbound keys share `{wa}` because one script dedupes an event, queues it and opens
the chat's window at once; `<hash>` there is a keyed hash (HMAC) of a phone number or of a
message id (which may hold a phone number), so neither ever appears in a key name. A course's
published versions share `{courses}` with the index of the newest, so publishing checks and
writes both in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.keyparts import key, key_of, key_of_two
from storage.keyparts import part as _part


@dataclass(frozen=True, slots=True)
class Keys:
    """The key builder: one method per key in the schema above, each declared as the schema
    writes it (see keyparts.py): `keys.queue(pid)` is `P:{p:<pid>}:queue`."""

    prefix: str = "druppel"

    def __post_init__(self) -> None:
        _part(self.prefix, "prefix")

    # -- participants -------------------------------------------------------------------------
    #: Where an older release kept every participant id; deleting one still empties it.
    participants = key("{idx}:participants")
    chat_index = key_of("{idx}:chat:<channel>")
    participant = key_of("{p:<participant id>}:participant")
    #: An older release's set of a participant's courses, and Enrollment JSON for one course
    #: (see profile.py).
    enrollments = key_of("{p:<participant id>}:enrollments")
    enrollment = key_of_two("{p:<participant id>}:enrollment:<course id>")
    reflections = key_of("{p:<participant id>}:reflections")
    checkins = key_of("{p:<participant id>}:checkins")
    queue = key_of("{p:<participant id>}:queue")
    queue_items = key_of("{p:<participant id>}:items")
    queue_held = key_of("{p:<participant id>}:held")
    queue_lock = key_of("{p:<participant id>}:drain")
    queue_sending = key_of("{p:<participant id>}:sending")
    queue_state = key_of("{p:<participant id>}:qstate")
    #: The chat's own pace (one message a second after a burst), kept by the queue step that
    #: hands out its next item.
    queue_pace = key_of("{p:<participant id>}:pace")
    queue_parked = key_of("{p:<participant id>}:parked")
    #: Where an older release kept a chat's owed messages; adopted by the queue.
    legacy_outbox = key_of("{p:<participant id>}:outbox")
    received_broadcasts = key_of("{p:<participant id>}:broadcasts")
    #: A tombstone: this participant was erased; writers check it so nothing comes back.
    erased = key_of("{p:<participant id>}:erased")
    activity = key("{act}:last")
    retention_told = key("{act}:told")

    # -- segments, roles, broadcasts ------------------------------------------------------------
    segment = key_of_two("{seg}:<course id>:<status>")
    segments_built = key("{seg}:built")
    trainers = key("roles:trainers")
    staff_draft = key_of("staff:<user>:draft")
    ops_incidents = key("ops:incidents")
    ops_digest = key("ops:digest")
    ops_retention = key("ops:retention")
    failures = key("failures")
    staff_preview = key_of("staff:<user>:preview")
    broadcasts = key("broadcasts")
    broadcast = key_of("{bc:<broadcast id>}:record")
    broadcast_todo = key_of("{bc:<broadcast id>}:todo")
    broadcast_later = key_of("{bc:<broadcast id>}:later")
    broadcast_stats = key_of("{bc:<broadcast id>}:stats")

    def participant_keys(self, pid: str, course_ids: list[str]) -> list[str]:
        """Every key that holds something of one participant (all in their hash slot)."""
        return [
            self.participant(pid), self.enrollments(pid), self.reflections(pid),
            self.checkins(pid), self.queue(pid), self.queue_items(pid), self.queue_held(pid),
            self.queue_lock(pid), self.queue_sending(pid), self.queue_state(pid),
            self.queue_pace(pid), self.queue_parked(pid), self.legacy_outbox(pid),
            self.received_broadcasts(pid), self.threads(pid),
            *(self.enrollment(pid, c) for c in course_ids),
        ]  # fmt: skip

    #: The participant's hash slot, that every key of theirs begins with.
    _slot = key_of("{p:<participant id>}")

    def participant_pattern(self, pid: str) -> str:
        """A SCAN pattern for every key of one participant (tests and audits use it)."""
        return f"{self._slot(pid)}:*".replace("{", "\\{").replace("}", "\\}")

    # -- coaches' threads ----------------------------------------------------------------------
    threads = key_of("{p:<participant id>}:threads")
    thread_ids = key("{coach}:ids")
    threads_open = key("{coach}:open")
    coach_answered = key("{coach}:answered")
    coach_blanks = key("{coach}:blank")
    coach_typing = key_of("coach:<user>:typing")

    # -- scheduling ---------------------------------------------------------------------------
    due = key("{sched}:due")
    lease = key("{sched}:lease")
    lease_owner = key("{sched}:owner")
    recheck = key("{sched}:recheck")
    rate_overall = key_of("{rate:<channel>}:all")
    rate_bulk = key_of("{rate:<channel>}:bulk")
    rate_pause = key_of("{rate:<channel>}:pause")
    rate_chat = key_of_two("{rate:<channel>}:chat:<chat>")

    # -- published courses (no personal data) ---------------------------------------------------
    course_newest = key("{courses}:newest")
    course_versions = key_of("{courses}:<course id>:versions")
    course_moves = key_of("{courses}:<course id>:moves")
    staff_upload = key_of("staff:<user>:upload")
    clock_anchor = key("clock:anchor")
    #: Proof of each sealing key, checked at start-up (canary.py).
    key_canary = key("crypto:canary")

    # -- operations ---------------------------------------------------------------------------
    stats_total = key("{stats}:total")
    #: One UTC hour's counts; the hour is `YYYYMMDDHH`.
    stats_hour = key_of("{stats}:h:<hour>")
    workers = key("workers")

    # -- WhatsApp: inbound events, their dedupe, the 24-hour window, statuses of sent messages;
    # a chat or a message is named by a keyed hash, never by a number --------------------------
    wa_ready = key("{wa}:ready")
    wa_inbox = key_of("{wa}:inbox:<chat>")
    wa_owners = key("{wa}:owners")
    wa_seen = key_of("{wa}:seen:<message>")
    wa_window = key_of("{wa}:window:<chat>")
    wa_invited = key_of("{wa}:invited:<chat>")
    wa_message = key_of("{wa}:msg:<message>")
    wa_sent = key_of("{wa}:sent:<chat>")

    def everything(self) -> str:
        """A SCAN pattern for every key under this prefix."""
        return f"{self.prefix}:*"


def enrollment_member(pid: str, course_id: str) -> str:
    """The due index names an enrollment as `<pid>/<course>`."""
    return f"{_part(pid, 'participant id')}/{_part(course_id, 'course id')}"


def chat_member(pid: str) -> str:
    """The due index names a chat whose queue needs draining by its participant id alone."""
    return _part(pid, "participant id")


def parse_member(member: str) -> tuple[str, str | None]:
    """(participant id, course id) for an enrollment; (participant id, None) for a chat."""
    pid, sep, course_id = member.partition("/")
    if not sep:
        return _part(pid, "participant id"), None
    return _part(pid, "participant id"), _part(course_id, "course id")


def parse_enrollment_member(member: str) -> tuple[str, str]:
    pid, course_id = parse_member(member)
    if course_id is None:
        raise ValueError(f"not an enrollment member: {member!r}")
    return pid, course_id
