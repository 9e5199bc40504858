"""Settings come from the environment and `.env`, with documented defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.app.settings import BUILTIN_COURSES_DIR, Settings

ALL_SETTINGS = [
    "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "REDIS_URL", "DRUPPEL_DATA_DIR",
    "DRUPPEL_KEY_PREFIX", "DRUPPEL_CLOCK_SPEED", "DEFAULT_TIMEZONE", "DRUPPEL_COURSES_DIR",
    "DRUPPEL_LOG_LEVEL", "DRUPPEL_LEASE_SECONDS",
]  # fmt: skip


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ALL_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults() -> None:
    s = Settings()
    assert s.telegram_bot_token is None
    assert s.telegram_api_base_url == "https://api.telegram.org"
    assert s.redis_url is None
    assert s.data_dir == Path("var")
    assert s.key_prefix == "druppel"
    assert s.clock_speed == 1.0
    assert s.default_timezone == "Europe/Amsterdam"
    assert s.courses_dir == BUILTIN_COURSES_DIR
    # A dead worker's leases and chat locks lapse after 15 real seconds (README, "Recovery").
    assert s.lease_seconds == 15


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/")
    monkeypatch.setenv("DRUPPEL_CLOCK_SPEED", "8640")
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Europe/Brussels")
    s = Settings()
    assert s.telegram_bot_token is not None
    assert s.telegram_bot_token.get_secret_value() == "123:abc"
    assert "123:abc" not in repr(s)
    assert s.telegram_api_base_url == "http://127.0.0.1:8081"
    assert s.clock_speed == 8640
    assert s.default_timezone == "Europe/Brussels"


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("REDIS_URL=redis://127.0.0.1:6379/3\n", encoding="utf-8")
    assert Settings().redis_url == "redis://127.0.0.1:6379/3"


@pytest.mark.parametrize(
    ("name", "value"),
    [("DEFAULT_TIMEZONE", "Nowhere/City"), ("DRUPPEL_CLOCK_SPEED", "0"),
     ("DRUPPEL_KEY_PREFIX", "has space")],
)  # fmt: skip
def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


@pytest.mark.parametrize("secret", ["", "   ", "short", "has spaces in it, sixteen+", "é" * 20])
def test_a_blank_short_or_odd_webhook_secret_is_refused(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", secret)
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert "16 to 256 characters" in str(refused.value)


def test_a_real_webhook_secret_or_none_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().telegram_webhook_secret is None
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "a_Good-secret_0123456789")
    found = Settings().telegram_webhook_secret
    assert found is not None
    assert found.get_secret_value() == "a_Good-secret_0123456789"


@pytest.mark.parametrize("secret", ["", "tooshort"])
def test_druppel_refuses_to_start_with_a_weak_webhook_secret_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], secret: str
) -> None:
    from bot.app.cli import main

    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", secret)
    assert main(["check"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("druppel: setting TELEGRAM_WEBHOOK_SECRET: ")
    assert "\n" not in err
    assert "tooshort" not in err  # the secret itself is never shown
