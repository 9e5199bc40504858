"""Every key family of storage/keys.py, what of a person it can hold, and how erasing a
participant reaches it: the one list to look at when asking "is everything of them gone?".

A family is a method of `Keys`. A test fails when `Keys` gains a method that is not listed here,
so a new family cannot be added without deciding how it is erased; another checks that every
family erased with the participant's slot is among `Keys.participant_keys`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Erased(StrEnum):
    """How an erasure (storage/erasure.py) reaches a family."""

    SLOT = "deleted with every key in the participant's slot, with the tombstone set"
    TOMBSTONE = "set by the erasure itself; lapses after a day and names only the random id"
    MEMBER = "the participant's id is taken out of it (every course, every broadcast)"
    ENTRIES = "its entries that name the participant are removed"
    CHAT = "unlinked through participants.unregister"
    CHANNEL = "deleted by the channel's chat eraser (WhatsAppRepo.forget), by the chat's hash"
    LAPSES = "holds only a hash of a chat or message id with a time, and lapses by itself"
    NOBODY = "holds nothing of a participant (staff, counts, schedule of jobs, settings)"


@dataclass(frozen=True)
class Family:
    holds: str
    erased: Erased


FAMILIES: dict[str, Family] = {
    # -- the participant's own slot ---------------------------------------------------------------
    "participant": Family("name, chat id or phone number, settings, enrollments", Erased.SLOT),
    "enrollments": Family("an older release's course list", Erased.SLOT),
    "enrollment": Family("an older release's enrollment record", Erased.SLOT),
    "reflections": Family("their answers", Erased.SLOT),
    "checkins": Family("their check-in scores", Erased.SLOT),
    "queue": Family("ids of what is owed to them", Erased.SLOT),
    "queue_items": Family("what is owed to them (replies spelled out)", Erased.SLOT),
    "queue_held": Family("what a pause held back", Erased.SLOT),
    "queue_lock": Family("the drainer's token", Erased.SLOT),
    "queue_sending": Family("the item in flight", Erased.SLOT),
    "queue_state": Family("failures of the head item", Erased.SLOT),
    "queue_pace": Family("when the chat may next be sent to", Erased.SLOT),
    "queue_parked": Family("items that failed too often, and why", Erased.SLOT),
    "legacy_outbox": Family("an older release's queue", Erased.SLOT),
    "received_broadcasts": Family("which broadcasts reached them", Erased.SLOT),
    "threads": Family("their conversations with a coach", Erased.SLOT),
    "erased": Family("the tombstone: their id, for a day", Erased.TOMBSTONE),
    # -- shared structures that name them by id -----------------------------------------------
    "participants": Family("an older release's set of every id", Erased.CHAT),
    "chat_index": Family("chat id -> their id", Erased.CHAT),
    "segment": Family("their id, by course and status", Erased.MEMBER),
    "due": Family("their id (a chat or an enrollment) by due time", Erased.MEMBER),
    "lease": Family("the same, while a worker holds it", Erased.MEMBER),
    "lease_owner": Family("the same -> the worker's token", Erased.MEMBER),
    "recheck": Family("their id, to look at again", Erased.MEMBER),
    "broadcast_todo": Family("ids still to receive a broadcast", Erased.MEMBER),
    "broadcast_later": Family("ids waiting for their own time", Erased.MEMBER),
    "activity": Family("their id by their last message", Erased.MEMBER),
    "retention_told": Family("their id by when they were told of erasure", Erased.MEMBER),
    "failures": Family("delivery failures, by their id", Erased.ENTRIES),
    "thread_ids": Family("their open threads' ids -> their id", Erased.ENTRIES),
    "threads_open": Family("their open threads' ids by time", Erased.ENTRIES),
    "coach_typing": Family("a thread id a coach answers (a day)", Erased.LAPSES),
    # -- WhatsApp, by a keyed hash of the phone number -----------------------------------------
    "wa_inbox": Family("their waiting messages: text, number, profile name", Erased.CHANNEL),
    "wa_invited": Family("a standing template invitation", Erased.CHANNEL),
    "wa_ready": Family("the chat's hash, while its inbox waits", Erased.CHANNEL),
    "wa_owners": Family("the chat's hash -> a worker, while one holds it", Erased.LAPSES),
    "wa_window": Family("when the 24-hour window closes (at most a day)", Erased.LAPSES),
    # Kept on purpose: without it a message the platform delivers again could re-create them.
    "wa_seen": Family("a hash of an inbound message id (8 days)", Erased.LAPSES),
    "wa_message": Family("a hash of a sent message id -> statuses (30 days)", Erased.CHANNEL),
    "wa_sent": Family("the chat's sent message ids, hashed (30 days)", Erased.CHANNEL),
    "rate_chat": Family("a hash of a chat id -> its pace (seconds)", Erased.LAPSES),
    # -- nothing of a participant -------------------------------------------------------------
    "broadcasts": Family("broadcast ids", Erased.NOBODY),
    "coach_answered": Family("how long first answers took, with no thread's id", Erased.NOBODY),
    "coach_blanks": Family("a coach's chat and message id, to blank", Erased.NOBODY),
    "broadcast": Family("a trainer's broadcast", Erased.NOBODY),
    "broadcast_stats": Family("counts", Erased.NOBODY),
    "segments_built": Family("a flag", Erased.NOBODY),
    "trainers": Family("staff ids", Erased.NOBODY),
    "staff_draft": Family("a trainer's draft", Erased.NOBODY),
    "staff_preview": Family("a trainer's preview", Erased.NOBODY),
    "ops_incidents": Family("names of problems", Erased.NOBODY),
    "ops_digest": Family("a time", Erased.NOBODY),
    "ops_retention": Family("a time", Erased.NOBODY),
    "clock_anchor": Family("a time", Erased.NOBODY),
    "course_newest": Family("version numbers", Erased.NOBODY),
    "course_versions": Family("published courses, who published them", Erased.NOBODY),
    "course_moves": Family("version numbers", Erased.NOBODY),
    "staff_upload": Family("a course file a trainer sent", Erased.NOBODY),
    "key_canary": Family("a constant sealed under each key", Erased.NOBODY),
    "rate_overall": Family("a time", Erased.NOBODY),
    "rate_bulk": Family("a time", Erased.NOBODY),
    "rate_pause": Family("a time", Erased.NOBODY),
    "stats_total": Family("counts", Erased.NOBODY),
    "stats_hour": Family("counts", Erased.NOBODY),
    "workers": Family("worker heartbeats", Erased.NOBODY),
}

#: Methods of `Keys` that build no key of their own.
HELPERS = frozenset({"participant_keys", "participant_pattern", "everything"})
