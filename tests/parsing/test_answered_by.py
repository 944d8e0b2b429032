"""Which logged interaction answers which follow-up (core.parsing.answered_by)."""

from __future__ import annotations

import pytest

from core.parsing import answered_by


@pytest.mark.parametrize(
    ("follow_up", "kind", "channel", "answered"),
    [
        ("给华为回电话", "call", None, True),
        ("call back Acme", "call", None, True),
        ("call back Acme", "deal", "call", True),  # a deal closed in a call
        ("call back Acme", "email", None, False),
        ("拜访星辰科技", "meeting", None, True),  # face to face either way
        ("visit them on site", "visit", None, True),
        ("发邮件确认报价", "email", None, True),
        ("发报价单", "call", None, False),  # names no channel: only the rep can tell
        ("send the quote", "email", None, False),
    ],
)
def test_answered_by(follow_up: str, kind: str, channel: str | None, answered: bool) -> None:
    assert answered_by(follow_up, kind, channel) is answered
