"""Reading a CSV or XLSX file as CRMs export it: bytes → headers and rows.

The format is told by the content, not the file name: an XLSX is a zip archive, an old `.xls`
an OLE2 file, and anything else must decode as text (UTF-8 with or without BOM, UTF-16 with a
BOM, or GBK/GB18030 as Chinese Excel saves it) without control characters. Every refusal is an
`ImportFileError` with a code the transport renders in the user's language.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import TierbotError
from core.spreadsheet import unquote_formula

MAX_ROWS = 200_000
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


class ImportFileError(TierbotError):
    """The file as a whole cannot be imported. `code` names the message (strings `import_errors`)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(f"{code} {params}" if params else code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line in the file, cells); blank rows are left out
    source: str  # csv | xlsx
    encoding: str | None = None


def read_table(path: Path) -> Table:
    return read_bytes(path.read_bytes())


def read_bytes(data: bytes) -> Table:
    """Headers and rows of a CSV or XLSX file given as bytes."""
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ImportFileError("empty")
    if data.startswith(_ZIP):
        rows, source, encoding = _xlsx_rows(data), "xlsx", None
    elif data.startswith(_OLE2):
        raise ImportFileError("xls_old")
    elif data.startswith(_BINARY_MAGIC):
        raise ImportFileError("not_table")
    else:
        text, encoding = decode_text(data)
        rows, source = _csv_rows(text), "csv"
    numbered = [(i, [cell_text(c) for c in row]) for i, row in enumerate(rows, start=1)]
    numbered = [(i, row) for i, row in numbered if any(row)]
    if not numbered:
        raise ImportFileError("empty")
    (_, headers), body = numbered[0], numbered[1:]
    if len(body) > MAX_ROWS:
        raise ImportFileError("too_many_rows", rows=len(body), limit=MAX_ROWS)
    return Table(headers, body, source, encoding)


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV and the encoding it was in. Strict decoding: a file in another
    encoding (Latin-1, Big5 …) is refused rather than read as mojibake."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        candidates: tuple[str, ...] = ("utf-16",)
    else:
        candidates = ("utf-8-sig", "gb18030")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text[:65536]):
            raise ImportFileError("not_table")
        return text, "gbk" if encoding == "gb18030" else encoding.removesuffix("-sig")
    if b"\x00" in data[:4096]:
        raise ImportFileError("not_table")
    raise ImportFileError("encoding")


def _csv_rows(text: str) -> list[list[str]]:
    first_line = text.split("\n", 1)[0]
    try:
        dialect: Any = csv.Sniffer().sniff(first_line if first_line.strip() else text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # A header line without quotes makes the sniffer guess doublequote=False, which splits
    # "a ""quoted"" name" apart; every spreadsheet and CRM doubles quotes inside quoted cells.
    dialect.doublequote = True
    try:
        return list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error:
        raise ImportFileError("not_table") from None


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    """The first sheet's values, read by calamine (Rust): 50k rows in about 1.5 s where
    openpyxl's read-only mode takes over 10 s."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return workbook.get_sheet_by_index(0).to_python()
    except (CalamineError, ValueError, IndexError):  # a docx, a damaged or an encrypted file
        raise ImportFileError("xlsx_unreadable") from None


def cell_text(value: Any) -> str:
    from datetime import date, datetime

    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != value.min.time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unquote_formula(str(value).strip())  # the ' our export puts before = + - @


# --- headers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Columns:
    """canonical field → column index, the headers not understood, and the header text of each field."""

    index: dict[str, int]
    unknown: list[str] = field(default_factory=list)
    header: dict[str, str] = field(default_factory=dict)


# Columns an export adds that an import takes no value from (tiers, cadence): ignored silently.
_READ_ONLY_PREFIXES = ("tier:", "档次:", "档次：")
_READ_ONLY = {"cadence", "nextdue", "nextvisitdue", "daysoverdue", "联络状态", "下次联系", "下次拜访", "逾期天数"}


def normalise_header(header: str) -> str:
    """'Account Name ' → 'accountname', '年交易额（元）*' → '年交易额'."""
    text = header.strip().lstrip("\ufeff").lower().replace("*", "")
    text = re.sub(r"\s*[(（][^)）]*[)）]\s*$", "", text)
    return re.sub(r"[\s_\-]+", "", text)


def map_columns(headers: list[str], spec: dict[str, tuple[str, ...]],
                fallbacks: dict[str, str] | None = None) -> Columns:
    """Map headers to fields. Two columns meaning the same field refuse the file (which one would
    be meant?). `fallbacks` {field: other}: when `field` has no column, `other`'s column stands in
    (a lead export's Company is the customer's name)."""
    lookup = {normalise_header(alias): name for name, aliases in spec.items() for alias in aliases}
    index: dict[str, int] = {}
    unknown: list[str] = []
    for position, header in enumerate(headers):
        key = normalise_header(header)
        name = lookup.get(key)
        if name is None:
            if header and key not in _READ_ONLY and not key.startswith(_READ_ONLY_PREFIXES):
                unknown.append(header)
            continue
        if name in index:
            raise ImportFileError("duplicate_header", first=headers[index[name]], second=header,
                                  first_column=column_letter(index[name]), second_column=column_letter(position))
        index[name] = position
    for wanted, other in (fallbacks or {}).items():
        if wanted not in index and other in index:
            index[wanted] = index.pop(other)
    if not index:
        raise ImportFileError("no_columns", first=", ".join(h for h in headers[:6] if h)[:200])
    return Columns(index, unknown, {name: headers[i] for name, i in index.items()})


def column_letter(index: int) -> str:
    """0 → A, 26 → AA (as a spreadsheet labels columns)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
