"""What operators see of the coaches' threads: counts and durations in /stats and /metrics, the
questions waiting over a day in the digest, and an alert while an urgent one waits over an hour;
never a name, a thread's id or a word of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app.web.metrics import exposition, take_snapshot
from bot.core import texts_ops
from bot.core.counters import Counters
from bot.ops.coaching import quantile
from bot.ops.workers import heartbeat
from scheduler.clock import FixedClock
from storage.models import Channel
from tests.coach_kit import AFTER_DAY_ONE, PLAN, QUESTION, asked, coach_types
from tests.journey_kit import Kit

AMS = ZoneInfo("Europe/Amsterdam")
OPERATOR = "900001"
LEFT = "Een vraag die blijft liggen, over mijn schoonmoeder"

pytestmark = pytest.mark.kit(trainer_ids="42,43", operator_ids=OPERATOR)


async def _asks(kit: Kit, chat: str, words: str) -> None:
    await kit.sign_up(chat)
    await kit.answer(chat, "/coach")
    await kit.answer(chat, words)


async def _answer_after(kit: Kit, chat: str, wait: timedelta) -> None:
    """The coach answers the newest question from `chat` after `wait`."""
    copy = next(m for m in reversed(kit.channel.to("42")) if "Vraag #" in m.text)
    kit.clock.set(kit.clock.now() + wait)
    await coach_types(kit, "42", f"Antwoord aan {chat}", replied_to=copy.text)


def test_the_quantiles_are_taken_by_nearest_rank() -> None:
    assert quantile([], 0.5) is None
    assert quantile([60.0], 0.9) == 60.0
    assert quantile([1800.0, 7200.0], 0.5) == 1800.0
    assert quantile([1800.0, 7200.0], 0.9) == 7200.0
    assert quantile([float(s) for s in range(1, 11)], 0.9) == 9.0


async def test_stats_and_metrics_show_waits_and_first_answer_times_but_no_word(kit: Kit) -> None:
    await asked(kit)
    await _answer_after(kit, "1", timedelta(minutes=30))
    await _asks(kit, "2", "Hoe vertel ik hem dat ik twijfel?")
    await _answer_after(kit, "2", timedelta(hours=2))
    await _asks(kit, "3", LEFT)
    kit.clock.set(kit.clock.now() + timedelta(hours=25))

    _, numbers = await coach_types(kit, OPERATOR, "/stats")
    assert texts_ops.STATS_THREADS.format(open=3, urgent=0, long=1) in numbers.text
    assert texts_ops.STATS_FIRST_ANSWER.format(count=2, median="30 min", p90="2 uur") in (
        numbers.text
    )
    scrape = exposition(
        await take_snapshot(kit.engine.store, Counters(kit.engine.store), kit.clock)
    ).decode()
    assert "druppel_coach_threads_open 3.0" in scrape
    assert "druppel_coach_threads_waiting_over_day 1.0" in scrape
    assert 'druppel_coach_first_answer_seconds{quantile="0.5"} 1800.0' in scrape
    assert 'druppel_coach_first_answer_seconds{quantile="0.9"} 7200.0' in scrape
    for shown in (numbers.text, scrape):
        for words in (QUESTION, LEFT, "schoonmoeder", "Sanne", "#"):
            assert words not in shown.replace("# HELP", "").replace("# TYPE", "")


async def _watch_once(kit: Kit, real: FixedClock) -> list[str]:
    await heartbeat(kit.engine.store, "worker", "w1", real.now())
    before = len(kit.channel.to(OPERATOR))
    await kit.engine.watch.run()
    return [m.text for m in kit.channel.to(OPERATOR)[before:]]


async def test_an_urgent_question_waiting_over_an_hour_is_one_alert_until_answered(
    kit: Kit,
) -> None:
    kit.engine.senders[Channel.TELEGRAM] = kit.channel  # operators are on Telegram
    real = FixedClock(datetime.now(UTC))
    kit.engine.watch.real_clock = real
    kit.engine.watch.digest_at = None
    await kit.sign_up("1")
    await kit.run_until(AFTER_DAY_ONE)
    await kit.answer("1", "/coach")
    await kit.answer("1", PLAN)
    assert await _watch_once(kit, real) == []
    await kit.run_until(kit.clock.now() + timedelta(minutes=59))
    assert await _watch_once(kit, real) == []
    await kit.run_until(kit.clock.now() + timedelta(minutes=2))
    [alert] = await _watch_once(kit, real)
    assert alert == f"{texts_ops.ALERT_HEADING}\n• {texts_ops.PROBLEM_COACH_URGENT.format(count=1)}"
    assert await _watch_once(kit, real) == []  # the same incident: no second alert
    await _answer_after(kit, "1", timedelta(minutes=1))
    [resolved] = await _watch_once(kit, real)
    assert resolved == texts_ops.ALERT_RESOLVED.format(count=1)


async def test_the_digest_names_the_questions_waiting_over_a_day_by_their_id(kit: Kit) -> None:
    kit.engine.senders[Channel.TELEGRAM] = kit.channel
    real = FixedClock(datetime(2026, 11, 26, 7, 0, tzinfo=AMS).astimezone(UTC))
    kit.engine.watch.real_clock = real
    await kit.run_until(datetime(2026, 11, 25, 7, 30, tzinfo=AMS).astimezone(UTC))
    await _asks(kit, "3", LEFT)
    assert await _watch_once(kit, real) == []  # the first look plans the digest for 08:00
    await kit.run_until(kit.clock.now() + timedelta(hours=25))
    real.advance(timedelta(hours=1, minutes=1))
    [digest] = await _watch_once(kit, real)
    assert texts_ops.DIGEST_THREADS.format(count=1) in digest
    [thread] = await kit.engine.store.threads.open_threads()
    assert f"• #{thread.id} (25 u)" in digest  # the id the coaches' /inbox shows
    assert "schoonmoeder" not in digest
    assert "Sanne" not in digest
