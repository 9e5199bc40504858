"""`druppel privacy` for operators, `druppel check` about encryption, and retention: answers of
a course that ended long enough ago are removed, and nothing else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from cryptography.fernet import Fernet

from storage.crypto import TextCipher
from storage.keys import Keys
from storage.models import (
    Channel,
    CheckIn,
    Enrollment,
    EnrollmentStatus,
    ReflectionEntry,
)
from storage.store import Store
from tests.journey_kit import TEST_KEY

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
_OURS = {
    "REDIS_URL", "DRUPPEL_DATA_DIR", "DRUPPEL_KEY_PREFIX", "DRUPPEL_ENCRYPTION_KEY",
    "DRUPPEL_RETENTION_DAYS", "DRUPPEL_CLOCK_SPEED", "DRUPPEL_COURSES_DIR",
}  # fmt: skip


def druppel(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `druppel` with only the settings a test names."""
    base = {k: v for k, v in os.environ.items() if k not in _OURS}
    return subprocess.run(
        [sys.executable, "-m", "bot.app.cli", *args],
        cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.fixture
def on_redis(redis_url: str, keys: Keys) -> dict[str, str]:
    """The settings that point a `druppel` process at this test's Redis and key prefix."""
    return {"REDIS_URL": redis_url, "DRUPPEL_KEY_PREFIX": keys.prefix,
            "DRUPPEL_ENCRYPTION_KEY": TEST_KEY}  # fmt: skip


async def participant(store: Store, chat_id: str) -> str:
    created, _ = await store.participants.get_or_create(Channel.CONSOLE, chat_id, now=NOW)
    return created.id


async def answered(
    store: Store, pid: str, course_id: str, *, ended_days_ago: int | None = None
) -> None:
    """An enrollment with one reflection and one check-in; ended that many days ago, if given."""
    status, ended_at = EnrollmentStatus.ACTIVE, None
    if ended_days_ago is not None:
        status, ended_at = EnrollmentStatus.COMPLETED, NOW - timedelta(days=ended_days_ago)
    started = NOW - timedelta(days=(ended_days_ago or 0) + 9)
    await store.enrollments.save(
        Enrollment(participant_id=pid, course_id=course_id, status=status,
                   started_at=started, ended_at=ended_at)
    )  # fmt: skip
    text = f"Over {course_id}: ik merk dat ik twijfel."
    await store.reflections.add(pid, ReflectionEntry(course_id=course_id, day=1, text=text, at=NOW))
    await store.checkins.record(pid, CheckIn(course_id=course_id, day=1, score=4, at=NOW))


# -- rotate-key ---------------------------------------------------------------------------------


async def older_release_kept(redis_client: aioredis.Redis, keys: Keys, chat_id: str) -> str:
    """A participant as an older release kept them: everything in the clear, their chat filed
    under its own id, a reflection and a check-in."""
    pid = f"old{chat_id}"
    await redis_client.hset(keys.participant(pid), mapping={
        "channel": "console", "chat_id": chat_id, "first_name": "Wietske", "created_at": "0",
        "twijfel:started_at": "0"})  # fmt: skip
    await redis_client.hset(keys.chat_index(Channel.CONSOLE), chat_id, pid)
    row = ["twijfel", 1, 0, "Ik schreef dit lang geleden."]
    await redis_client.rpush(keys.reflections(pid), json.dumps(row))
    score = CheckIn(course_id="twijfel", day=1, score=3, at=NOW)
    await redis_client.hset(keys.checkins(pid), "twijfel:1", score.model_dump_json(
        include={"score", "at"}))  # fmt: skip
    return pid


async def test_rotate_key_seals_everything_under_the_newest_key_and_refiles_every_chat(
    redis_client: aioredis.Redis, keys: Keys, on_redis: dict[str, str]
) -> None:
    old = await older_release_kept(redis_client, keys, "31699")
    under_a = Store(redis_client, keys, TextCipher([KEY_A]))
    second = await participant(under_a, "2")
    await answered(under_a, second, "partner")

    done = druppel("privacy", "rotate-key", env={**on_redis, "DRUPPEL_ENCRYPTION_KEY":
                                                  f"{KEY_B},{KEY_A}"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "rotate-key: 4 answers now under the newest key (2 were plain text), "
        "2 participants looked at (their name and chat too)\n"
    )
    only_b = Store(redis_client, keys, TextCipher([KEY_B]))
    assert [r.course_id for r in await only_b.reflections.all(second)] == ["partner"]
    assert [r.text for r in await only_b.reflections.all(old)] == ["Ik schreef dit lang geleden."]
    assert [c.score for c in await only_b.checkins.all(old)] == [3]
    found = await only_b.participants.by_chat(Channel.CONSOLE, "31699")
    assert found is not None
    assert (found.id, found.first_name) == (old, "Wietske")
    assert await only_b.participants.by_chat(Channel.CONSOLE, "2") is not None
    index = await redis_client.hgetall(keys.chat_index(Channel.CONSOLE))
    assert len(index) == 2
    assert "31699" not in index
    assert "2" not in index
    held = str(await redis_client.hgetall(keys.participant(old)))
    assert "Wietske" not in held
    assert "31699" not in held


async def test_rotate_key_names_what_no_key_opens_and_leaves_it(
    redis_client: aioredis.Redis, keys: Keys, on_redis: dict[str, str]
) -> None:
    store = Store(redis_client, keys, TextCipher([KEY_A]))
    await answered(store, await participant(store, "1"), "twijfel")
    done = druppel("privacy", "rotate-key", env={**on_redis, "DRUPPEL_ENCRYPTION_KEY": KEY_B})
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "rotate-key: 0 answers now under the newest key (0 were plain text), "
        "1 participant looked at (their name and chat too); 3 could not be opened with any key in "
        "DRUPPEL_ENCRYPTION_KEY and were left as they were"
    ]
    assert len(await store.reflections.all(await participant(store, "1"))) == 1


def test_an_external_redis_without_a_key_is_refused_in_one_line_saying_how_to_make_one(
    on_redis: dict[str, str],
) -> None:
    without = {k: v for k, v in on_redis.items() if k != "DRUPPEL_ENCRYPTION_KEY"}
    for command in (("check",), ("privacy", "rotate-key")):
        done = druppel(*command, env={**without, "TELEGRAM_BOT_TOKEN": "5550001:check"})
        assert done.returncode == 2
        assert done.stderr == (
            "druppel: DRUPPEL_ENCRYPTION_KEY is not set, and with REDIS_URL it must be: make "
            "one with `druppel privacy new-key` and keep it safe\n"
        )
    made = druppel("privacy", "new-key", env={})
    assert made.returncode == 0
    key = made.stdout.strip()
    assert len(made.stdout.splitlines()) == 1
    assert key != druppel("privacy", "new-key", env={}).stdout.strip()
    done = druppel("check", env={**without, "TELEGRAM_BOT_TOKEN": "5550001:check",
                                 "DRUPPEL_ENCRYPTION_KEY": key})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "encryption: DRUPPEL_ENCRYPTION_KEY set; everything personal is sealed" in done.stdout


# -- delete -------------------------------------------------------------------------------------


async def test_delete_erases_a_participant_leaving_no_key_that_names_them(
    store: Store, redis_client: aioredis.Redis, keys: Keys, on_redis: dict[str, str]
) -> None:
    pid, other = await participant(store, "1"), await participant(store, "2")
    await answered(store, pid, "twijfel")
    await answered(store, other, "twijfel")

    done = druppel("privacy", "delete", pid, env=on_redis)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"deleted participant {pid}: records, answers, queue, schedule and chat link"
    ]
    names = [str(key) async for key in redis_client.scan_iter(match=keys.everything())]
    assert [name for name in names if pid in name] == [keys.erased(pid)]  # for a day
    assert not await redis_client.sismember(keys.participants(), pid)
    assert await store.participants.get(other) is not None
    assert len(await store.reflections.all(other)) == 1


