"""Encryption at rest: what participants write is never readable in Redis or in its append-only
file, what an older release kept still reads, and rotating keys loses nothing."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis.asyncio as aioredis
from cryptography.fernet import Fernet
from pydantic import ValidationError

from bot.app.settings import Settings
from storage.answers import stored_reflection
from storage.crypto import SEALED, KeyRequired, Resealed, TextCipher, UndecryptableText
from storage.fields import encode_time
from storage.keys import Keys
from storage.models import MAX_REFLECTION_CHARS, Channel, ReflectionEntry
from storage.store import Store, open_store
from tests.journey_kit import Kit

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
AMS = ZoneInfo("Europe/Amsterdam")
PID = "p-enc"
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()

#: The `kit` of these tests seals what participants write with KEY_A.
pytestmark = pytest.mark.kit(encryption_key=KEY_A)


def secret_words() -> str:
    """A reflection no test run has written before, so finding it anywhere means a leak."""
    return f"Ik ben bang dat hij weggaat {secrets.token_hex(6)}"


def entry(words: str, day: int = 1) -> ReflectionEntry:
    return ReflectionEntry(course_id="twijfel", day=day, text=words, at=NOW)


def with_keys(redis_client: aioredis.Redis, keys: Keys, *fernet_keys: str) -> Store:
    return Store(redis_client, keys, TextCipher(fernet_keys))


def files_holding(data_dir: Path, needle: str) -> list[str]:
    """The names of the files the Redis server wrote in `data_dir` (Redis 7 keeps its
    append-only files in a folder there) that contain `needle`."""
    found = [p for p in data_dir.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]
    return sorted(p.name for p in found)


async def raw_reflections(redis_client: aioredis.Redis, keys: Keys) -> list[str]:
    return [str(raw) for raw in await redis_client.lrange(keys.reflections(PID), 0, -1)]


async def older_release_wrote(
    redis_client: aioredis.Redis, keys: Keys, words: str, day: int, fernet_key: str | None = None
) -> None:
    """A reflection as an older release stored it: in the clear, or as `fernet:<token>`."""
    kept = words if fernet_key is None else (
        "fernet:" + Fernet(fernet_key.encode()).encrypt(words.encode()).decode()
    )  # fmt: skip
    row = ["twijfel", day, int(encode_time(NOW)), kept]
    await redis_client.rpush(keys.reflections(PID), json.dumps(row, ensure_ascii=False))


async def test_redis_holds_no_reflection_text(redis_client: aioredis.Redis, keys: Keys) -> None:
    store = with_keys(redis_client, keys, KEY_A)
    words = secret_words()
    await store.reflections.add(PID, entry(words))

    [raw] = await raw_reflections(redis_client, keys)
    assert words not in raw
    assert "weggaat" not in raw
    stored = stored_reflection(raw)
    assert stored.text.startswith(SEALED)
    assert (stored.course_id, stored.day) == ("twijfel", 1)  # the record keeps its shape
    assert [e.text for e in await store.reflections.all(PID)] == [words]


async def test_the_append_only_file_on_disk_holds_no_reflection_text(tmp_path: Path) -> None:
    words, shown = secret_words(), secret_words()
    async with open_store(None, tmp_path, "aof", encryption_keys=[KEY_A]) as store:
        await store.reflections.add(PID, entry(words))
        assert [e.text for e in await store.reflections.all(PID)] == [words]
        # The check below could not see a leak if the file never held values at all.
        await older_release_wrote(store.redis, store.keys, shown, day=2)
    # The embedded server is stopped now, so everything it wrote is on disk.
    assert [n for n in files_holding(tmp_path, shown) if n.startswith("druppel.aof")]
    assert files_holding(tmp_path, words) == []


async def test_the_longest_reflection_fits_encrypted(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    store = with_keys(redis_client, keys, KEY_A)
    longest = "😊" * MAX_REFLECTION_CHARS  # four bytes each: the longest ciphertext there is
    await store.reflections.add(PID, entry(longest))
    assert [e.text for e in await store.reflections.all(PID)] == [longest]
    with pytest.raises(ValidationError):
        entry(longest + "!")  # the coach's limit is still the participant's limit


async def test_answers_an_older_release_kept_still_read(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    plain, fernet, after = secret_words(), secret_words(), secret_words()
    await older_release_wrote(redis_client, keys, plain, day=1)
    await older_release_wrote(redis_client, keys, fernet, day=2, fernet_key=KEY_A)
    store = with_keys(redis_client, keys, KEY_A)
    await store.reflections.add(PID, entry(after, day=3))
    assert [e.text for e in await store.reflections.all(PID)] == [plain, fernet, after]
    assert [e.text for e in await store.reflections.for_day(PID, "twijfel", 3)] == [after]


@pytest.mark.parametrize(
    "typed",
    [
        "fernet: zo heet mijn kat",
        "fernet:" + Fernet(KEY_A.encode()).encrypt(b"iets").decode(),  # a real token, typed
        SEALED + "ook dit typte iemand",
    ],
)
async def test_what_a_participant_types_is_read_back_as_typed_whatever_it_looks_like(
    redis_client: aioredis.Redis, keys: Keys, typed: str
) -> None:
    await with_keys(redis_client, keys, KEY_B).reflections.add(PID, entry(typed))
    assert [e.text for e in await with_keys(redis_client, keys, KEY_B).reflections.all(PID)] == [
        typed
    ]


async def test_rotation_moves_every_answer_to_the_new_key_and_the_old_key_can_go(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    plain, fernet, under_a = secret_words(), secret_words(), secret_words()
    await older_release_wrote(redis_client, keys, plain, day=1)
    await older_release_wrote(redis_client, keys, fernet, day=2, fernet_key=KEY_A)
    await with_keys(redis_client, keys, KEY_A).reflections.add(PID, entry(under_a, day=3))

    both = with_keys(redis_client, keys, KEY_B, KEY_A)
    assert [e.text for e in await both.reflections.all(PID)] == [plain, fernet, under_a]
    done = await both.reflections.reseal(PID)
    assert done == {Resealed.ENCRYPTED: 1, Resealed.ROTATED: 2}
    assert await both.reflections.reseal(PID) == {Resealed.UNCHANGED: 3}

    only_b = with_keys(redis_client, keys, KEY_B)
    assert [e.text for e in await only_b.reflections.all(PID)] == [plain, fernet, under_a]
    raws = await raw_reflections(redis_client, keys)
    assert not any(words in raw for raw in raws for words in (plain, fernet, under_a))
    with pytest.raises(UndecryptableText):
        await with_keys(redis_client, keys, KEY_A).reflections.all(PID)


async def test_reading_with_a_wrong_key_says_so_without_the_text(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    words = secret_words()
    await with_keys(redis_client, keys, KEY_A).reflections.add(PID, entry(words))
    with pytest.raises(UndecryptableText, match="cannot open it") as wrong:
        await with_keys(redis_client, keys, KEY_B).reflections.all(PID)
    assert "DRUPPEL_ENCRYPTION_KEY" in str(wrong.value)
    assert words not in str(wrong.value)
    with pytest.raises(KeyRequired):
        TextCipher([])  # there is no store without a key


def test_settings_read_keys_newest_first_and_refuse_a_bad_one_without_showing_it() -> None:
    settings = Settings.model_validate({"DRUPPEL_ENCRYPTION_KEY": f" {KEY_B} , {KEY_A} "})
    assert settings.encryption_keys == [KEY_B, KEY_A]
    assert Settings.model_validate({"DRUPPEL_ENCRYPTION_KEY": ""}).encryption_keys == []
    with pytest.raises(ValidationError, match="key 2 of 2 is not a Fernet key") as refused:
        Settings.model_validate({"DRUPPEL_ENCRYPTION_KEY": f"{KEY_A},geheimpje"})
    assert "geheimpje" not in str(refused.value.errors(include_url=False)[0]["msg"])


async def test_a_participants_answer_is_encrypted_on_its_way_in_and_shown_back_to_them(
    kit: Kit, redis_client: aioredis.Redis, keys: Keys
) -> None:
    await kit.sign_up("1")
    await kit.run_until(datetime(2026, 11, 26, 7, 30, tzinfo=AMS).astimezone(UTC))
    words = secret_words()
    await kit.say("1", words)

    participant = await kit.engine.store.participants.by_chat(Channel.CONSOLE, "1")
    assert participant is not None
    raws = await redis_client.lrange(keys.reflections(participant.id), 0, -1)
    assert len(raws) == 1
    assert words not in str(raws[0])
    [back] = await kit.answer("1", "/antwoorden")
    assert words in back.text
