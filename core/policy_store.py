"""Which tier policy is in force: `TIERBOT_POLICY_FILE` when the operator set one (reading the
file is core's job; parsing is core.tiering's), else the default shipped in the package."""

from __future__ import annotations

from pathlib import Path

from core.errors import ConfigError
from core.policies import default_policy_text
from core.settings import Settings
from core.tiering import Policy, PolicyError, parse_policy


def read_policy_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"TIERBOT_POLICY_FILE: no such file {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"TIERBOT_POLICY_FILE: cannot read {path} ({exc})") from None


def effective_policy(settings: Settings) -> Policy:
    """The policy in force; an invalid pinned file stops the start with its first error."""
    if settings.policy_file is None:
        return parse_policy(default_policy_text())
    try:
        return parse_policy(read_policy_file(settings.policy_file))
    except PolicyError as exc:
        first = exc.issues[0] if exc.issues else None
        detail = f"{first.path}: {first.message}" if first else str(exc)
        raise ConfigError(f"TIERBOT_POLICY_FILE: {settings.policy_file} is invalid ({detail}; "
                          f"`tierbot policy check` lists every error)") from None
