"""`/mijngegevens` over the real Telegram path: the participant receives a JSON document."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.store import Store
from tests.test_telegram_e2e import COURSES, PRECISE, World, running_world


@pytest.fixture
async def world(store: Store, redis_url: str, tmp_path: Path) -> AsyncIterator[World]:
    async with running_world(store, redis_url, tmp_path, World) as w:
        yield w


async def test_mijngegevens_arrives_as_a_json_document(world: World) -> None:
    w, tg = world, world.tg
    w.speed = PRECISE
    await w.set_clock()
    await w.start()
    clock = await w.clock()
    chat = 8201
    await w.sign_up(chat, "twijfel", clock, deep_link=True)
    await w.receive_day(chat, COURSES["twijfel"], 1)
    tg.user_sends(chat, "Mijn eerste antwoord.")
    await w.next(chat)
    tg.user_sends(chat, "/mijngegevens")
    sent = await w.next(chat, lambda m: m.method == "sendDocument")
    assert sent.document_name is not None
    assert sent.document_name.endswith(".json")
    assert sent.document is not None
    data = json.loads(sent.document)
    assert [r["text"] for r in data["reflections"]] == ["Mijn eerste antwoord."]
