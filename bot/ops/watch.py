"""Operators hear about trouble without asking: an alert once per incident, and a daily digest.

The watch is a member of the due index (`ops:watch`), so exactly one worker runs it at a time
and it survives restarts. Every minute it checks what /health checks, plus a burst of failures
and an urgent question to the coaches waiting over an hour; a problem that was not there before
is an alert to every operator, and one that went away is a short all-clear. The problems seen
are kept in Redis, so a restart or another worker does not alert again for the same incident.
At OPERATOR_DIGEST_TIME (in the default time zone) operators get yesterday's numbers (with the
questions to coaches waiting over a day) and anything unhealthy.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta

from bot.core import texts_ops
from bot.core.counters import Counters
from bot.core.messages import Outgoing
from bot.delivery.errors import DeliveryError
from bot.delivery.journey import Journey
from bot.delivery.senders import Sender
from bot.ops import coaching
from bot.ops.commands import OperatorCommands, danger_kinds, problems
from bot.ops.due_job import DueJob
from bot.ops.health import check
from scheduler.clock import Clock, RealClock
from scheduler.localtime import next_delivery
from storage.models import Channel, Lane

log = logging.getLogger(__name__)

MEMBER = "ops:watch"
#: Real seconds between two looks.
EVERY = 60.0
#: Failures in the last hour that make a burst worth an alert.
FAILURE_BURST = 100
FAILURES = ("failures_transient", "failures_gone", "failures_rejected", "failures_parked")


class Watch(DueJob):
    member = MEMBER

    def __init__(
        self,
        journey: Journey,
        ops: OperatorCommands,
        operators: Iterable[str],
        senders: Mapping[Channel, Sender],
        digest_at: time | None = time(8, 0),
        real_clock: Clock | None = None,
    ) -> None:
        super().__init__(journey)
        self.ops = ops
        self.operators = sorted(operators)
        self.senders = senders
        self.digest_at = digest_at
        self.real_clock = real_clock or RealClock()
        self.counters = journey.counters or Counters(journey.store)

    @property
    def on(self) -> bool:
        return bool(self.operators)

    async def turn(self) -> datetime | None:
        clock = self.journey.clock
        await self.store.blank_pending()  # coaches' copies an erasure elsewhere left to do
        threads = await coaching.thread_numbers(self.store, clock.now())
        found = await self._problems() | coaching.problem(threads)
        await self._alert(found)
        await self._digest(found, threads)
        return clock.now() + timedelta(seconds=clock.to_course_seconds(EVERY))

    async def _problems(self) -> dict[str, str]:
        health = await check(self.store, self.journey.clock, self.real_clock.now(), self.counters)
        found = dict(problems(health, self.ops.max_lag))
        if health.redis_error is None:
            hour = await self.counters.window(1)
            failed = sum(hour.get(name, 0) for name in FAILURES)
            if failed >= FAILURE_BURST:
                found["failure-burst"] = texts_ops.PROBLEM_FAILURE_BURST.format(count=failed)
        return found

    async def _alert(self, found: dict[str, str]) -> None:
        known = await self.store.ops.incidents()
        new = {k: v for k, v in found.items() if k not in known}
        gone = [k for k in known if k not in found]
        if new:
            lines = [texts_ops.ALERT_HEADING, *(f"• {text}" for text in new.values())]
            await self._tell("\n".join(lines))
        if gone:
            await self._tell(texts_ops.ALERT_RESOLVED.format(count=len(gone)))
        if new or gone:
            await self.store.ops.set_incidents(set(found))
            log.warning("operators alerted: %d new problems, %d resolved", len(new), len(gone))

    async def _digest(self, found: dict[str, str], threads: coaching.ThreadNumbers) -> None:
        if self.digest_at is None:
            return
        now = self.real_clock.now()
        due = await self.store.ops.digest_due()
        if due is None:
            await self.store.ops.set_digest_due(self._next_digest(now))
            return
        if due > now:
            return
        day = await self.counters.window(24)
        lines = [
            texts_ops.DIGEST_HEADING,
            texts_ops.DIGEST_NUMBERS.format(
                lessons=day.get("lessons_delivered", 0),
                reflections=day.get("reflections_received", 0),
                signups=day.get("signups", 0),
                completions=day.get("completions", 0),
                failed=sum(day.get(name, 0) for name in FAILURES),
                danger=day.get("danger_signals", 0),
                acute=day.get("danger_acute", 0),
            ),
            *(
                [texts_ops.DIGEST_DANGER_KINDS.format(kinds=kinds)]
                if (kinds := danger_kinds(day))
                else []
            ),
            texts_ops.DIGEST_THREADS.format(count=threads.waiting_long)
            + "".join(
                f"\n• {texts_ops.DIGEST_THREAD_WAITS.format(tid=tid, hours=hours)}"
                for tid, hours in threads.long_waits
            ),
            texts_ops.HEALTH_OK if not found else texts_ops.HEALTH_PROBLEMS,
            *(f"• {text}" for text in found.values()),
        ]
        await self._tell("\n".join(lines))
        await self.store.ops.set_digest_due(self._next_digest(now))

    def _next_digest(self, now: datetime) -> datetime:
        assert self.digest_at is not None
        return next_delivery(now, self.journey.default_timezone, self.digest_at)

    async def _tell(self, text: str) -> None:
        sender = self.senders.get(Channel.TELEGRAM)
        if sender is None:
            log.warning("no Telegram here to tell operators: %s", text.splitlines()[0])
            return
        for operator in self.operators:
            try:
                await sender.send(operator, Outgoing(text), Lane.REPLY)
            except DeliveryError as exc:
                log.warning("could not reach an operator: %s", exc.cause)
