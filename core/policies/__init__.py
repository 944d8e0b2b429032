"""The tier policies shipped with tierbot, as text for core.tiering.parse_policy.

Reading package files lives here, outside core.tiering, which does no I/O.
"""

from __future__ import annotations

from importlib import resources

EXAMPLES = ("default", "sponsor")


def default_policy_text() -> str:
    return example_policy_text("default")


def example_policy_text(name: str) -> str:
    """The text of a shipped policy: "default" or "sponsor"."""
    if name not in EXAMPLES:
        raise ValueError(f"no shipped policy named {name!r} (have: {', '.join(EXAMPLES)})")
    return resources.files(__package__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
