"""Settings: plain URLs map to our drivers; a bad value stops with one line naming the variable."""

from __future__ import annotations

from datetime import time

import pytest

from core.errors import ConfigError
from core.settings import load_settings, normalise_database_url, parse_hhmm, parse_quiet_hours


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///data/x.db", "sqlite:///data/x.db"),
        ("sqlite:////abs/x.db", "sqlite:////abs/x.db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+asyncpg://u@h:5/db", "postgresql+psycopg://u@h:5/db"),
    ],
)
def test_plain_database_urls_map_to_project_drivers(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


@pytest.mark.parametrize(
    ("env", "value", "needle"),
    [
        ("TIERBOT_DATABASE_URL", "mysql://x/y", "TIERBOT_DATABASE_URL: unsupported database"),
        ("TIERBOT_DATABASE_URL", "not a url", "TIERBOT_DATABASE_URL: not a database URL"),
        ("TIERBOT_DATABASE_URL", "sqlite://relative.db", "TIERBOT_DATABASE_URL: SQLite URLs look like"),
        ("TELEGRAM_BOT_TOKEN", "12345", "TELEGRAM_BOT_TOKEN: malformed token"),
        ("TIERBOT_TIMEZONE", "Mars/Base", "TIERBOT_TIMEZONE: unknown timezone"),
        ("TIERBOT_CURRENCY", "yuan", "TIERBOT_CURRENCY"),
        ("TIERBOT_QUIET_HOURS", "9pm", "TIERBOT_QUIET_HOURS"),
        ("TIERBOT_TELEGRAM_API_URL", "ftp://x", "TIERBOT_TELEGRAM_API_URL"),
    ],
)
def test_bad_values_give_one_clear_line(monkeypatch: pytest.MonkeyPatch, env: str, value: str, needle: str) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    message = str(caught.value)
    assert message.startswith(needle) and "\n" not in message


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TIERBOT_DATABASE_URL", "TIERBOT_TIMEZONE", "TELEGRAM_BOT_TOKEN", "TIERBOT_TELEGRAM_API_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.database_url == "sqlite:///data/tierbot.db"
    assert settings.timezone == "Asia/Shanghai" and settings.currency == "CNY"
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.telegram_bot_token is None


def test_env_file_is_read(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text("TIERBOT_TIMEZONE=Europe/Berlin\nTIERBOT_CURRENCY=eur\n")
    monkeypatch.delenv("TIERBOT_TIMEZONE", raising=False)
    settings = load_settings(_env_file=env)
    assert (settings.timezone, settings.currency) == ("Europe/Berlin", "EUR")


def test_quiet_hours_parsing() -> None:
    assert parse_quiet_hours("off") is None
    start, end = parse_quiet_hours("21:00–08:00")
    assert (start.hour, end.hour) == (21, 8)
    with pytest.raises(ValueError):
        parse_quiet_hours("08:00-08:00")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8:45", time(8, 45)),
        ("08:45", time(8, 45)),
        ("8：45", time(8, 45)),
        ("8点45", time(8, 45)),
        ("8点45分", time(8, 45)),
        ("8点半", time(8, 30)),
        ("8点", time(8, 0)),
        ("21:00", time(21, 0)),
    ],
)
def test_a_time_of_day_as_people_write_it(text: str, expected: time) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize("text", ["25:00", "8点61", "半", "eight"])
def test_a_time_of_day_that_is_none(text: str) -> None:
    with pytest.raises(ValueError):
        parse_hhmm(text)
