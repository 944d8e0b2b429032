"""Files that must not hurt the bot (issue 12 §1, §7, §8), built byte by byte: shared by the tests
and `bench.hostile_files`."""

from __future__ import annotations

import io
import zipfile

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def xlsx_of_sheet(sheet_xml: str | bytes, *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A minimal workbook whose only sheet is `sheet_xml`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


def sheet_xml(rows: dict[int, list[tuple[str, str]]], *, dimension: str | None = None, prolog: str = "") -> str:
    """rows: row number → [(cell reference, text)]."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = "".join(
        f'<row r="{number}">{"".join(_cell(ref, text) for ref, text in cells)}</row>'
        for number, cells in sorted(rows.items())
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{_MAIN_NS}">{dim}<sheetData>{body}</sheetData></worksheet>'


def sparse_xlsx(last: str = "XFD1048576", *, dimension: bool = True) -> bytes:
    """One cell at A1 and one at `last`: about 1.5 KB that a dense reader makes 512 GiB of."""
    row = int("".join(c for c in last if c.isdigit()))
    return xlsx_of_sheet(
        sheet_xml({1: [("A1", "Account Name")], row: [(last, "x")]}, dimension=f"A1:{last}" if dimension else None)
    )


def short_rows_csv(size: int = 10 * 1024 * 1024 - 1024) -> bytes:
    """A CSV of `size` bytes: one header, then one-character rows (5M of them for 10 MB)."""
    header = b"Account Name\n"
    return header + b"x\n" * ((size - len(header)) // 2)


def entity_sheet_xlsx() -> bytes:
    """A sheet that declares entities (the "billion laughs" shape, kept small)."""
    prolog = (
        '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    )
    return xlsx_of_sheet(sheet_xml({1: [("A1", "Account Name")], 2: [("A2", "&c;")]}, prolog=prolog))


def lying_size_xlsx() -> bytes:
    """A workbook whose sheet says (in the central directory) it inflates to 100 bytes while its
    stream inflates to about 4 MB: the sizes a reader trusts are not the sizes it gets."""
    filler = "".join(f'<row r="{n}">{_cell(f"A{n}", "y" * 200)}</row>' for n in range(2, 20_002))
    content = xlsx_of_sheet(sheet_xml({1: [("A1", "Account Name")]}).replace("<sheetData>", f"<sheetData>{filler}"))
    archive = zipfile.ZipFile(io.BytesIO(content))
    data = bytearray(content)
    position = archive.start_dir
    while data[position : position + 4] == b"PK\x01\x02":  # central directory entries
        name_length, extra_length, comment_length = (
            int.from_bytes(data[position + i : position + i + 2], "little") for i in (28, 30, 32)
        )
        if data[position + 46 : position + 46 + name_length] == b"xl/worksheets/sheet1.xml":
            data[position + 24 : position + 28] = (100).to_bytes(4, "little")  # the uncompressed size
        position += 46 + name_length + extra_length + comment_length
    return bytes(data)


def ratio_bomb_xlsx(megabytes: int = 20) -> bytes:
    """A sheet of `megabytes` MB of spaces: a few hundred KB compressed (ratio ≈ 1000:1)."""
    sheet = sheet_xml({1: [("A1", "Account Name")]}).replace(
        "<sheetData>", " " * (megabytes * 1024 * 1024) + "<sheetData>"
    )
    return xlsx_of_sheet(sheet)
