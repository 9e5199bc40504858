"""WhatsApp's settings: all or nothing, and `druppel check` names what is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app.settings import Settings
from bot.app.whatsapp import configured, describe, problems

ROOT = Path(__file__).resolve().parent.parent
FULL = {
    "WHATSAPP_ACCESS_TOKEN": "EAAG-token",
    "WHATSAPP_PHONE_NUMBER_ID": "1099001",
    "WHATSAPP_APP_SECRET": "secret",
    "WHATSAPP_VERIFY_TOKEN": "verify",
    "WHATSAPP_TEMPLATE_NAME": "druppel_verder",
    "WHATSAPP_TEMPLATE_PARAMETERS": '["{first_name}"]',
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("WHATSAPP_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    return monkeypatch


def _settings(monkeypatch: pytest.MonkeyPatch | None = None, **env: str) -> Settings:
    for name, value in env.items():
        assert monkeypatch is not None
        monkeypatch.setenv(name, value)
    return Settings()


def test_whatsapp_is_off_without_its_settings_and_then_nothing_is_missing() -> None:
    settings = _settings()
    assert not configured(settings)
    assert problems(settings) == []
    assert describe(settings) == "whatsapp: off (no WHATSAPP_* settings)"


def test_one_whatsapp_setting_asks_for_all_of_them(env: pytest.MonkeyPatch) -> None:
    settings = _settings(env, WHATSAPP_ACCESS_TOKEN="EAAG-token")
    assert problems(settings) == [
        "WHATSAPP_PHONE_NUMBER_ID is not set", "WHATSAPP_APP_SECRET is not set",
        "WHATSAPP_VERIFY_TOKEN is not set", "WHATSAPP_TEMPLATE_NAME is not set",
    ]  # fmt: skip


def test_full_settings_are_described_without_secrets(env: pytest.MonkeyPatch) -> None:
    settings = _settings(env, **FULL)
    assert settings.whatsapp_api_base_url == "https://graph.facebook.com/v25.0"
    assert settings.whatsapp_template_parameters == ["{first_name}"]
    assert settings.whatsapp_max_per_second == 80
    line = describe(settings)
    assert line.endswith(": ok")
    assert "druppel_verder (nl, 1 parameters)" in line
    assert "EAAG" not in line
    assert "secret" not in line


def _check(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("WHATSAPP_", "REDIS_URL", "DRUPPEL_"))}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "bot.app.cli", "check"], cwd=ROOT, capture_output=True, text=True,
        env={**base, "DRUPPEL_DATA_DIR": str(tmp_path / "var"), **env}, timeout=60,
    )  # fmt: skip


def test_druppel_check_names_a_missing_whatsapp_setting(tmp_path: Path) -> None:
    partial = {k: v for k, v in FULL.items() if k != "WHATSAPP_VERIFY_TOKEN"}
    done = _check(tmp_path, partial)
    assert done.returncode == 2
    assert done.stderr == "druppel: WhatsApp settings: WHATSAPP_VERIFY_TOKEN is not set\n"


def test_druppel_check_reports_whatsapp_ok(tmp_path: Path) -> None:
    done = _check(tmp_path, FULL)
    assert done.returncode == 0, done.stderr
    assert "whatsapp: number 1099001 at https://graph.facebook.com/v25.0" in done.stdout
