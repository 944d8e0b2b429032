"""What can go wrong in the tiering engine: `TieringError` and below, defined with the rest of
tierbot's errors in core.errors (one tree; that module imports nothing, so the engine stays pure).

    TieringError                 base of everything raised here
    ├── PolicyError              the policy text is not a usable policy (carries every issue found)
    └── BookError                the caller handed in an inconsistent book (duplicate ids,
                                 statistics built under another policy, a naive `now`)

Bad *facts* (missing ratings, odd amounts, future dates) never raise: they produce flags.
"""

from __future__ import annotations

from core.errors import BookError, PolicyError, PolicyIssue, TieringError

__all__ = ["BookError", "PolicyError", "PolicyIssue", "TieringError"]
