"""Text cells a spreadsheet must show as text, never run (formula injection, OWASP "CSV injection").

Excel, LibreOffice and Google Sheets treat a cell that starts with = + - @ (or a tab or carriage
return before one) as a formula, in a CSV and in a typed XLSX cell alike: a customer named
`=HYPERLINK("https://evil.example","Click")` would become a live link in a manager's export. The
export writes such text with a leading `'` (what Excel itself shows for "text that looks like a
formula"); the import takes that one `'` off again, so an export imports back unchanged. A value
that is already quotes before such a sign (`'=x`) gets one more, so the round trip is exact.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def quote_formula(text: str) -> str:
    """`text` as the export writes it: a `'` before anything a spreadsheet would evaluate."""
    return "'" + text if text.lstrip("'").startswith(FORMULA_START) else text


def unquote_formula(text: str) -> str:
    """The inverse of `quote_formula`, for imported cells."""
    return text[1:] if text.startswith("'") and text.lstrip("'").startswith(FORMULA_START) else text
