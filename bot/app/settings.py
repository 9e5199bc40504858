"""The one place druppel reads its configuration: the environment and an optional `.env` file.

Every other module receives what it needs as arguments, so no module reads `os.environ`.
"""

from __future__ import annotations

import re
from contextlib import AbstractAsyncContextManager
from datetime import time
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from scheduler.hours import Hours, parse_hours
from storage.crypto import TextCipher, parse_keys
from storage.models import TimeZoneName
from storage.store import Store, open_store

#: The courses that ship with druppel.
#: The shortest retention period besides 0 (off): the notice comes 14 days before the erasure.
MIN_RETENTION_DAYS = 30
BUILTIN_COURSES_DIR = Path(__file__).resolve().parents[2] / "courses"


def _env(name: str, default: Any = None, **rules: Any) -> Any:
    """A setting read from the environment variable `name` (a `.env` file may write it in lower
    case too), with `default` when it is unset and pydantic's `Field` rules (`gt`, `pattern`)."""
    alias = AliasChoices(name, name.lower())
    if "default_factory" in rules:
        return Field(validation_alias=alias, **rules)
    return Field(default, validation_alias=alias, **rules)


def _retention_period(days: int) -> int:
    """0 keeps everything until it is erased; a period is long enough for the notice."""
    if 0 < days < MIN_RETENTION_DAYS:
        raise ValueError(
            f"0 (keep until erased) or at least {MIN_RETENTION_DAYS} days: the notice comes "
            "14 days before"
        )
    return days


