"""Text as it may be stored: without C0 control characters.

PostgreSQL refuses NUL in text, and no other C0 control character belongs in a name, a note or
a cell; tab and line feed stay (multi-line notes), a carriage return becomes a line feed. Chat
input is cleaned once, at the gate (bot/access.py); imported cells in core/imports/files.py.
"""

from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # C0 (and DEL) except \t and \n
_NEWLINES = re.compile(r"\r\n?")


def strip_controls(text: str) -> str:
    if not CONTROL.search(text):
        return text
    return CONTROL.sub("", _NEWLINES.sub("\n", text))