@pytest.mark.parametrize("pid", ["p-nobody", "../{sched}"])
def test_delete_of_an_unknown_participant_fails_with_one_line(
    pid: str, on_redis: dict[str, str]
) -> None:
    done = druppel("privacy", "delete", pid, env=on_redis)
    assert done.returncode == 1
    assert done.stderr == f"druppel: there is no participant {pid!r}\n"
    assert done.stdout == ""


# -- check and settings -------------------------------------------------------------------------


def test_an_invalid_key_is_refused_at_start_in_one_line_that_does_not_show_it(
    on_redis: dict[str, str],
) -> None:
    done = druppel("check", env={**on_redis, "DRUPPEL_ENCRYPTION_KEY": "mijn-geheime-sleutel"})
    assert done.returncode == 2
    assert done.stderr.startswith(
        "druppel: setting DRUPPEL_ENCRYPTION_KEY: Value error, the key is not a Fernet key"
    )
    assert len(done.stderr.splitlines()) == 1
    assert "mijn-geheime-sleutel" not in done.stderr
    assert done.stdout == ""


# -- retention ----------------------------------------------------------------------------------


async def test_privacy_retention_tells_the_quiet_first_and_erases_them_14_days_later(
    store: Store, redis_client: aioredis.Redis, keys: Keys, on_redis: dict[str, str]
) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=400)
    quiet, _ = await store.participants.get_or_create(Channel.CONSOLE, "1", now=long_ago)
    active = await participant(store, "2")
    await store.activity.touch(active, datetime.now(UTC))

    done = druppel("privacy", "retention", env=on_redis)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "retention: told 1 participant quiet for 351 days, erased 0 participants quiet for 365 days"
    ]
    [notice] = await store.queue.items(quiet.id)
    assert notice.message is not None
    assert "/verder" in notice.message.text

    await store.activity.mark_told(quiet.id, datetime.now(UTC) - timedelta(days=15))
    done = druppel("privacy", "retention", env=on_redis)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        "retention: told 0 participants quiet for 351 days, erased 1 participant quiet for 365 days"
    )
    names = [str(key) async for key in redis_client.scan_iter(match=keys.everything())]
    assert [name for name in names if quiet.id in name] == [keys.erased(quiet.id)]
    assert await store.participants.get(active) is not None


def test_privacy_retention_when_switched_off_is_refused(on_redis: dict[str, str]) -> None:
    done = druppel("privacy", "retention", env={**on_redis, "DRUPPEL_RETENTION_DAYS": "0"})
    assert done.returncode == 2
    assert done.stderr == (
        "druppel: retention is off (DRUPPEL_RETENTION_DAYS=0); pass --days N to run it\n"
    )


def test_check_warns_when_retention_is_switched_off(on_redis: dict[str, str]) -> None:
    env = {**on_redis, "TELEGRAM_BOT_TOKEN": "5550001:check", "DRUPPEL_ENCRYPTION_KEY": KEY_A}
    assert druppel("check", env=env).stderr == ""
    done = druppel("check", env={**env, "DRUPPEL_RETENTION_DAYS": "0"})
    assert done.returncode == 0, done.stderr
    assert done.stderr == (
        "druppel: warning: DRUPPEL_RETENTION_DAYS=0, so nothing of a participant is ever erased "
        "unless they ask (the default erases after 365 quiet days)\n"
    )
