"""The `world` of an end-to-end test: druppel processes around a fake platform, stopped after.

A world is a Telegram one (tests/e2e/telegram_world.py) unless the module or test is marked
with another kind, ``pytest.mark.world(kind=WhatsAppWorld)``; a kind may be a subclass that adds
settings (a trainer, a webhook). It keeps its data in the suite's Redis (`world_redis`), unless
the module gives a Redis of its own by defining `world_redis` itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.store import Store
from tests.e2e.processes import Processes, WorldRedis
from tests.e2e.telegram_world import TelegramWorld


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "world(kind=...): the kind of world the `world` fixture makes (tests/e2e/)"
    )


@pytest.fixture
def world_redis(store: Store, redis_url: str) -> WorldRedis:
    """The suite's Redis, under the test's own key prefix (removed afterwards)."""
    return WorldRedis(store, redis_url)


@pytest.fixture
async def world(
    request: pytest.FixtureRequest, world_redis: WorldRedis, tmp_path: Path
) -> AsyncIterator[Processes]:
    """A world of the kind the test is marked with (Telegram's by default), stopped after."""
    marker = request.node.get_closest_marker("world")
    kind: type[Processes] = marker.kwargs["kind"] if marker else TelegramWorld
    async with kind.opened(world_redis.store, world_redis.url, tmp_path) as w:
        yield w
