"""Operators' commands in the chat: /stats (with a chart), /health, /errors and /user.

`Staff` routes these here for operators only; to anyone else they do not exist. Operators see
counts, causes and states, never a participant's words: no reflection text is read for them,
and a failure's cause is the platform's answer, not the message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core import texts, texts_ops, texts_report
from bot.core.counters import DANGER_CATEGORIES, DANGER_PREFIX, Counters
from bot.core.messages import Incoming, Kind, Outgoing
from bot.delivery.journey import Journey
from bot.ops import coaching
from bot.ops.charts import stats_chart
from bot.ops.find import find
from bot.ops.health import MAX_LAG, SLOW_PING, Health, check
from bot.ops.stats import STATUSES, Stats, collect
from scheduler.clock import Clock, RealClock
from storage.models import Enrollment, EnrollmentStatus, FailureEntry, Participant

#: The commands this module answers.
COMMANDS = frozenset({"stats", "health", "errors", "user"})
#: How many failures /errors shows at most, and how long the answer may grow (Telegram allows
#: 4096 characters; the rest is room).
RECENT_FAILURES = 20
MAX_REPLY = 3800
#: The longest cause shown per failure line.
MAX_CAUSE = 160

Replies = list[Outgoing]


def _say(*lines: str) -> Replies:
    return [Outgoing("\n".join(lines))]


def ago(age: timedelta) -> str:
    """A duration as an operator reads it at a glance: 12 s, 3 min, 5 uur, 2 dagen."""
    seconds = int(age.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} uur"
    return f"{seconds // 86400} dagen"


def percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"


class OperatorCommands:
    """Answers an operator's /stats, /health, /errors and /user.

    `real_clock` tells real time (heartbeats and counters are real); the journey's clock is the
    course clock, which may run faster.
    """

    def __init__(
        self, journey: Journey, *, real_clock: Clock | None = None, max_lag: float = MAX_LAG
    ) -> None:
        self.journey = journey
        self.store = journey.store
        self.counters = journey.counters or Counters(journey.store)
        self.real_clock = real_clock or RealClock()
        self.max_lag = max_lag
        self.zone = ZoneInfo(journey.default_timezone)

    async def handle(self, event: Incoming) -> Replies | None:
        """The replies to one of the operator's commands, or None when it is not one."""
        if event.kind is not Kind.COMMAND:
            return None
        if event.command == "stats":
            return await self.stats()
        if event.command == "health":
            return await self.health()
        if event.command == "errors":
            return await self.errors()
        if event.command == "user":
            return await self.user(event.args)
        return None

    # -- /stats -------------------------------------------------------------------------------
    async def stats(self) -> Replies:
        """The chart (with a short caption), then the numbers as a message of their own."""
        found = await collect(
            self.store, self.journey.courses, self.counters, self.journey.clock.now()
        )
        chart = await asyncio.to_thread(stats_chart, [c.series() for c in found.courses])
        return [Outgoing(texts_ops.STATS_CAPTION, image=chart), Outgoing(stats_text(found))]

    # -- /health ------------------------------------------------------------------------------
    async def health(self) -> Replies:
        now = self.real_clock.now()
        found = await check(self.store, self.journey.clock, now, self.counters)
        problems = self._problems(found)
        lines = [texts_ops.HEALTH_OK] if not problems else [texts_ops.HEALTH_PROBLEMS]
        lines += [texts_ops.HEALTH_PROBLEM.format(problem=p) for p in problems]
        if found.redis_error is None and found.redis_seconds is not None:
            lines += [
                "",
                texts_ops.HEALTH_REDIS.format(ms=found.redis_seconds * 1000),
                texts_ops.HEALTH_LAG.format(lag=found.lag_seconds),
                texts_ops.HEALTH_DUE.format(
                    due=found.due, leased=found.leased, parked=found.parked_last_day
                ),
            ]
            if found.processes:
                lines.append(texts_ops.HEALTH_WORKERS)
            for p in found.processes:
                lines.append(
                    texts_ops.HEALTH_WORKER.format(
                        role=p.beat.role,
                        id=p.beat.id,
                        age=ago(p.age),
                        version=p.beat.version,
                        silent=texts_ops.HEALTH_WORKER_SILENT if p.silent else "",
                    )
                )
        lines.append(texts_ops.HEALTH_VERSION.format(version=found.version))
        return _say(*lines)

    def _problems(self, found: Health) -> list[str]:
        return [text for _, text in problems(found, self.max_lag)]

    # -- /errors ------------------------------------------------------------------------------
    async def errors(self) -> Replies:
        recent = await self.store.failures.recent(RECENT_FAILURES)
        if not recent:
            return _say(texts_ops.ERRORS_NONE)
        lines = [texts_ops.ERRORS_HEADING]
        size = len(lines[0])
        for shown, entry in enumerate(recent):
            line = self._failure_line(entry)
            if size + len(line) + 1 > MAX_REPLY:
                lines.append(texts_ops.ERRORS_MORE.format(count=len(recent) - shown))
                break
            lines.append(line)
            size += len(line) + 1
        return _say(*lines)

    def _failure_line(self, entry: FailureEntry) -> str:
        cause = " ".join(entry.cause.split())
        if len(cause) > MAX_CAUSE:
            cause = cause[: MAX_CAUSE - 1] + "…"
        return texts_ops.ERRORS_LINE.format(
            when=entry.at.astimezone(self.zone).strftime("%d-%m %H:%M"),
            kind=texts_ops.FAILURE_KIND.get(entry.kind, entry.kind),
            what=texts_ops.MESSAGE_KIND.get(entry.message_kind or "", entry.message_kind or "-"),
            participant=entry.participant or texts_ops.ERRORS_NOBODY,
            cause=cause,
        )

    # -- /user --------------------------------------------------------------------------------
    async def user(self, args: tuple[str, ...]) -> Replies:
        """One participant's state, found by internal id, Telegram chat id or WhatsApp number;
        counts of their answers, never the words."""
        if not args:
            return _say(texts_ops.USER_USAGE)
        typed = " ".join(args)
        found = await find(self.store, typed)
        if found is None:
            return _say(texts_ops.USER_NOT_FOUND.format(pid=typed[:64]))
        participant, matched = found
        pid = participant.id
        lines = [
            texts_ops.USER_HEADING.format(pid=pid),
            texts_ops.USER_MATCHED[matched],
            texts_ops.USER_SINCE.format(
                channel=participant.channel.value, since=self._date(participant.created_at)
            ),
            texts_ops.USER_TIME.format(
                zone=participant.timezone, at=texts.hhmm(participant.delivery_time)
            ),
        ]
        if participant.step:
            lines.append(texts_ops.USER_STEP.format(step=participant.step))
        enrollments = await self.store.enrollments.for_participant(pid)
        if not enrollments:
            lines.append(texts_ops.USER_NO_COURSE)
        for enrollment in enrollments:
            lines += self._enrollment_lines(participant, enrollment)
        lines.append(
            texts_ops.USER_COUNTS.format(
                reflections=await self.store.reflections.count(pid),
                checkins=len(await self.store.checkins.all(pid)),
            )
        )
        return _say(*lines)

    def _enrollment_lines(self, participant: Participant, e: Enrollment) -> list[str]:
        course = self.journey.course_of(e)  # the version they read
        zone = ZoneInfo(participant.timezone)
        today = self.journey.clock.now().astimezone(zone).date()
        lines = [
            texts_ops.USER_COURSE.format(
                title=course.title if course else e.course_id,
                status=texts_ops.STATUS.get(e.status.value, e.status.value),
                day=e.last_delivered_day,
                length=course.length if course else "?",
            )
        ]
        if e.status is EnrollmentStatus.ACTIVE:
            if e.next_due is None:
                lines.append(texts_ops.USER_NO_NEXT)
            else:
                when = texts.when(e.next_due.astimezone(zone), today)
                lines.append(texts_ops.USER_NEXT.format(when=when))
        elif e.status is EnrollmentStatus.PAUSED:
            lines.append(texts_ops.USER_PAUSED)
        if e.ended_at is not None:
            reason = e.end_reason or texts_ops.STATUS.get(e.status.value, e.status.value)
            lines.append(texts_ops.USER_ENDED.format(when=self._date(e.ended_at), reason=reason))
        if e.status is EnrollmentStatus.COMPLETED and e.followup_due is not None:
            when = texts.when(e.followup_due.astimezone(zone), today)
            lines.append(texts_ops.USER_FOLLOWUP.format(when=when))
        return lines

    def _date(self, at: datetime) -> str:
        return at.astimezone(self.zone).strftime("%d-%m-%Y")


