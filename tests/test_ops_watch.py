"""Operators hear about trouble without asking: one alert per incident, an all-clear when it
passes, and a daily digest at their time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core import texts_ops
from bot.ops.watch import MEMBER
from bot.ops.workers import heartbeat
from scheduler.clock import FixedClock
from storage.models import Channel
from tests.journey_kit import Kit

AMS = ZoneInfo("Europe/Amsterdam")
OPERATOR = "900001"


pytestmark = pytest.mark.kit(operator_ids=OPERATOR)


async def _watch_once(kit: Kit) -> list[str]:
    before = len(kit.channel.to(OPERATOR))
    await kit.engine.watch.run()
    return [m.text for m in kit.channel.to(OPERATOR)[before:]]


async def test_a_silent_worker_is_one_alert_until_it_is_back(kit: Kit) -> None:
    kit.engine.senders[Channel.TELEGRAM] = kit.channel  # operators are on Telegram
    real = FixedClock(datetime.now(UTC))
    kit.engine.watch.real_clock = real  # heartbeats and the digest go by real time
    kit.engine.watch.digest_at = None
    await heartbeat(kit.engine.store, "worker", "host:worker:1", real.now())
    assert await _watch_once(kit) == []  # all well
    real.advance(timedelta(minutes=5))  # the worker went quiet
    [alert] = await _watch_once(kit)
    assert alert.startswith(texts_ops.ALERT_HEADING)
    assert "host:worker:1" in alert
    assert await _watch_once(kit) == []  # the same incident: no second alert
    await heartbeat(kit.engine.store, "worker", "host:worker:1", real.now())
    [resolved] = await _watch_once(kit)
    assert resolved == texts_ops.ALERT_RESOLVED.format(count=1)


async def test_the_daily_digest_comes_once_at_the_operators_time(kit: Kit) -> None:
    kit.engine.senders[Channel.TELEGRAM] = kit.channel
    real = FixedClock(datetime(2026, 11, 25, 7, 0, tzinfo=AMS).astimezone(UTC))
    kit.engine.watch.real_clock = real  # heartbeats and the digest go by real time
    await heartbeat(kit.engine.store, "worker", "w1", real.now())
    assert await _watch_once(kit) == []  # the first look plans the digest for 08:00
    await kit.say("9", "hij slaat me nu, help")
    real.advance(timedelta(minutes=59))
    await heartbeat(kit.engine.store, "worker", "w1", real.now())
    assert await _watch_once(kit) == []
    real.advance(timedelta(minutes=2))
    await heartbeat(kit.engine.store, "worker", "w1", real.now())
    [digest] = await _watch_once(kit)
    assert digest.startswith(texts_ops.DIGEST_HEADING)
    assert texts_ops.HEALTH_OK in digest
    assert "1 keer hulp geboden (acuut 1)" in digest
    assert texts_ops.DIGEST_DANGER_KINDS.format(kinds="geweld 1") in digest
    assert "slaat" not in digest
    assert await _watch_once(kit) == []  # not again until tomorrow


async def test_the_watch_lives_in_the_due_index_so_one_worker_runs_it(kit: Kit) -> None:
    await kit.engine.watch.start()
    assert await kit.engine.store.due.due_at(MEMBER) is not None
