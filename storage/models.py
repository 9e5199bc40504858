"""The records druppel keeps, as pydantic models: what goes into Redis comes out the same."""

from __future__ import annotations

from datetime import UTC, datetime, time
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

_ID = r"^[A-Za-z0-9_.:-]{1,64}$"
ParticipantId = Annotated[str, StringConstraints(pattern=_ID)]
CourseId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{1,31}$")]


def _aware_utc(value: datetime) -> datetime:
    """Stored times are always UTC and always carry their zone."""
    if value.tzinfo is None:
        raise ValueError("a stored time must carry a time zone")
    return value.astimezone(UTC)


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc
    return name


UtcDatetime = Annotated[datetime, AfterValidator(_aware_utc)]
TimeZoneName = Annotated[str, AfterValidator(_known_zone)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Channel(StrEnum):
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    CONSOLE = "console"


class Participant(Record):
    """A person on one channel. Chat ids are kept as strings: WhatsApp's are phone numbers."""

    id: ParticipantId
    channel: Channel
    chat_id: Annotated[str, StringConstraints(pattern=_ID)]
    first_name: Annotated[str, StringConstraints(max_length=64)] | None = None
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] = "nl"
    timezone: TimeZoneName = "Europe/Amsterdam"
    delivery_time: time = time(8, 0)
    created_at: UtcDatetime
    #: Where the participant is in a multi-step conversation (sign-up, changing the time), if
    #: anywhere; with `pending_course`, this is what survives a restart mid-conversation.
    step: Annotated[str, StringConstraints(max_length=32)] | None = None
    pending_course: CourseId | None = None
    #: Whether they were told, before their first answer was kept, what is kept and who reads it.
    privacy_told: bool = False
    #: After /dag N: the day their answers belong to, while `answer_after` is still the last
    #: day that came (a new lesson ends it, and /vandaag).
    answer_day: int | None = Field(default=None, ge=1, le=999)
    answer_after: int | None = Field(default=None, ge=0, le=999)


class EnrollmentStatus(StrEnum):
    ACTIVE = "active"  # lessons come at the delivery time
    PAUSED = "paused"  # silent until the participant resumes
    COMPLETED = "completed"  # every day delivered
    STOPPED = "stopped"  # the participant ended it


class Pace(StrEnum):
    """The rhythm a participant chose for their lessons (bot/delivery/tempo.py)."""

    DAILY = "daily"  # every day at their delivery time
    OTHER_DAY = "other"  # every other day
    OWN = "own"  # the next lesson only after they answered the last one


class Enrollment(Record):
    """One participant's progress through one course.

    `current_day` is the day whose lesson comes next (1-based); `last_delivered_day` is the day
    most recently sent (0 before the first). Reflections and check-ins belong to the latter.
    """

    participant_id: ParticipantId
    course_id: CourseId
    status: EnrollmentStatus = EnrollmentStatus.ACTIVE
    current_day: int = Field(default=1, ge=1)
    last_delivered_day: int = Field(default=0, ge=0)
    last_delivered_at: UtcDatetime | None = None
    next_due: UtcDatetime | None = None
    nudge_due: UtcDatetime | None = None
    nudged_day: int = Field(default=0, ge=0)
    reflected_day: int = Field(default=0, ge=0)
    started_at: UtcDatetime
    ended_at: UtcDatetime | None = None
    end_reason: Annotated[str, StringConstraints(max_length=64)] | None = None
    #: When the follow-up some days after the end is due (None: not, or already sent).
    followup_due: UtcDatetime | None = None
    followup_sent_at: UtcDatetime | None = None
    #: A message of the participant's signalled danger: the next lesson first asks how they are.
    care_check: bool = False
    course_version: int = 1
    #: The rhythm they chose (None: the course's own pacing), whether the choice was offered
    #: after days without a word from them, and the last lesson day after which they answered
    #: or checked in (an answer also moves `reflected_day`).
    pace: Pace | None = None
    pace_offered: bool = False
    heard_day: int = Field(default=0, ge=0)

    def wake_at(self) -> UtcDatetime | None:
        """When the dispatcher should next look at this enrollment: a lesson, a nudge, the end
        of the course, or the follow-up after it."""
        if self.status is EnrollmentStatus.COMPLETED:
            return self.followup_due
        if self.status is not EnrollmentStatus.ACTIVE:
            return None
        times = [t for t in (self.next_due, self.nudge_due) if t is not None]
        return min(times) if times else None


#: The longest reflection kept (characters); the coach tells a participant who writes more.
MAX_REFLECTION_CHARS = 8000


class ReflectionEntry(Record):
    """One answer to a day's prompt. The text is personal: it is never logged."""

    course_id: CourseId
    day: int = Field(ge=1)
    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_REFLECTION_CHARS)]
    at: UtcDatetime
    #: An answer to the follow-up question after the course, not to the day's prompt.
    followup: bool = False


class Lane(StrEnum):
    """Who asked for a message, which decides its place in the platform's budget."""

    REPLY = "reply"  # an answer to what the participant just did: sent first
    LESSON = "lesson"  # lessons, nudges, the end message: unsolicited, the bulk budget
    BROADCAST = "broadcast"  # a trainer's update: unsolicited, after lessons