def problems(found: Health, max_lag: float) -> list[tuple[str, str]]:
    """What is wrong, as (a key naming the kind of problem, a line for operators); the key stays
    the same while the problem lasts, so an alert goes out once per incident."""
    if found.redis_error is not None:
        return [("redis-down", texts_ops.PROBLEM_REDIS_DOWN.format(cause=found.redis_error))]
    found_problems: list[tuple[str, str]] = []
    if found.redis_seconds is not None and found.redis_seconds > SLOW_PING:
        text = texts_ops.PROBLEM_REDIS_SLOW.format(ms=found.redis_seconds * 1000)
        found_problems.append(("redis-slow", text))
    if found.lag_seconds > max_lag:
        text = texts_ops.PROBLEM_LAG.format(lag=found.lag_seconds, limit=max_lag)
        found_problems.append(("lag", text))
    if not found.processes:
        found_problems.append(("no-workers", texts_ops.PROBLEM_NO_WORKERS))
    found_problems += [
        (
            f"silent:{p.beat.id}",
            texts_ops.PROBLEM_SILENT.format(role=p.beat.role, id=p.beat.id, age=ago(p.age)),
        )
        for p in found.processes
        if p.silent
    ]
    if found.parked_last_day:
        text = texts_ops.PROBLEM_PARKED.format(parked=found.parked_last_day)
        found_problems.append(("parked", text))
    return found_problems


