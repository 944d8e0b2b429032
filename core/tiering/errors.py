"""What can go wrong in the tiering engine.

    TieringError                 base of everything raised here
    ├── PolicyError              the policy text is not a usable policy (carries every issue found)
    └── BookError                the caller handed in an inconsistent book (duplicate ids,
                                 statistics built under another policy, a naive `now`)

Bad *facts* (missing ratings, odd amounts, future dates) never raise: they produce flags.
"""

from __future__ import annotations

from typing import NamedTuple


class TieringError(Exception):
    """Base class for errors raised by core.tiering."""


class PolicyIssue(NamedTuple):
    """One problem in a policy: a (key path, message) pair such as
    ("value.tiers[1].min_score", "must be between 0 and 100")."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class PolicyError(TieringError):
    """The policy text could not be parsed or validated; `issues` lists every problem found."""

    def __init__(self, issues: list[PolicyIssue]) -> None:
        self.issues = list(issues)
        super().__init__("invalid policy:\n" + "\n".join(f"  {issue}" for issue in self.issues))

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(issue.path for issue in self.issues)


class BookError(TieringError):
    """The facts or statistics handed to the engine do not fit together."""
