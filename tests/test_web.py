"""`druppel web` over real HTTP: probes a process manager can trust, metrics Prometheus can read,
both on a port of their own that the public webhook port does not serve.

The apps run on loopback ports against the test's Redis; one test starts `python -m bot.app.cli
web` as a real process and stops it the way a process manager does.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError

from bot.app.settings import Settings
from bot.app.web.app import metrics_app, public_app, start
from bot.core.counters import Counters, danger
from bot.ops.workers import druppel_version, heartbeat
from scheduler.clock import Clock, FixedClock, RealClock
from storage.crypto import TextCipher
from storage.keys import Keys
from storage.store import Store
from tests.journey_kit import TEST_KEY

ROOT = Path(__file__).resolve().parent.parent
NOON = datetime(2031, 6, 2, 12, 30, tzinfo=UTC)
MAX_LAG = 120.0

Serve = Callable[..., Awaitable[str]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start the metrics app for a store and clock (or the public app for `webhooks`) on a free
    loopback port; yields its base URL."""
    runners: list[web.AppRunner] = []

    async def _serve(store: Store, clock: Clock, webhooks: object = None, token: str = "") -> str:
        app = (
            public_app(webhooks)  # type: ignore[arg-type]
            if webhooks is not None
            else metrics_app(store, clock, max_lag_seconds=MAX_LAG, token=token)
        )
        runner = await start(app, 0, "127.0.0.1")
        runners.append(runner)
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    yield _serve
    for runner in runners:
        await runner.cleanup()


async def _get(url: str, token: str | None = None) -> tuple[int, str, str]:
    timeout = aiohttp.ClientTimeout(total=10)
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with (
        aiohttp.ClientSession(timeout=timeout) as http,
        http.get(url, headers=headers) as response,
    ):
        return response.status, response.headers.get("Content-Type", ""), await response.text()


@pytest.fixture
async def dead_store() -> AsyncIterator[Store]:
    """A store whose Redis never answers: nothing listens on port 1."""
    client = aioredis.Redis.from_url(
        "redis://127.0.0.1:1/0", socket_connect_timeout=0.5, decode_responses=True
    )
    yield Store(client, Keys("nowhere"), TextCipher([TEST_KEY]))
    await client.aclose()


# -- probes -----------------------------------------------------------------------------------


async def test_healthz_says_ok_while_the_process_runs(store: Store, serve: Serve) -> None:
    base = await serve(store, FixedClock(NOON))
    assert await _get(f"{base}/healthz") == (200, "text/plain; charset=utf-8", "ok\n")


async def test_healthz_stays_ok_when_redis_is_gone(dead_store: Store, serve: Serve) -> None:
    base = await serve(dead_store, FixedClock(NOON))
    status, _, _ = await _get(f"{base}/healthz")
    assert status == 200


async def test_ready_while_due_work_is_picked_up_in_time(store: Store, serve: Serve) -> None:
    base = await serve(store, FixedClock(NOON))
    await store.due.schedule("tomorrow/twijfel", NOON + timedelta(days=1))
    await store.due.schedule("now/twijfel", NOON - timedelta(seconds=30))
    status, _, body = await _get(f"{base}/readyz")
    assert (status, body) == (200, "ok: redis answers, scheduler lag 30.0s\n")


async def test_not_ready_when_a_due_member_is_far_overdue(store: Store, serve: Serve) -> None:
    base = await serve(store, FixedClock(NOON))
    await store.due.schedule("stuck/twijfel", NOON - timedelta(minutes=10))
    status, _, body = await _get(f"{base}/readyz")
    assert status == 503
    assert body == "scheduler: due work waits 600s (limit 120s); is a worker running?\n"

    await store.due.schedule("stuck/twijfel", NOON + timedelta(days=1))  # a worker caught up
    status, _, _ = await _get(f"{base}/readyz")
    assert status == 200


async def test_not_ready_when_redis_does_not_answer(dead_store: Store, serve: Serve) -> None:
    base = await serve(dead_store, FixedClock(NOON))
    status, _, body = await _get(f"{base}/readyz")
    assert status == 503
    assert body.startswith("redis: ")
    assert body.count("\n") == 1


# -- metrics ----------------------------------------------------------------------------------


def _samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(exposition)
        for s in family.samples
    }


async def test_metrics_show_what_every_process_counted(
    store: Store, redis_url: str, serve: Serve
) -> None:
    counters = Counters(store)
    await counters.add("messages_sent", 3)
    await counters.add("failures_gone", 2)
    await counters.add("webhook_stale_whatsapp", 4)
    for name in danger("acute", "suicide_plan"):
        await counters.add(name)
    await store.due.schedule("late/twijfel", NOON - timedelta(seconds=45))
    await store.due.schedule("later/twijfel", NOON + timedelta(hours=1))
    await heartbeat(store, "worker", "host:worker:7", RealClock().now() - timedelta(seconds=5))

    base = await serve(store, FixedClock(NOON))
    status, content_type, body = await _get(f"{base}/metrics")
    assert status == 200
    assert content_type.startswith("text/plain; version=")
    samples = _samples(body)

    assert samples["druppel_messages_sent_total", ()] == 3
    assert samples["druppel_send_failures_total", (("kind", "gone"),)] == 2
    assert samples["druppel_send_failures_total", (("kind", "parked"),)] == 0
    assert samples["druppel_webhook_stale_total", (("channel", "whatsapp"),)] == 4
    assert samples["druppel_danger_signals_total", ()] == 1
    by_tier = "druppel_danger_signals_by_tier_total"
    assert samples[by_tier, (("tier", "acute"),)] == 1
    assert samples[by_tier, (("tier", "concern"),)] == 0
    by_category = "druppel_danger_signals_by_category_total"
    assert samples[by_category, (("category", "suicide_plan"),)] == 1
    assert samples[by_category, (("category", "violence"),)] == 0
    assert samples["druppel_signups_total", ()] == 0
    assert samples["druppel_due_members", ()] == 2
    assert samples["druppel_leases_in_flight", ()] == 0
    assert samples["druppel_scheduler_lag_seconds", ()] == pytest.approx(45)
    assert samples["druppel_participants", ()] == 0
    worker = (("role", "worker"), ("version", druppel_version()), ("worker", "host:worker:7"))
    assert 5 <= samples["druppel_worker_heartbeat_age_seconds", worker] < 15

    # A count added after the first scrape shows in the next: nothing is cached.
    await counters.add("messages_sent")
    _, _, body = await _get(f"{base}/metrics")
    assert _samples(body)["druppel_messages_sent_total", ()] == 4


