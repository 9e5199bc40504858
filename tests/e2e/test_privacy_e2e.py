"""`/mijngegevens` over the real Telegram path: the participant receives a JSON document."""

from __future__ import annotations

import json

from tests.e2e.processes import COURSES, PRECISE
from tests.e2e.telegram_world import TelegramWorld


async def test_mijngegevens_arrives_as_a_json_document(world: TelegramWorld) -> None:
    w, tg = world, world.tg
    w.speed = PRECISE
    clock = await w.up()
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
