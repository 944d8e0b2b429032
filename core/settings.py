"""One Settings class, read from the environment and `.env`.

Nothing is created at import time: call `load_settings()` where a process starts. A bad value
raises `ConfigError` whose message is one line a person can act on.
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import ConfigError

TELEGRAM_API_URL = "https://api.telegram.org"
DEFAULT_DATABASE_URL = "sqlite:///data/tierbot.db"
_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,64}$")
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{16,256}")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

# Plain URL schemes a person writes → the drivers this project installs.
_DRIVERS = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
    "postgresql+psycopg2": "postgresql+psycopg",
    "postgresql+asyncpg": "postgresql+psycopg",
}


def normalise_database_url(url: str) -> str:
    """Map `sqlite:///x` / `postgresql://…` (or a driver-suffixed form) to our drivers."""
    scheme, sep, rest = url.strip().partition("://")
    if not sep or not rest:
        raise ValueError(f"not a database URL: {url!r} (try sqlite:///data/tierbot.db)")
    driver = _DRIVERS.get(scheme.lower())
    if driver is None:
        raise ValueError(f"unsupported database {scheme!r}: use sqlite:/// or postgresql://")
    if driver == "sqlite" and not rest.startswith("/"):
        raise ValueError(f"SQLite URLs look like sqlite:///path/to/file.db, not {url!r}")
    return f"{driver}://{rest}"


def parse_hhmm(value: str) -> time:
    """`09:00`, `8:45`, `8：45`, `8点45`, `8点45分`, `8点半`, `8点` → a time of day."""
    match = _HHMM.match(_colon_form(value.strip()))
    if not match:
        raise ValueError(f"{value!r} is not a time of day like 09:00")
    return time(int(match.group(1)), int(match.group(2)))


def _colon_form(text: str) -> str:
    """How people write a time in Chinese, to the HH:MM form: 8点45分 → 8:45, 8点半 → 8:30, 8点 → 8:00."""
    text = text.replace("：", ":").removesuffix("分")
    if text.endswith("点半"):
        return text[:-2] + ":30"
    if text.endswith("点"):
        return text[:-1] + ":00"
    return text.replace("点", ":")


def parse_quiet_hours(value: str) -> tuple[time, time] | None:
    """`21:00-08:00` → (21:00, 08:00); `off` or empty → None (no quiet hours)."""
    text = value.strip().replace("–", "-").replace("—", "-")
    if text.lower() in {"", "off", "none"}:
        return None
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError(f"{value!r} is not a range like 21:00-08:00")
    quiet = parse_hhmm(start), parse_hhmm(end)
    if quiet[0] == quiet[1]:
        raise ValueError(f"{value!r} starts and ends at the same time")
    return quiet


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {name!r} (use an IANA name like Asia/Shanghai)") from None
    return name


def zone_or_default(name: str | None, default: str) -> ZoneInfo:
    """A stored timezone, or the organisation's when it is missing or no longer valid."""
    try:
        return ZoneInfo(name or default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True)

    telegram_bot_token: str | None = Field(
        None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "telegram_bot_token")
    )
    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("TIERBOT_DATABASE_URL", "database_url"),
    )
    telegram_api_url: str = Field(
        TELEGRAM_API_URL,
        validation_alias=AliasChoices("TIERBOT_TELEGRAM_API_URL", "telegram_api_url"),
    )
    timezone: str = Field("Asia/Shanghai", validation_alias=AliasChoices("TIERBOT_TIMEZONE", "timezone"))
    policy_file: Path | None = Field(None, validation_alias=AliasChoices("TIERBOT_POLICY_FILE", "policy_file"))
    currency: str = Field("CNY", validation_alias=AliasChoices("TIERBOT_CURRENCY", "currency"))
    bot_username: str | None = Field(None, validation_alias=AliasChoices("TIERBOT_BOT_USERNAME", "bot_username"))
    quiet_hours: str = Field("21:00-08:00", validation_alias=AliasChoices("TIERBOT_QUIET_HOURS", "quiet_hours"))
    nudge_time: str = Field("15:00", validation_alias=AliasChoices("TIERBOT_NUDGE_TIME", "nudge_time"))
    send_rate: float = Field(25.0, gt=0, le=1000, validation_alias=AliasChoices("TIERBOT_SEND_RATE", "send_rate"))
    invite_ttl_days: int = Field(
        7, ge=1, le=365, validation_alias=AliasChoices("TIERBOT_INVITE_TTL_DAYS", "invite_ttl_days")
    )
    # Production mode (README "Run in production"): the webhook's secret token, how often each
    # worker tries to become the leader that runs sweeps and sends the outbox, and how long a
    # sender owns the outbox rows it claimed (a dead sender's rows are claimable again after it).
    webhook_secret: str | None = Field(None, validation_alias=AliasChoices("TIERBOT_WEBHOOK_SECRET", "webhook_secret"))
    leader_check_seconds: float = Field(
        15.0, gt=0, le=60, validation_alias=AliasChoices("TIERBOT_LEADER_CHECK_SECONDS", "leader_check_seconds")
    )
    outbox_lease_seconds: float = Field(
        60.0, ge=1, le=3600, validation_alias=AliasChoices("TIERBOT_OUTBOX_LEASE_SECONDS", "outbox_lease_seconds")
    )
    # Nightly SQLite backups (core.ops.backup): the directory, or `off`; empty → `backups/` beside
    # the database file (data/backups for the default database).
    backup_dir: str = Field("", validation_alias=AliasChoices("TIERBOT_BACKUP_DIR", "backup_dir"))

    # The Mini App (web/): the HTTPS address it is reachable at (menu button and 📋 Open buttons
    # appear only when set) and how old a Web App initData may be.
    web_public_url: str | None = Field(None, validation_alias=AliasChoices("TIERBOT_WEB_PUBLIC_URL", "web_public_url"))
    web_auth_max_age: int = Field(
        3600, ge=60, le=7 * 86400, validation_alias=AliasChoices("TIERBOT_WEB_AUTH_MAX_AGE", "web_auth_max_age")
    )

    @field_validator("web_public_url")
    @classmethod
    def _web_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not re.match(r"^https://[^/\s]+", value):
            raise ValueError("Telegram opens Mini Apps over HTTPS only: use an https:// URL")
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not _TOKEN.match(value):
            raise ValueError("malformed token: expected the form 123456789:ABC… from @BotFather")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        # Telegram allows 1-256 of these characters; fewer than 16 is too easy to guess.
        if not _WEBHOOK_SECRET.fullmatch(value):
            raise ValueError(
                "use 16 to 256 characters of A-Z, a-z, 0-9, _ and - "
                "(e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        value = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError(f"{value!r} is not a three-letter currency code like CNY")
        return value

    @field_validator("nudge_time")
    @classmethod
    def _nudge(cls, value: str) -> str:
        parse_hhmm(value)
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        parse_quiet_hours(value)
        return value

    @field_validator("bot_username")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().lstrip("@")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", value):
            raise ValueError(f"{value!r} is not a Telegram bot username")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def default_quiet_hours(self) -> tuple[time, time] | None:
        return parse_quiet_hours(self.quiet_hours)


_ENV_NAMES = {
    "telegram_bot_token": "TELEGRAM_BOT_TOKEN",
    "database_url": "TIERBOT_DATABASE_URL",
    "telegram_api_url": "TIERBOT_TELEGRAM_API_URL",
    "timezone": "TIERBOT_TIMEZONE",
    "policy_file": "TIERBOT_POLICY_FILE",
    "currency": "TIERBOT_CURRENCY",
    "bot_username": "TIERBOT_BOT_USERNAME",
    "quiet_hours": "TIERBOT_QUIET_HOURS",
    "send_rate": "TIERBOT_SEND_RATE",
    "nudge_time": "TIERBOT_NUDGE_TIME",
    "invite_ttl_days": "TIERBOT_INVITE_TTL_DAYS",
    "backup_dir": "TIERBOT_BACKUP_DIR",
    "webhook_secret": "TIERBOT_WEBHOOK_SECRET",
    "leader_check_seconds": "TIERBOT_LEADER_CHECK_SECONDS",
    "outbox_lease_seconds": "TIERBOT_OUTBOX_LEASE_SECONDS",
    "web_public_url": "TIERBOT_WEB_PUBLIC_URL",
    "web_auth_max_age": "TIERBOT_WEB_AUTH_MAX_AGE",
}


def load_settings(**overrides: Any) -> Settings:
    """Read the settings; a bad value becomes one `ConfigError` line naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        name = _ENV_NAMES.get(field, field)
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None