async def test_metrics_are_unavailable_when_redis_does_not_answer(
    dead_store: Store, serve: Serve
) -> None:
    base = await serve(dead_store, FixedClock(NOON))
    status, _, body = await _get(f"{base}/metrics")
    assert status == 503
    assert body.startswith("redis: ")


async def test_metrics_ask_for_the_token_when_one_is_set(store: Store, serve: Serve) -> None:
    await Counters(store).add("signups")
    base = await serve(store, FixedClock(NOON), token="a-token-of-sixteen+")
    status, _, _ = await _get(f"{base}/metrics")
    assert status == 401
    status, _, _ = await _get(f"{base}/metrics", token="a-token-of-sixteen")
    assert status == 401
    status, _, body = await _get(f"{base}/metrics", token="a-token-of-sixteen+")
    assert (status, _samples(body)["druppel_signups_total", ()]) == (200, 1)
    # The probes need no secret: a process manager checks them as they are.
    assert (await _get(f"{base}/readyz"))[0] == 200
    assert (await _get(f"{base}/healthz"))[0] == 200


async def test_the_public_port_serves_webhooks_and_healthz_only(store: Store, serve: Serve) -> None:
    async def hook(request: web.Request) -> web.Response:
        return web.Response(text=f"got {await request.text()}")

    await Counters(store).add("signups")
    base = await serve(store, FixedClock(NOON), webhooks={"whatsapp": hook})
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/webhooks/whatsapp", data="hallo") as response:
            assert (response.status, await response.text()) == (200, "got hallo")
        async with http.post(f"{base}/webhooks/telegram", data="hallo") as response:
            assert response.status == 404
    status, _, body = await _get(f"{base}/healthz")
    assert (status, body) == (200, "ok\n")
    for private in ("/metrics", "/readyz"):
        assert (await _get(f"{base}{private}"))[0] == 404


# -- the process --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _wait_for(url: str, process: asyncio.subprocess.Process, within: float = 30) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        assert process.returncode is None, "druppel web exited before it answered"
        try:
            await _get(url)
            return
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    raise AssertionError(f"nothing answered at {url} within {within}s")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_druppel_web_serves_until_signalled_then_exits_0_without_a_traceback(
    store: Store, redis_url: str, tmp_path: Path, sig: signal.Signals
) -> None:
    await Counters(store).add("signups", 2)
    await store.due.schedule("stuck/twijfel", datetime.now(UTC) - timedelta(minutes=5))
    port, private = _free_port(), _free_port()
    ours = ("DRUPPEL_", "TELEGRAM_", "REDIS_URL", "DEFAULT_TIMEZONE", "PORT", "METRICS_")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(ours)}
    env.update(
        PORT=str(port),
        METRICS_PORT=str(private),
        REDIS_URL=redis_url,
        DRUPPEL_KEY_PREFIX=store.keys.prefix,
        DRUPPEL_DATA_DIR=str(tmp_path / "var"),
        DRUPPEL_ENCRYPTION_KEY=TEST_KEY,
        DRUPPEL_READY_MAX_LAG_SECONDS="600",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    log = tmp_path / "web.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.app.cli", "web",
            env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
        )  # fmt: skip
    base, inside = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{private}"
    try:
        await _wait_for(f"{base}/healthz", process)
        await _wait_for(f"{inside}/healthz", process)
        status, _, body = await _get(f"{inside}/readyz")
        assert status == 200, body  # 5 minutes late is within the 600 s this process allows
        _, _, body = await _get(f"{inside}/metrics")
        assert _samples(body)["druppel_signups_total", ()] == 2
        assert (await _get(f"{base}/metrics"))[0] == 404  # not on the public port
        process.send_signal(sig)
        code = await asyncio.wait_for(process.wait(), 15)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = log.read_text(encoding="utf-8", errors="replace")
    assert code == 0, output
    assert "Traceback" not in output
    assert output.rstrip().endswith("druppel web: stopped"), output


# -- settings ---------------------------------------------------------------------------------


def test_metrics_listen_on_loopback_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("METRICS_PORT", "METRICS_HOST", "METRICS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    s = Settings()
    assert (s.metrics_host, s.metrics_port, s.metrics_token) == ("127.0.0.1", 8081, None)
    monkeypatch.setenv("METRICS_HOST", "0.0.0.0")
    monkeypatch.setenv("METRICS_TOKEN", "a-token-of-sixteen+")
    s = Settings()
    assert s.metrics_token is not None
    assert (s.metrics_host, s.metrics_token.get_secret_value()) == (
        "0.0.0.0",
        "a-token-of-sixteen+",
    )


@pytest.mark.parametrize("token", ["", "   ", "short"])
def test_a_blank_or_short_metrics_token_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, token: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("METRICS_TOKEN", token)
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert "at least 16 characters" in str(refused.value)
