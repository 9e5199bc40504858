"""The coaches' numbers, as operators see them: open threads, urgent ones, how long a first
answer takes, and what waits too long. Counts and durations, and for a question waiting over a
day its short id (the one the coaches' /inbox shows, so an operator can point a coach to it):
never a name or a word of it (an operator who is also a trainer reads those in /inbox).

Durations are read on the course clock, on which threads are kept (real time in production).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core import texts_coach, texts_ops
from storage.store import Store

#: An urgent question waiting longer than this is an alert to operators.
URGENT_WAIT = timedelta(hours=1)
#: A question waiting longer than this is named in /stats and the digest.
LONG_WAIT = timedelta(hours=24)
#: The first answers the median and the 90th percentile are taken over.
ANSWERS_OVER = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class ThreadNumbers:
    """Open threads, urgent ones, those waiting longer than LONG_WAIT for a coach and the
    urgent ones waiting longer than URGENT_WAIT; the first answers in the last ANSWERS_OVER,
    and the median and 90th percentile of the seconds they took (None: none came)."""

    open: int = 0
    urgent: int = 0
    #: The threads waiting longer than LONG_WAIT, longest first: (short id, hours waited).
    long_waits: tuple[tuple[str, int], ...] = ()
    urgent_waiting: int = 0
    answered: int = 0
    median_seconds: float | None = None
    p90_seconds: float | None = None

    @property
    def waiting_long(self) -> int:
        return len(self.long_waits)


def quantile(ordered: Sequence[float], share: float) -> float | None:
    """The nearest-rank quantile of values sorted ascending (None for none)."""
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * share // 1))  # ceil, at least the first
    return ordered[int(rank) - 1]


async def thread_numbers(store: Store, now: datetime) -> ThreadNumbers:
    threads = await store.threads.open_threads()
    waits = [(t, now - t.waiting_since) for t in threads if t.waiting_since is not None]
    longest_first = sorted(waits, key=lambda found: found[1], reverse=True)
    took = await store.threads.answer_times(now - ANSWERS_OVER)
    return ThreadNumbers(
        open=len(threads),
        urgent=sum(t.urgent for t in threads),
        long_waits=tuple(
            (t.id, int(waited.total_seconds() // 3600))
            for t, waited in longest_first
            if waited > LONG_WAIT
        ),
        urgent_waiting=sum(t.urgent and waited > URGENT_WAIT for t, waited in waits),
        answered=len(took),
        median_seconds=quantile(took, 0.5),
        p90_seconds=quantile(took, 0.9),
    )


def _span(seconds: float | None) -> str:
    return (
        texts_ops.STATS_NO_ANSWER
        if seconds is None
        else texts_coach.waited(timedelta(seconds=seconds))
    )


def stats_lines(numbers: ThreadNumbers) -> list[str]:
    """What /stats says of the coaches' threads."""
    return [
        texts_ops.STATS_THREADS.format(
            open=numbers.open, urgent=numbers.urgent, long=numbers.waiting_long
        ),
        texts_ops.STATS_FIRST_ANSWER.format(
            count=numbers.answered, median=_span(numbers.median_seconds),
            p90=_span(numbers.p90_seconds),
        ),
    ]  # fmt: skip


def problem(numbers: ThreadNumbers) -> dict[str, str]:
    """The watch's problem while an urgent question waits longer than URGENT_WAIT."""
    if not numbers.urgent_waiting:
        return {}
    return {"coach-urgent": texts_ops.PROBLEM_COACH_URGENT.format(count=numbers.urgent_waiting)}
