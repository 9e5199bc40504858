"""Shared fixtures: a real Redis for every test that needs one, isolated by key prefix, and the
journey kit on it.

With REDIS_URL set the tests use that server; otherwise they start the embedded redis-server once
per session. Each test gets its own key prefix and its keys are removed afterwards, so tests never
see each other's data and a shared server is left as it was found.

`kit` is a journey on the real engine (tests/journey_kit.py), its clock at START; a module or
test marked ``pytest.mark.kit(operator_ids=..., ...)`` gets those settings on top. The end-to-end
tests' `world` is in tests/e2e/conftest.py.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis
from hypothesis import settings

from bot.channels.telegram.adapter import TelegramChannel
from storage.crypto import TextCipher
from storage.embedded import server_args, socket_path_for
from storage.keys import Keys
from storage.models import Channel
from storage.redis_server import redis_server_binary
from storage.store import Store, connect_redis
from tests.fakes.telegram_api import FakeTelegram
from tests.journey_kit import START, TEST_KEY, Kit, journey_kit

#: Hypothesis's per-example deadline (200 ms) times the machine, not druppel: on two busy cores an
#: example of half a millisecond was once descheduled for half a second and failed as "flaky".
#: What must be fast has its own test (a 4,096-character message is read in milliseconds).
settings.register_profile("druppel", deadline=None)
settings.load_profile("druppel")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "kit(**settings): settings (and courses_dir) for the `kit` fixture's engine"
    )


#: Modules outside tests/e2e/ whose tests take seconds each too: they start druppel as a process
#: or run a whole course on a clock.
LONG_MODULES = frozenset({
    "test_cli", "test_demo", "test_embedded_redis", "test_key_canary", "test_privacy_cli",
    "test_web", "test_whatsapp_demo", "test_whatsapp_settings",
})  # fmt: skip
#: The share of the run over which the long tests are spread; the rest is short tests only.
LONG_SPREAD = 0.85


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that touches Redis is marked, so CI can rerun them against another server, and
    every end-to-end test (tests/e2e/) is marked `e2e`.

    The long tests (end-to-end ones, each starting druppel's processes, and LONG_MODULES) are
    spread evenly through the run: side by side on every worker at once they would share two
    cores among a dozen processes and each take twice as long. They are spread over the first
    LONG_SPREAD of it: a long test handed out last would keep one worker busy while the
    others have nothing left."""
    for item in items:
        if "redis_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.redis)
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.e2e)
    heavy = [item for item in items if _long(item)]
    light = [item for item in items if not _long(item)]
    if not heavy or not light:
        return
    every = LONG_SPREAD * len(light) / len(heavy)
    placed: list[tuple[float, int, pytest.Item]] = [(i, 1, item) for i, item in enumerate(light)]
    placed += [(j * every, 0, item) for j, item in enumerate(heavy)]
    placed.sort(key=lambda p: (p[0], p[1]))
    items[:] = [item for _, _, item in placed]


def _long(item: pytest.Item) -> bool:
    return "e2e" in item.path.parts or item.path.stem in LONG_MODULES


def _wait_for_ping(url: str, process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"embedded redis-server exited with {process.returncode}")
        try:
            if redis.Redis.from_url(url, socket_timeout=1).ping():
                return
        except (redis.RedisError, OSError):
            time.sleep(0.02)
    raise RuntimeError("embedded redis-server did not answer in time")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    data_dir = tmp_path_factory.mktemp("redis")
    socket = socket_path_for(data_dir)
    process = subprocess.Popen(
        [redis_server_binary(), *server_args(data_dir, socket), "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"unix://{socket}"
    try:
        _wait_for_ping(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def keys() -> Keys:
    return Keys(f"t{secrets.token_hex(4)}")


@pytest.fixture
async def redis_client(redis_url: str, keys: Keys) -> AsyncIterator[aioredis.Redis]:
    client = await connect_redis(redis_url)
    try:
        yield client
    finally:
        stale = [key async for key in client.scan_iter(match=keys.everything(), count=1000)]
        if stale:
            await client.delete(*stale)
        await client.aclose()


@pytest.fixture
def cipher() -> TextCipher:
    """What every store of the tests seals with (the kit's and the processes' key)."""
    return TextCipher([TEST_KEY])


@pytest.fixture
def store(redis_client: aioredis.Redis, keys: Keys, cipher: TextCipher) -> Store:
    return Store(redis_client, keys, cipher)


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture
async def kit(
    request: pytest.FixtureRequest,
    redis_url: str,
    keys: Keys,
    tmp_path: Path,
    redis_client: aioredis.Redis,
) -> AsyncIterator[Kit]:
    marker = request.node.get_closest_marker("kit")
    overrides = marker.kwargs if marker else {}
    async with journey_kit(redis_url, keys, tmp_path, START, **overrides) as k:
        yield k


#: The bot token of the kit's Telegram channel (the fake Bot API knows the bot by it).
KIT_TOKEN = "5550004:kit"


@pytest.fixture
async def telegram(kit: Kit, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeTelegram]:
    """The kit's engine speaking Telegram: real python-telegram-bot against the fake Bot API."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    async with FakeTelegram(KIT_TOKEN) as tg:
        channel = TelegramChannel(KIT_TOKEN, tg.root, kit.engine.conversation, poll_timeout=1)
        kit.engine.senders[Channel.TELEGRAM] = channel
        kit.engine.staff.publishing.files[Channel.TELEGRAM] = channel.download
        await channel.start_polling()
        try:
            yield tg
        finally:
            await channel.stop()
