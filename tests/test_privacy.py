"""What druppel keeps, who reads it, and erasing it all from the chat."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core import texts
from bot.core.messages import Incoming, Kind
from storage.keys import Keys
from storage.models import Channel
from storage.store import Store
from tests.journey_kit import START, Kit, journey_kit

AMS = ZoneInfo("Europe/Amsterdam")
TRAINER = "424242"


pytestmark = pytest.mark.kit(trainer_ids=TRAINER)


async def _staff(kit: Kit, event: Incoming) -> None:
    await kit.engine.conversation.answer(event)


async def _names(store: Store, key: str, pid: str) -> bool:
    """Whether a key's name or content mentions the participant id."""
    if pid in key:
        return True
    kind = await store.redis.type(key)
    if kind == "set":
        return bool(await store.redis.sismember(key, pid))
    if kind == "hash":
        return pid in str(await store.redis.hgetall(key))
    if kind == "list":
        return pid in await store.redis.lrange(key, 0, -1)
    if kind == "zset":
        return await store.redis.zscore(key, pid) is not None
    if kind == "string":
        return pid in str(await store.redis.get(key))
    return False


async def test_privacy_says_plainly_that_no_person_reads_the_answers(kit: Kit) -> None:
    [statement] = await kit.say("1", "/privacy")
    assert "geen mens" in statement.text
    assert "/wisgegevens" in statement.text
    await kit.say("1", "/start twijfel")
    await kit.tap("1", "t:07:00")
    [done] = await kit.tap("1", "z:ok")
    assert "Geen mens leest je antwoorden" in done.text


async def test_erasing_everything_leaves_no_key_that_names_the_participant(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(START + timedelta(days=1))
    await kit.say("1", "Iets wat alleen van mij is.")
    store = kit.engine.store
    p = await store.participants.by_chat(Channel.CONSOLE, "1")
    assert p is not None
    # A broadcast still on its way to them, and a message still in their queue.
    for text in ("/broadcast", "Hallo allemaal"):
        await _staff(kit, Incoming.from_text(Channel.CONSOLE, TRAINER, text))
        if text == "/broadcast":
            await _staff(kit, Incoming(Channel.CONSOLE, TRAINER, Kind.BUTTON, data="b:s:all"))
    await _staff(kit, Incoming(Channel.CONSOLE, TRAINER, Kind.BUTTON, data="b:ok"))

    [ask] = await kit.answer("1", "/wisgegevens")
    assert ask.text == texts.DELETE_ASK
    before = len(kit.channel.to("1"))
    await kit.engine.conversation.answer(Incoming(Channel.CONSOLE, "1", Kind.BUTTON, data="w:ja"))
    assert [m.text for m in kit.channel.to("1")[before:]] == [texts.DELETE_DONE]

    keys = [str(k) async for k in store.redis.scan_iter(match=f"{store.keys.prefix}:*")]
    named = [key for key in keys if await _names(store, key, p.id)]
    assert named == [store.keys.erased(p.id)]  # the tombstone, for a day
    assert 0 < await store.redis.ttl(store.keys.erased(p.id)) <= 24 * 3600
    assert await store.participants.by_chat(Channel.CONSOLE, "1") is None
    [again] = await kit.tap("1", "w:ja")
    assert again.text == texts.DELETE_NOTHING


async def test_saying_no_keeps_everything(kit: Kit) -> None:
    await kit.sign_up("1")
    [ask] = await kit.answer("1", "/wisgegevens")
    assert [b.label for row in ask.buttons for b in row] == ["Ja, wis alles", "Nee, toch niet"]
    [kept] = await kit.tap("1", "w:nee")
    assert kept.text == texts.DELETE_KEPT
    assert await kit.engine.store.participants.by_chat(Channel.CONSOLE, "1") is not None


def test_the_erase_question_speaks_as_the_bot_does() -> None:
    """Warm and direct, in the first person like every other reply: what goes, that it cannot
    come back; no stiff passive ("kan niet ongedaan worden gemaakt", "is gewist")."""
    for said in (texts.DELETE_ASK, texts.DELETE_DONE, texts.DELETE_KEPT):
        assert re.search(r"\bik\b", said), said
        assert not re.search(r"\b(worden|wordt|is|zijn) (gewist|bewaard|gemaakt)\b", said), said
    for what in ("je cursus", "je antwoorden", "je scores"):
        assert what in texts.DELETE_ASK


async def test_privacy_says_how_long_data_is_kept_by_default_and_as_set(
    kit: Kit, redis_url: str, keys: Keys, tmp_path: Path
) -> None:
    [statement] = await kit.say("1", "/privacy")
    assert texts.PRIVACY_RETENTION.format(days=365) in statement.text
    async with journey_kit(redis_url, keys, tmp_path, START, retention_days="30") as other:
        [statement] = await other.say("1", "/privacy")
        assert texts.PRIVACY_RETENTION.format(days=30) in statement.text
    async with journey_kit(redis_url, keys, tmp_path, START, retention_days="0") as off:
        [statement] = await off.say("1", "/privacy")
        assert texts.PRIVACY_KEPT in statement.text


async def test_mijngegevens_sends_everything_held_as_one_json_file(kit: Kit) -> None:
    await kit.sign_up("1")
    await kit.run_until(START + timedelta(days=1))
    await kit.say("1", "Wat ik dacht op dag één.")
    got = await kit.answer("1", "/mijngegevens")
    [file] = got
    assert file.document is not None
    name, content = file.document
    assert name.endswith(".json")
    data = json.loads(content)
    assert data["profile"]["first_name"] == "Sanne"
    assert [e["course_id"] for e in data["enrollments"]] == ["twijfel"]
    assert [r["text"] for r in data["reflections"]] == ["Wat ik dacht op dag één."]
    assert "checkins" in data
    # Made at druppel's own time (the course clock), not the machine's.
    assert datetime.fromisoformat(data["exported_at"]) == kit.clock.now()
    store = kit.engine.store
    p = await store.participants.by_chat(Channel.CONSOLE, "1")
    assert p is not None
    # Nothing of it was copied into the chat's queue on the way.
    assert "dag één" not in str(await store.redis.hgetall(store.keys.queue_items(p.id)))
