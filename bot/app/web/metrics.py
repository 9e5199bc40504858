"""Prometheus exposition of what Redis knows: counters, gauges and worker heartbeats.

Everything is read from Redis at scrape time (asynchronously, within a time-out) into a
snapshot; a custom collector on a registry of its own then turns that snapshot into metric
families. Nothing is kept in this process, so any number of `druppel web` processes, restarted
at any time, report the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from bot.core.counters import (
    COUNTER_NAMES,
    DANGER_CATEGORIES,
    DANGER_PREFIX,
    DANGER_TIERS,
    CounterName,
    Counters,
)
from bot.ops.coaching import ThreadNumbers, thread_numbers
from bot.ops.gauges import Gauges, read_gauges
from bot.ops.workers import workers
from scheduler.clock import Clock, RealClock
from storage.store import Store
from storage.workers import WorkerBeat

NAMESPACE = "druppel"
FAILURE_PREFIX = "failures_"
STALE_PREFIX = "webhook_stale_"

#: Help for each counter but the failures, which are one family with a `kind` label.
HELP: dict[CounterName, str] = {
    "lessons_delivered": "Days' lessons queued for participants, each day once.",
    "messages_sent": "Messages the platform accepted.",
    "reflections_received": "Answers to a day's question.",
    "checkins_received": "Check-in scores tapped.",
    "signups": "Courses started.",
    "completions": "Courses finished.",
    "danger_signals": "Messages that suggested danger (a count only).",
}
FAILURES_HELP = "Sends that failed, by kind: transient, rate_limited, gone, rejected, parked."
DANGER_TIER_HELP = "Messages that suggested danger, by tier: acute or concern (counts only)."
DANGER_CATEGORY_HELP = "Messages that suggested danger, by category (counts only)."
STALE_HELP = (
    "Signed webhook events dropped as older than the replay window (seen ids are kept that "
    "long), by channel."
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything one scrape reports, read from Redis at `at` (real time)."""

    totals: dict[str, int]
    gauges: Gauges
    workers: list[WorkerBeat]
    at: datetime
    threads: ThreadNumbers


async def take_snapshot(store: Store, counters: Counters, clock: Clock) -> Snapshot:
    now = RealClock().now()
    return Snapshot(
        totals=await counters.totals(),
        gauges=await read_gauges(store, clock),
        workers=await workers(store, now),
        at=now,
        threads=await thread_numbers(store, clock.now()),
    )


class SnapshotCollector:
    """A prometheus-client collector over one snapshot."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        snap = self._snapshot
        failures = CounterMetricFamily(f"{NAMESPACE}_send_failures", FAILURES_HELP, labels=["kind"])
        tiers = CounterMetricFamily(
            f"{NAMESPACE}_danger_signals_by_tier", DANGER_TIER_HELP, labels=["tier"]
        )
        categories = CounterMetricFamily(
            f"{NAMESPACE}_danger_signals_by_category", DANGER_CATEGORY_HELP, labels=["category"]
        )
        stale = CounterMetricFamily(f"{NAMESPACE}_webhook_stale", STALE_HELP, labels=["channel"])
        for name in COUNTER_NAMES:
            count = snap.totals.get(name, 0)
            if name.startswith(FAILURE_PREFIX):
                failures.add_metric([name.removeprefix(FAILURE_PREFIX)], count)
            elif name.startswith(STALE_PREFIX):
                stale.add_metric([name.removeprefix(STALE_PREFIX)], count)
            elif name in DANGER_TIERS:
                tiers.add_metric([name.removeprefix(DANGER_PREFIX)], count)
            elif name in DANGER_CATEGORIES:
                categories.add_metric([name.removeprefix(DANGER_PREFIX)], count)
            else:
                yield CounterMetricFamily(f"{NAMESPACE}_{name}", HELP[name], value=count)
        yield failures
        yield tiers
        yield categories
        yield stale

        g = snap.gauges
        yield GaugeMetricFamily(
            f"{NAMESPACE}_due_members", "Members in the due index.", value=g.due
        )
        yield GaugeMetricFamily(
            f"{NAMESPACE}_leases_in_flight", "Due members claimed by a worker.", value=g.leased
        )
        yield GaugeMetricFamily(
            f"{NAMESPACE}_scheduler_lag_seconds",
            "Real seconds the longest-waiting due member is late.",
            value=g.lag_seconds,
        )
        yield GaugeMetricFamily(
            f"{NAMESPACE}_participants", "Participants known.", value=g.participants
        )
        ages = GaugeMetricFamily(
            f"{NAMESPACE}_worker_heartbeat_age_seconds",
            "Real seconds since each process's last heartbeat.",
            labels=["worker", "role", "version"],
        )
        for beat in snap.workers:
            age = max(0.0, (snap.at - beat.at).total_seconds())
            ages.add_metric([beat.id, beat.role, beat.version], age)
        yield ages
        yield from _threads(snap.threads)


def _threads(t: ThreadNumbers) -> Iterator[Metric]:
    """The coaches' threads: counts, and how long first answers took (no thread is named)."""
    for name, help_text, value in (
        ("open", "Questions to coaches still open.", t.open),
        ("urgent", "Open questions the safety net marked urgent.", t.urgent),
        ("waiting_over_day", "Open questions waiting for a coach over 24 hours.", t.waiting_long),
        ("urgent_waiting_over_hour", "Urgent questions waiting over an hour.", t.urgent_waiting),
    ):
        yield GaugeMetricFamily(f"{NAMESPACE}_coach_threads_{name}", help_text, value=value)
    answers = GaugeMetricFamily(
        f"{NAMESPACE}_coach_first_answer_seconds",
        "Seconds to a coach's first answer over the last 30 days, by quantile (none: no answer).",
        labels=["quantile"],
    )
    for quantile, seconds in (("0.5", t.median_seconds), ("0.9", t.p90_seconds)):
        if seconds is not None:
            answers.add_metric([quantile], seconds)
    yield answers


def exposition(snapshot: Snapshot) -> bytes:
    """The snapshot in Prometheus' text format, from a registry of its own (never the global)."""
    registry = CollectorRegistry()
    registry.register(SnapshotCollector(snapshot))
    return generate_latest(registry)
