"""Every error tierbot raises on purpose, in one tree. A transport turns each into a reply in the
user's language in one place (the chat: bot.error_replies); anything raised that is not here is a
bug, logged with its traceback, and the user gets a short apology.

    TierbotError
    ├── ConfigError        a setting is missing or malformed (start-up stops with one line)
    ├── BackupError        a backup or restore that cannot be done (one line a person can act on)
    ├── Refusal            the request cannot be done as asked; the user is told why
    │   ├── NotFound       the thing asked for does not exist (or is not visible to the asker)
    │   ├── Forbidden      the asker's role does not allow it
    │   │   └── PolicyPinned   TIERBOT_POLICY_FILE is set: the policy cannot be changed in chat
    │   ├── AlreadyDone    a single-use button was claimed by another press meanwhile
    │   ├── InvalidInput   a value failed validation; `.code` names the message, `.params` fill it
    │   └── ImportFileError  an uploaded file as a whole cannot be imported; `.code` names the
    │                        message (strings `import_errors`)
    └── TieringError       raised by the pure engine (core.tiering)
        ├── PolicyError    the policy text is not a usable policy (carries every issue found)
        └── BookError      the caller handed the engine an inconsistent book (duplicate ids,
                           statistics built under another policy, a naive `now`): a bug

This module imports nothing of tierbot, so every layer (core.tiering included) may use it.
"""

from __future__ import annotations

from typing import NamedTuple


class TierbotError(Exception):
    """Base of every error tierbot raises on purpose."""


class ConfigError(TierbotError):
    """A setting is missing or malformed."""


class BackupError(TierbotError):
    """A backup or restore that cannot be done; the message is one line a person can act on."""


# --- refusals: the user asked for something that cannot be done as asked ---------------------------------


class Refusal(TierbotError):
    """The request cannot be done as asked: nothing was written, and the user is told why."""


class NotFound(Refusal):
    """The thing asked for does not exist, or the asker may not see it (the same answer, on purpose)."""


class Forbidden(Refusal):
    """The asker's role does not allow it."""


class PolicyPinned(Forbidden):
    """TIERBOT_POLICY_FILE is set: the operator pinned the policy, chat cannot change it."""


class AlreadyDone(Refusal):
    """A single-use button whose work another press committed meanwhile."""


class InvalidInput(Refusal):
    """A value failed validation. `code` names the message; `params` fill it in."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class ImportFileError(Refusal):
    """The file as a whole cannot be imported. `code` names the message (strings `import_errors`)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(f"{code} {params}" if params else code)
        self.code = code
        self.params = params


# --- the tiering engine (core.tiering re-exports these) ---------------------------------------------------


class TieringError(TierbotError):
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
