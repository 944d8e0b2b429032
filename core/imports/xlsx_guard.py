"""An XLSX looked at before any reader allocates for it (issue 12 §1).

The reader (calamine) builds a sheet as one dense rectangle from A1 to its farthest cell: a
1.5 KB file with one cell at A1 and one at XFD1048576 asks for 17 billion cells (512 GiB) and
the process aborts. So, streamed and bounded, on the zip and on the first sheet's XML:

- the archive: at most MAX_PARTS parts, at most MAX_INFLATED bytes declared in all, no part
  declaring more than MAX_RATIO times its compressed size; and every part is inflated here (its
  stream, not its header) and must give exactly the size it declares, so a lying header cannot
  hand the reader more than was checked;
- the XML: no document type declaration (entities), as defusedxml forbids them;
- the first sheet's <dimension>, and every cell holding a value at the position the reader
  will put it (cells and rows without a reference follow the previous one), within
  `max_rows` × `max_columns`.

The sheet is scanned with expat directly rather than through defusedxml's SAX reader (0.7 s
against 1.3 s for a 50k-row sheet), with defusedxml's refusals installed on it.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import NoReturn
from xml.parsers import expat

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as parse_xml
from openpyxl.utils.cell import get_column_letter

from core.errors import ImportFileError

MAX_PARTS = 10_000
MAX_INFLATED = 512 * 1024 * 1024  # a 10 MB upload of real sheets inflates to about 100 MB
MAX_RATIO = 100  # real sheets deflate 5–20×; deflate's own ceiling is about 1,000×
RATIO_FLOOR = 1024 * 1024  # small parts (styles, rels) may compress better than that
MAX_SMALL_PART = 8 * 1024 * 1024  # workbook.xml and its relationships, parsed whole
_CHUNK = 1024 * 1024
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_REFERENCE = re.compile(r"([A-Za-z]{1,3})(\d{1,7})")
_CELL_CONTENT = frozenset({"v", "is", "f"})  # a cell with one of these holds something


def check_xlsx(data: bytes, *, max_rows: int, max_columns: int) -> None:
    """Raise ImportFileError (xlsx_unreadable, xlsx_unsafe, sheet_too_large) unless reading
    `data` stays within the limits."""
    archive = _archive(data)
    sheet = _first_sheet(archive, data)
    sheets = (
        [sheet] if sheet else [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    )
    for name in sheets:
        _Extent(max_rows, max_columns).scan(_inflate(data, archive.getinfo(name)))
    for info in archive.infolist():
        if info.filename not in sheets:
            for _ in _inflate(data, info):  # exact sizes, for every other part the reader may open
                pass


def _archive(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, struct.error):
        raise ImportFileError("xlsx_unreadable") from None
    if len(infos) > MAX_PARTS or sum(i.file_size for i in infos) > MAX_INFLATED:
        raise ImportFileError("xlsx_unsafe")
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ImportFileError("xlsx_unsafe")
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ImportFileError("xlsx_unreadable")  # encrypted, or a method Excel does not write
    return archive


def _inflate(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes, at most _CHUNK at a time, from its own stream; xlsx_unsafe as soon as
    it gives more than it declares, or at the end if it gave less."""
    offset = info.header_offset
    try:
        fields = _LOCAL_HEADER.unpack_from(data, offset)
    except struct.error:
        raise ImportFileError("xlsx_unreadable") from None
    if fields[0] != b"PK\x03\x04":
        raise ImportFileError("xlsx_unreadable")
    start = offset + _LOCAL_HEADER.size + fields[10] + fields[11]  # name and extra field lengths
    raw = memoryview(data)[start : start + info.compress_size]
    if len(raw) < info.compress_size:
        raise ImportFileError("xlsx_unreadable")
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != info.file_size:
            raise ImportFileError("xlsx_unsafe")
        for position in range(0, len(raw), _CHUNK):
            yield bytes(raw[position : position + _CHUNK])
        return
    inflater, produced = zlib.decompressobj(-zlib.MAX_WBITS), 0
    try:
        for position in range(0, len(raw), _CHUNK):
            pending = bytes(raw[position : position + _CHUNK])
            while pending:
                out = inflater.decompress(pending, min(_CHUNK, info.file_size - produced + 1))
                produced += len(out)
                if produced > info.file_size:
                    raise ImportFileError("xlsx_unsafe")
                if out:
                    yield out
                pending = inflater.unconsumed_tail
                if inflater.eof:
                    break
            if inflater.eof:
                break
    except zlib.error:
        raise ImportFileError("xlsx_unreadable") from None
    if not inflater.eof or produced != info.file_size:
        raise ImportFileError("xlsx_unsafe")