class Settings(BaseSettings):
    """All settings, each read from the environment variable named in its alias."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    telegram_bot_token: SecretStr | None = _env("TELEGRAM_BOT_TOKEN")
    telegram_webhook_url: str | None = _env("TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = _env("TELEGRAM_WEBHOOK_SECRET")
    telegram_api_base_url: str = _env("TELEGRAM_API_BASE_URL", "https://api.telegram.org")
    telegram_max_per_second: float = _env("TELEGRAM_MAX_PER_SECOND", 25.0, gt=0, le=1000)
    #: Lessons and broadcasts may use the whole budget: replies keep the last slots of its burst.
    #: Unset, it follows TELEGRAM_MAX_PER_SECOND (see `bulk_per_second`).
    telegram_bulk_per_second: float | None = _env("TELEGRAM_BULK_PER_SECOND", gt=0, le=1000)
    telegram_chat_burst: int = _env("TELEGRAM_CHAT_BURST", 3, ge=1, le=100)
    #: Telegram's paid broadcasting: lessons and broadcasts carry `allow_paid_broadcast`, so the
    #: bot may send up to 1000 a second, for up to 0.1 Telegram Stars a message from its balance.
    telegram_paid_broadcast: bool = _env("TELEGRAM_PAID_BROADCAST", False)
    #: The pace of lessons and broadcasts while paid broadcasting is on (Telegram allows 1000).
    telegram_paid_per_second: float = _env("TELEGRAM_PAID_PER_SECOND", 900.0, gt=0, le=1000)
    #: WhatsApp Cloud API: the access token, the business number's id, the app's secret (it
    #: signs webhooks and keys the hashes of phone numbers), and the webhook's verify token.
    whatsapp_access_token: SecretStr | None = _env("WHATSAPP_ACCESS_TOKEN")
    whatsapp_phone_number_id: str | None = _env(
        "WHATSAPP_PHONE_NUMBER_ID", pattern=r"^[0-9]{1,32}$"
    )
    whatsapp_app_secret: SecretStr | None = _env("WHATSAPP_APP_SECRET")
    whatsapp_verify_token: SecretStr | None = _env("WHATSAPP_VERIFY_TOKEN")
    whatsapp_api_base_url: str = _env("WHATSAPP_API_BASE_URL", "https://graph.facebook.com/v25.0")
    #: The approved template sent when a lesson is due outside the 24-hour window.
    whatsapp_template_name: str | None = _env(
        "WHATSAPP_TEMPLATE_NAME", pattern=r"^[a-z0-9_]{1,512}$"
    )
    whatsapp_template_language: str = _env(
        "WHATSAPP_TEMPLATE_LANGUAGE", "nl", pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$"
    )
    #: The template's body parameters, a JSON list; `{first_name}` is the participant's name.
    whatsapp_template_parameters: list[str] = _env(
        "WHATSAPP_TEMPLATE_PARAMETERS", default_factory=list
    )
    whatsapp_max_per_second: float = _env("WHATSAPP_MAX_PER_SECOND", 80.0, gt=0, le=1000)
    whatsapp_chat_burst: int = _env("WHATSAPP_CHAT_BURST", 10, ge=1, le=45)
    redis_url: str | None = _env("REDIS_URL")
    redis_cluster: bool | None = _env("REDIS_CLUSTER")
    data_dir: Path = _env("DRUPPEL_DATA_DIR", Path("var"))
    key_prefix: str = _env("DRUPPEL_KEY_PREFIX", "druppel", pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    clock_speed: float = _env("DRUPPEL_CLOCK_SPEED", 1.0, gt=0, le=1_000_000)
    tick_seconds: float = _env("DRUPPEL_TICK_SECONDS", 1.0, gt=0, le=60)
    #: Participants one process sends to at once (lessons being handled in parallel).
    worker_concurrency: int = _env("DRUPPEL_WORKER_CONCURRENCY", 32, ge=1, le=1000)
    lease_seconds: float = _env("DRUPPEL_LEASE_SECONDS", 15.0, gt=0, le=3600)
    default_timezone: TimeZoneName = _env("DEFAULT_TIMEZONE", "Europe/Amsterdam")
    courses_dir: Path = _env("DRUPPEL_COURSES_DIR", BUILTIN_COURSES_DIR)
    log_level: str = _env("DRUPPEL_LOG_LEVEL", "INFO")
    port: int = _env("PORT", 8080, ge=1, le=65535)
    # -- `druppel web`'s probes and metrics: a port of their own, on loopback unless said so ----
    metrics_port: int = _env("METRICS_PORT", 8081, ge=0, le=65535)
    metrics_host: str = _env("METRICS_HOST", "127.0.0.1", min_length=1)
    #: Asked of every /metrics request as `Authorization: Bearer <token>` when set.
    metrics_token: SecretStr | None = _env("METRICS_TOKEN")
    ready_max_lag_seconds: float = _env("DRUPPEL_READY_MAX_LAG_SECONDS", 120.0, gt=0, le=86400)
    operator_ids: str = _env("OPERATOR_IDS", "")
    preview_day_seconds: float = _env("DRUPPEL_PREVIEW_DAY_SECONDS", 5.0, gt=0, le=3600)
    operator_digest_time: time | None = _env("OPERATOR_DIGEST_TIME", time(8, 0))
    trainer_ids: str = _env("TRAINER_IDS", "")
    #: When the coaches answer, in DEFAULT_TIMEZONE (`ma-vr 09:00-17:00`); unset: any time.
    coach_hours: str | None = _env("COACH_HOURS")
    #: Fernet keys for participants' text at rest, comma separated, newest first.
    encryption_key: SecretStr | None = _env("DRUPPEL_ENCRYPTION_KEY")
    #: Days of silence (no message from them, no lesson to them) after which everything of a
    #: participant is erased, with a notice 14 days before; 0 keeps it until they erase it.
    retention_days: Annotated[int, AfterValidator(_retention_period)] = _env(
        "DRUPPEL_RETENTION_DAYS", 365, ge=0, le=36500
    )

    @field_validator("encryption_key")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        """Refused at start, naming which key is wrong but never showing it."""
        if value is None or not parse_keys(value.get_secret_value()):
            return None
        TextCipher(parse_keys(value.get_secret_value()))
        return value

    @property
    def encryption_keys(self) -> list[str]:
        secret = self.encryption_key
        return parse_keys(secret.get_secret_value() if secret else None)

    @property
    def bulk_per_second(self) -> float:
        """The pace of lessons and broadcasts: TELEGRAM_BULK_PER_SECOND, never above the overall
        pace, which it follows when unset (raising the overall pace raises lessons with it)."""
        bulk = self.telegram_bulk_per_second
        return (
            self.telegram_max_per_second
            if bulk is None
            else min(bulk, self.telegram_max_per_second)
        )

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        """A webhook secret that is set must be one: a blank or short one would let anyone post
        updates as any chat. Telegram allows A-Z, a-z, 0-9, _ and - in it."""
        if value is None:
            return None
        secret = value.get_secret_value()
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", secret):
            raise ValueError(
                "must be 16 to 256 characters of A-Z, a-z, 0-9, _ and - (it is "
                f"{'empty' if not secret.strip() else f'{len(secret)} characters'}); leave it "
                "unset to derive one from the bot token"
            )
        return value

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token(cls, value: SecretStr | None) -> SecretStr | None:
        """A token that is set must keep someone out: a blank or short one refuses to start."""
        if value is not None and len(value.get_secret_value().strip()) < 16:
            raise ValueError("must be at least 16 characters; leave it unset for no token")
        return value

    @field_validator("operator_ids", "trainer_ids")
    @classmethod
    def _user_ids(cls, value: str) -> str:
        """Telegram user ids, comma separated: each a whole number."""
        ids = [part.strip() for part in value.split(",") if part.strip()]
        for user_id in ids:
            if not (user_id.isascii() and user_id.isdigit()):
                raise ValueError(f"{user_id!r} is not a Telegram user id (a whole number)")
        return ",".join(ids)

    @field_validator("coach_hours")
    @classmethod
    def _coach_hours(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parse_hours(value, "UTC")
        return value.strip()

    def hours(self) -> Hours | None:
        """The coaches' hours in the default time zone (None: any time)."""
        if self.coach_hours is None:
            return None
        return parse_hours(self.coach_hours, self.default_timezone)

    @property
    def operators(self) -> frozenset[str]:
        return frozenset(filter(None, self.operator_ids.split(",")))

    @property
    def trainers(self) -> frozenset[str]:
        return frozenset(filter(None, self.trainer_ids.split(",")))

    @field_validator("telegram_api_base_url", "whatsapp_api_base_url")
    @classmethod
    def _no_trailing_slash(cls, url: str) -> str:
        return url.rstrip("/")


def stored(settings: Settings, *, check: bool = True) -> AbstractAsyncContextManager[Store]:
    """The store the settings name: Redis (embedded or at REDIS_URL), key prefix, cluster
    mode and the keys that seal what is personal; with `check`, keys that cannot open what is
    stored are refused before anything starts."""
    return open_store(
        settings.redis_url, settings.data_dir, settings.key_prefix, settings.redis_cluster,
        settings.encryption_keys, check,
    )  # fmt: skip