class StoredButton(BaseModel):
    model_config = ConfigDict(extra="ignore")

    label: str
    data: str


class StoredMessage(BaseModel):
    """A reply spelled out: the bot's own words, never a participant's."""

    model_config = ConfigDict(extra="ignore")

    text: str
    heading: str | None = None
    buttons: list[list[StoredButton]] = Field(default_factory=list)
    #: An image the text goes with (an operator's chart), as base64 of its PNG bytes.
    image: str | None = None
    #: A file the text goes with (a trainer's report): its name, and base64 of its bytes.
    document: Annotated[str, StringConstraints(max_length=64)] | None = None
    content: str | None = None


class QueueItem(BaseModel):
    """One message owed to a chat, in its queue until the platform accepted it.

    Course messages are named (course, day, part), not spelled out, so no lesson text is copied
    into Redis; replies carry their text. The item's id is its place in the queue, not part of
    this record. Unknown fields are ignored, so items written by a later release (or the older
    outbox's items, which had no lane) are still understood.
    """

    model_config = ConfigDict(extra="ignore")

    lane: Lane = Lane.LESSON
    kind: Annotated[
        str,
        StringConstraints(
            pattern=r"^(day|nudge|end|followup|care|text|answers|summary|export|coach)$"
        ),
    ] = "day"
    #: The broadcast this item belongs to, so its outcome is counted there.
    broadcast_id: Annotated[str, StringConstraints(max_length=32)] | None = None
    course_id: CourseId | None = None
    day: int | None = Field(default=None, ge=1)
    index: int = Field(default=0, ge=0)
    #: Which part of a message too long for one (a long day of someone's own answers).
    part: int = Field(default=0, ge=0)
    message: StoredMessage | None = None
    #: The version of the course it is rendered from (None: the enrollment's, as it was before
    #: courses had versions), so a day begun on one version ends on it.
    version: int | None = Field(default=None, ge=1)
    #: A coach's answer is named by its thread and `index` there, read when it is sent.
    thread: Annotated[str, StringConstraints(pattern=r"^[a-z2-9]{5}$")] | None = None


class CheckIn(Record):
    """How strongly the participant recognised a day's theme, 1 (not at all) to 5 (strongly)."""

    course_id: CourseId
    day: int = Field(ge=1)
    score: int = Field(ge=1, le=5)
    at: UtcDatetime


class TrainerGrant(Record):
    """Who made someone a trainer, and when (kept for the record; operators see it)."""

    by: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,20}$")]
    at: UtcDatetime


class BroadcastState(StrEnum):
    RUNNING = "running"  # recipients are being queued and sent to
    DONE = "done"  # everyone was queued and every send has an outcome
    CANCELLED = "cancelled"  # the trainer stopped it; nothing more is queued or sent


class Broadcast(Record):
    """A trainer's message to a segment of participants, and where its sending stands."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-f0-9]{8,32}$")]
    by: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,20}$")]
    segment: Annotated[str, StringConstraints(max_length=64)]
    segment_label: Annotated[str, StringConstraints(max_length=200)]
    text: Annotated[str, StringConstraints(min_length=1, max_length=3500)]
    total: int = Field(default=0, ge=0)
    state: BroadcastState = BroadcastState.RUNNING
    created_at: UtcDatetime
    finished_at: UtcDatetime | None = None
    #: The trainer's chat and the message that shows the progress (edited as it goes).
    progress_chat: Annotated[str, StringConstraints(pattern=_ID)]
    progress_channel: Channel = Channel.TELEGRAM
    progress_message: Annotated[str, StringConstraints(max_length=32)] | None = None
    progress_shown: Annotated[str, StringConstraints(max_length=300)] = ""
    progress_at: UtcDatetime | None = None
    #: Sent at this wall time in each participant's own time zone (None: now).
    send_at: time | None = None


class StaffDraft(Record):
    """A broadcast being written: the segment chosen, waiting for the text or the confirm."""

    step: Annotated[str, StringConstraints(pattern=r"^(segment|day|text|time|confirm)$")]
    segment: Annotated[str, StringConstraints(max_length=64)] = ""
    text: Annotated[str, StringConstraints(max_length=3500)] = ""
    send_at: time | None = None
    at: UtcDatetime


class FailureEntry(BaseModel):
    """One delivery failure as operators see it: what kind, why, for whom (internal id), when."""

    model_config = ConfigDict(extra="ignore")

    kind: Annotated[str, StringConstraints(max_length=32)]
    cause: Annotated[str, StringConstraints(max_length=300)]
    participant: Annotated[str, StringConstraints(max_length=64)] | None = None
    message_kind: Annotated[str, StringConstraints(max_length=16)] | None = None
    at: UtcDatetime


class PreviewState(Record):
    """A trainer's preview of a course: which day comes next, and where it goes."""

    course_id: CourseId
    next_day: int = Field(ge=1)
    chat_id: Annotated[str, StringConstraints(pattern=_ID)]
    channel: Channel
    #: The version previewed: the newest when the preview began (None: the newest now).
    version: int | None = None