def _first_sheet(archive: zipfile.ZipFile, data: bytes) -> str | None:
    """The part of the workbook's first sheet (the one read), as the reader finds it: the first
    <sheet> of xl/workbook.xml, through xl/_rels/workbook.xml.rels. None if that fails."""
    workbook = _small_xml(archive, data, "xl/workbook.xml")
    relations = _small_xml(archive, data, "xl/_rels/workbook.xml.rels")
    if workbook is None or relations is None:
        return None
    first = next((e for e in workbook.iter() if _local(e.tag) == "sheet"), None)
    relation_id = (
        next((v for k, v in first.attrib.items() if k.startswith("{") and _local(k) == "id"), None)
        if first is not None
        else None
    )
    target = next(
        (
            e.get("Target", "")
            for e in relations.iter()
            if _local(e.tag) == "Relationship" and e.get("Id") == relation_id
        ),
        None,
    )
    if not target:
        return None
    path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
    parts: list[str] = []
    for piece in path.split("/"):
        if piece == "..":
            parts = parts[:-1]
        elif piece not in ("", "."):
            parts.append(piece)
    name = "/".join(parts)
    return name if name in archive.namelist() else None


def _small_xml(archive: zipfile.ZipFile, data: bytes, name: str):  # an ElementTree element
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_SMALL_PART:
        raise ImportFileError("xlsx_unsafe")
    try:
        return parse_xml(b"".join(_inflate(data, info)), forbid_dtd=True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise ImportFileError("xlsx_unsafe") from None
    except ParseError:
        raise ImportFileError("xlsx_unreadable") from None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2].rpartition(":")[2]


class _Extent:
    """Follows the sheet's rows and cells as the reader places them; refuses the first value
    (or the dimension) beyond the limits. Called for every element of the sheet: kept lean."""

    def __init__(self, max_rows: int, max_columns: int) -> None:
        self.max_rows, self.max_columns = max_rows, max_columns
        self.widest = get_column_letter(max_columns)  # "CV": letters compare as (length, text)
        self.row = self.column = 0
        self.last_reference: str | None = None  # of the last <c>, parsed only when a cell without one follows
        # the open <c> until it shows content or another element starts: its reference, or (row, column)
        self.pending: str | tuple[int, int] | None = None
        self.names: dict[str, str] = {}  # qualified name → local name

    def scan(self, chunks: Iterator[bytes]) -> None:
        parser = expat.ParserCreate()
        parser.StartElementHandler = self._start
        parser.StartDoctypeDeclHandler = _forbid_dtd  # defusedxml's refusals, on the raw parser
        parser.EntityDeclHandler = _forbid_entity
        parser.UnparsedEntityDeclHandler = _forbid_entity
        parser.ExternalEntityRefHandler = _forbid_external
        try:
            for chunk in chunks:
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
            raise ImportFileError("xlsx_unsafe") from None
        except (expat.ExpatError, ValueError):
            raise ImportFileError("xlsx_unreadable") from None

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        local = self.names.get(name) or self.names.setdefault(name, name.rpartition(":")[2])
        if local == "c":
            reference = attrs.get("r")
            if reference is None:
                if self.last_reference is not None:
                    self.column, self.last_reference = _position(self.last_reference)[0], None
                self.column += 1
                self.pending = (self.row, self.column)
            else:
                self.pending = self.last_reference = reference
        elif local in _CELL_CONTENT:
            pending = self.pending
            if pending is not None:
                self.pending = None
                if pending.__class__ is str:
                    self._check_reference(pending)
                else:
                    self._check(*pending)
        elif local == "row":
            number = attrs.get("r")
            self.row = int(number) if number else self.row + 1
            self.column, self.last_reference, self.pending = 0, None, None
        elif local == "dimension":
            self.pending = None
            last = attrs.get("ref", "").rpartition(":")[2]
            if last:
                self._check_reference(last)
        else:
            self.pending = None

    def _check_reference(self, reference: str) -> None:
        letters = reference.rstrip("0123456789")
        digits = reference[len(letters) :]
        if not (0 < len(letters) <= 3 and 0 < len(digits) <= 7 and letters.isalpha() and letters.isascii()):
            column, row = _position(reference)
            self._check(row, column, reference)
        elif (len(letters), letters.upper()) > (len(self.widest), self.widest) or int(digits) > self.max_rows:
            self._refuse(reference)

    def _check(self, row: int, column: int, reference: str | None = None) -> None:
        if row > self.max_rows or column > self.max_columns:
            self._refuse(reference or f"{get_column_letter(column)}{row}")

    def _refuse(self, reference: str) -> None:
        raise ImportFileError(
            "sheet_too_large",
            cell=reference[:20],
            rows=f"{self.max_rows - 1:,}",
            columns=f"{self.max_columns}",
            last=self.widest,
        )


def _position(reference: str) -> tuple[int, int]:
    """'XFD1048576' → (16384, 1048576), column and row counted from 1."""
    match = _REFERENCE.fullmatch(reference)
    if match is None:
        letters = reference.rstrip("0123456789")
        if letters.isalpha() and letters.isascii() and reference[len(letters) :].isdigit():
            return 10**9, 10**9  # more letters or digits than any sheet has: beyond every limit
        raise ImportFileError("xlsx_unreadable")
    column = 0
    for char in match.group(1).upper():
        column = column * 26 + ord(char) - 64
    return column, int(match.group(2))


def _forbid_dtd(name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool) -> None:
    raise DTDForbidden(name, sysid, pubid)


def _forbid_entity(name: str, *args: object) -> None:
    raise EntitiesForbidden(name, None, None, None, None, None)


def _forbid_external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> NoReturn:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)
