"""Reading a CSV or XLSX file as CRMs export it: bytes → headers and rows.

The format is told by the content, not the file name: an XLSX is a zip archive, an old `.xls`
an OLE2 file, and anything else must decode as text (UTF-8 with or without BOM, UTF-16 with a
BOM, or GBK/GB18030 as Chinese Excel saves it) without control characters. Every refusal is an
`ImportFileError` with a code the transport renders in the user's language.

The file is untrusted: `core.imports.file_reader.read_bytes` reads it in a child process that streams
its rows and stops past the limits below, an XLSX only after its extent has been checked
(core.imports.xlsx_guard). Control characters are stripped from every cell (core.text).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils.cell import get_column_letter

from core.errors import ImportFileError
from core.spreadsheet import unquote_formula
from core.text import CONTROL, strip_controls

MAX_ROWS = 200_000
MAX_COLUMNS = 100  # wider rows are refused (empty cells past the limit are only dropped)
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_TABLE_CHARS = 64 * 1024 * 1024  # all cells together (an XLSX may repeat one shared string in every cell)
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line in the file, cells); blank rows are left out
    source: str  # csv | xlsx
    encoding: str | None = None


def parse_bytes(data: bytes) -> Table:
    """What the child process does: the table of `data`, streamed, within the limits above."""
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ImportFileError("empty")
    if data.startswith(_ZIP):
        return _table(_xlsx_rows(data), "xlsx", None)
    if data.startswith(_OLE2):
        raise ImportFileError("xls_old")
    if data.startswith(_BINARY_MAGIC):
        raise ImportFileError("not_table")
    text, encoding = decode_text(data)
    return _table(_csv_rows(strip_controls(text)), "csv", encoding)


def _table(rows: Iterable[list[Any]], source: str, encoding: str | None) -> Table:
    """Number the rows, leave out blank ones, take the first as the headers; refuse a row wider
    than MAX_COLUMNS, a cell longer than MAX_CELL_CHARS, and stop at the first row past MAX_ROWS."""
    headers: list[str] | None = None
    body: list[tuple[int, list[str]]] = []
    total = 0
    for line, raw in enumerate(rows, start=1):
        if raw.count("") + raw.count(None) == len(raw):  # blank (at C speed: a sparse sheet has many)
            continue
        if len(raw) > MAX_COLUMNS:
            if any(cell not in ("", None) for cell in raw[MAX_COLUMNS:]):
                raise ImportFileError("too_many_columns", line=line, limit=MAX_COLUMNS)
            raw = raw[:MAX_COLUMNS]
        # cell_text inlined for strings, and control characters looked for once per row: per
        # cell, these calls were a third of the time of a 50k-row sheet
        row = [cell.strip() if cell.__class__ is str else cell_text(cell) for cell in raw]
        joined = "".join(row)
        if source == "xlsx" and CONTROL.search(joined):
            row = [strip_controls(cell).strip() for cell in row]
        if "'" in joined:  # the ' our export puts before = + - @ comes off again
            row = [unquote_formula(cell) for cell in row]
        if not any(row):
            continue
        if max(map(len, row)) > MAX_CELL_CHARS:
            raise ImportFileError("cell_too_long", line=line, limit=f"{MAX_CELL_CHARS:,}")
        total += sum(map(len, row))
        if total > MAX_TABLE_CHARS:
            raise ImportFileError("too_complex")
        if headers is None:
            headers = row
        elif len(body) == MAX_ROWS:
            raise ImportFileError("too_many_rows", limit=f"{MAX_ROWS:,}")
        else:
            body.append((line, row))
    if headers is None:
        raise ImportFileError("empty")
    return Table(headers, body, source, encoding)


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV and the encoding it was in. Strict decoding: a file in another
    encoding (Latin-1, Big5 …) is refused rather than read as mojibake. Control characters in
    the first 64 KB mean a binary file; later ones are stripped like any cell's."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        candidates: tuple[str, ...] = ("utf-16",)
    else:
        candidates = ("utf-8-sig", "gb18030")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text, 0, 65536):
            raise ImportFileError("not_table")
        return text, "gbk" if encoding == "gb18030" else encoding.removesuffix("-sig")
    if b"\x00" in data[:4096]:
        raise ImportFileError("not_table")
    raise ImportFileError("encoding")


def _csv_rows(text: str) -> Iterator[list[str]]:
    end = text.find("\n")
    first_line = text[:end] if end >= 0 else text
    try:
        dialect: Any = csv.Sniffer().sniff(first_line if first_line.strip() else text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # A header line without quotes makes the sniffer guess doublequote=False, which splits
    # "a ""quoted"" name" apart; every spreadsheet and CRM doubles quotes inside quoted cells.
    dialect.doublequote = True
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        yield from reader
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ImportFileError("cell_too_long", line=reader.line_num, limit=f"{MAX_CELL_CHARS:,}") from None
        raise ImportFileError("not_table") from None


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    """The first sheet's rows, read by calamine (Rust): 50k rows in about 0.5 s where openpyxl's
    read-only mode takes over 10 s. Calamine allocates the sheet's whole rectangle at once, so
    its extent is checked first (core.imports.xlsx_guard)."""
    from python_calamine import CalamineError, CalamineWorkbook

    from core.imports.xlsx_guard import check_xlsx

    check_xlsx(data, max_rows=MAX_ROWS + 1, max_columns=MAX_COLUMNS)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        rows = workbook.get_sheet_by_index(0).iter_rows()
    except (CalamineError, ValueError, IndexError):  # a docx, a damaged or an encrypted file
        raise ImportFileError("xlsx_unreadable") from None
    yield from rows


def cell_text(value: Any) -> str:
    from datetime import date, datetime

    if value is None:
        return ""
    if isinstance(value, str):
        return unquote_formula(strip_controls(value).strip())
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != value.min.time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unquote_formula(strip_controls(str(value)).strip())  # the ' our export puts before = + - @


# --- headers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Columns:
    """canonical field → column index, the headers not understood, the header text of each field,
    and the headers an export writes that an import takes no value from (tiers, cadence)."""

    index: dict[str, int]
    unknown: list[str] = field(default_factory=list)
    header: dict[str, str] = field(default_factory=dict)
    derived: list[str] = field(default_factory=list)


# Columns an export adds that an import takes no value from (tiers, scores, cadence, figures the
# bot computes): named apart in the preview, never read. Normalised (see normalise_header).
_READ_ONLY_PREFIXES = ("tier:", "档次:", "档次：", "score:", "分数:", "分数：")
_READ_ONLY = {
    "cadence",
    "nextdue",
    "nextvisitdue",
    "daysoverdue",
    "联络状态",
    "下次联系",
    "下次拜访",
    "逾期天数",
    "bookedrevenue12months",
    "近12个月成交额",
    "openexpectedrevenue",
    "未结商机预计金额",
    "lastcontact",
    "最近联系",
    "openfollowups",
    "未完成跟进",
    "opencomplaints",
    "未处理投诉",
    "recordid",
    "记录id",
    "importoutcome",
    "导入结果",
    "whyrefused",
    "未导入原因",
}


def normalise_header(header: str) -> str:
    """'Account Name ' → 'accountname', '年交易额（元）*' → '年交易额'."""
    text = header.strip().lstrip("\ufeff").lower().replace("*", "")
    text = re.sub(r"\s*[(（][^)）]*[)）]\s*$", "", text)
    return re.sub(r"[\s_\-]+", "", text)


def map_columns(
    headers: list[str], spec: dict[str, tuple[str, ...]], fallbacks: dict[str, str] | None = None
) -> Columns:
    """Map headers to fields. Two columns meaning the same field refuse the file (which one would
    be meant?). `fallbacks` {field: other}: when `field` has no column, `other`'s column stands in
    (a lead export's Company is the customer's name)."""
    lookup = {normalise_header(alias): name for name, aliases in spec.items() for alias in aliases}
    index: dict[str, int] = {}
    unknown: list[str] = []
    derived: list[str] = []
    for position, header in enumerate(headers):
        key = normalise_header(header)
        name = lookup.get(key)
        if name is None:
            if header and (key in _READ_ONLY or key.startswith(_READ_ONLY_PREFIXES)):
                derived.append(header)
            elif header:
                unknown.append(header)
            continue
        if name in index:
            raise ImportFileError(
                "duplicate_header",
                first=headers[index[name]],
                second=header,
                first_column=get_column_letter(index[name] + 1),
                second_column=get_column_letter(position + 1),
            )
        index[name] = position
    for wanted, other in (fallbacks or {}).items():
        if wanted not in index and other in index:
            index[wanted] = index.pop(other)
    if not index:
        raise ImportFileError("no_columns", first=", ".join(h for h in headers[:6] if h)[:200])
    return Columns(index, unknown, {name: headers[i] for name, i in index.items()}, derived)
