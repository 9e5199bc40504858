"""A wrong or dropped encryption key stops druppel before it starts, in one line, instead of
parking every participant's messages as unreadable one by one."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from storage.crypto import TextCipher
from storage.keys import Keys
from storage.models import Channel
from storage.store import Store

ROOT = Path(__file__).resolve().parent.parent
_OURS = {"REDIS_URL", "DRUPPEL_DATA_DIR", "DRUPPEL_KEY_PREFIX", "DRUPPEL_ENCRYPTION_KEY"}

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()

pytestmark = pytest.mark.redis

WRONG = (
    "druppel: no key in DRUPPEL_ENCRYPTION_KEY opens what this Redis holds: a wrong key, or the "
    "data of another installation. Set the key that sealed it; nothing was started\n"
)
DROPPED = (
    "druppel: a key that sealed part of what this Redis holds is missing from "
    "DRUPPEL_ENCRYPTION_KEY: put it back behind the newest, run `druppel privacy rotate-key`, "
    "and only then drop it; nothing was started\n"
)


def druppel(
    *args: str, env: dict[str, str], embedded: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run `druppel` with only the settings a test names (`embedded`: on its own embedded Redis,
    so not in cluster mode either when the suite runs against a cluster)."""
    drop = _OURS | {"REDIS_CLUSTER"} if embedded else _OURS
    base = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run(
        [sys.executable, "-m", "bot.app.cli", *args],
        cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.fixture
def with_key(redis_url: str, keys: Keys) -> dict[str, str]:
    """`druppel check` on this test's Redis and prefix, with a channel so that it can pass."""
    return {"REDIS_URL": redis_url, "DRUPPEL_KEY_PREFIX": keys.prefix,
            "TELEGRAM_BOT_TOKEN": "5550001:check"}  # fmt: skip


def check(env: dict[str, str], key: str) -> tuple[int, str]:
    done = druppel("check", env={**env, "DRUPPEL_ENCRYPTION_KEY": key})
    return done.returncode, done.stderr


def test_a_wrong_key_is_refused_by_check_and_run_in_one_line(with_key: dict[str, str]) -> None:
    assert check(with_key, KEY_A) == (0, "")
    assert check(with_key, KEY_B) == (2, WRONG)
    run = druppel("run", env={**with_key, "DRUPPEL_ENCRYPTION_KEY": KEY_B,
                              "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9"})  # fmt: skip
    assert (run.returncode, run.stderr) == (2, WRONG)
    assert check(with_key, KEY_A) == (0, "")  # the refused starts changed nothing


def test_a_key_dropped_before_rotating_is_refused_and_may_go_after(
    with_key: dict[str, str],
) -> None:
    assert check(with_key, KEY_A)[0] == 0
    assert check(with_key, f"{KEY_B},{KEY_A}")[0] == 0  # B seals from now on, A still opens
    assert check(with_key, KEY_B) == (2, DROPPED)
    assert check(with_key, KEY_A) == (2, DROPPED)  # what B sealed since is not A's either
    rotated = druppel(
        "privacy", "rotate-key", env={**with_key, "DRUPPEL_ENCRYPTION_KEY": f"{KEY_B},{KEY_A}"}
    )
    assert rotated.returncode == 0, rotated.stderr
    assert check(with_key, KEY_B) == (0, "")
    assert check(with_key, KEY_A) == (2, WRONG)


async def test_what_an_older_release_sealed_is_tried_where_no_canary_stands(
    store: Store, with_key: dict[str, str], keys: Keys
) -> None:
    under_a = Store(store.redis, keys, TextCipher([KEY_A]))
    await under_a.participants.get_or_create(
        Channel.CONSOLE, "31612345678", now=datetime(2026, 11, 26, tzinfo=UTC)
    )
    assert check(with_key, KEY_B) == (2, WRONG)
    assert check(with_key, KEY_A) == (0, "")
    assert check(with_key, KEY_B) == (2, WRONG)  # and now the canary says so too


def test_the_embedded_redis_refuses_a_lost_key_file(tmp_path: Path) -> None:
    env = {"DRUPPEL_DATA_DIR": str(tmp_path), "TELEGRAM_BOT_TOKEN": "5550001:check"}
    first = druppel("check", env=env, embedded=True)
    assert first.returncode == 0, first.stderr
    (tmp_path / "encryption.key").unlink()  # a new one is made: it cannot open the old one's
    again = druppel("check", env=env, embedded=True)
    assert again.returncode == 2
    assert again.stderr == (
        "druppel: no key in DRUPPEL_ENCRYPTION_KEY (nor in "
        f"{tmp_path / 'encryption.key'}) opens what this Redis holds: a wrong key, or the data "
        "of another installation. Set the key that sealed it; nothing was started\n"
    )