def stats_text(found: Stats) -> str:
    """The numbers of /stats, course by course, then the last day and week."""

    def statuses(counts: dict[EnrollmentStatus, int]) -> str:
        return texts_ops.STATS_STATUSES.format(**{s.value: counts[s] for s in STATUSES})

    lines = [
        texts_ops.STATS_PARTICIPANTS.format(total=found.participants),
        statuses(found.by_status()),
    ]
    for course in found.courses:
        shown = statuses(course.by_status)
        lines += ["", texts_ops.STATS_COURSE.format(title=course.title, statuses=shown)]
        last = course.last_reached_day()
        if not last:
            lines.append(texts_ops.STATS_NO_DAYS)
        most = course.most_stopped()
        lines.append(
            texts_report.STATS_NOBODY_STOPPED
            if most is None
            else texts_report.STATS_MOST_STOP.format(day=most[0], count=most[1])
        )
        for day in range(1, last + 1):
            lines.append(
                texts_ops.STATS_DAY.format(
                    day=day,
                    reached=course.reached[day - 1],
                    reflected=course.reflected[day - 1],
                    rate=percent(course.rate(day)),
                )
            )
    lines.append("")
    for label, counts in (
        (texts_ops.STATS_LAST_DAY, found.last_day),
        (texts_ops.STATS_LAST_WEEK, found.last_week),
    ):
        lines.append(
            texts_ops.STATS_WINDOW.format(
                label=label,
                lessons=counts["lessons_delivered"],
                reflections=counts["reflections_received"],
                checkins=counts["checkins_received"],
                signups=counts["signups"],
                sent=counts["messages_sent"],
            )
        )
    kinds = " · ".join(
        texts_ops.STATS_FAILURE_KIND.format(
            kind=label,
            day=found.last_day[f"failures_{kind}"],
            week=found.last_week[f"failures_{kind}"],
        )
        for kind, label in texts_ops.FAILURE_KIND.items()
    )
    lines.append(texts_ops.STATS_FAILURES.format(kinds=kinds))
    lines.append(
        texts_ops.STATS_DANGER.format(
            day=found.last_day["danger_signals"], week=found.last_week["danger_signals"],
            acute_day=found.last_day["danger_acute"], acute_week=found.last_week["danger_acute"],
        )
    )  # fmt: skip
    seen = danger_kinds(found.last_week, found.last_day)
    if seen:
        lines.append(texts_ops.STATS_DANGER_KINDS.format(kinds=seen))
    lines.extend(coaching.stats_lines(found.threads))
    return "\n".join(lines)


def danger_kinds(counts: Mapping[str, int], also: Mapping[str, int] | None = None) -> str:
    """The safety net's categories that were counted, as operators read them: "geweld 2"
    (or "geweld 1/2" with a shorter window beside it). Never words, only numbers."""
    shown = []
    for name in DANGER_CATEGORIES:
        count = counts.get(name, 0)
        if not count:
            continue
        label = texts_ops.DANGER_KIND[name.removeprefix(DANGER_PREFIX)]
        shown.append(f"{label} {count}" if also is None else f"{label} {also.get(name, 0)}/{count}")
    return " · ".join(shown)
