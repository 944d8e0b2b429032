"""Reading an untrusted CSV/XLSX is bounded (issue 12 §1, §7, §8): the sheet's extent is checked
before any reader allocates, zip bombs and XML entities are refused, rows are streamed and the
read stops after the row limit, columns and cells are capped, control characters are stripped,
and the reader runs in a child process whose death is a clear error, not the caller's."""

from __future__ import annotations

import io
import tracemalloc

import pytest

from core.errors import ImportFileError
from core.imports.file_reader import read_bytes
from core.imports.files import MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS, parse_bytes
from tests.hostile_files import (
    entity_sheet_xlsx,
    lying_size_xlsx,
    ratio_bomb_xlsx,
    sheet_xml,
    short_rows_csv,
    sparse_xlsx,
    xlsx_of_sheet,
)


def _refusal(content: bytes, **limits: float) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        read_bytes(content, **limits)
    return caught.value


@pytest.mark.parametrize("dimension", [True, False])
def test_a_sheet_spanning_more_than_the_limits_is_refused_before_reading(dimension: bool) -> None:
    error = _refusal(sparse_xlsx("XFD1048576", dimension=dimension))
    assert error.code == "sheet_too_large"
    assert error.params["cell"] == "XFD1048576" and error.params["rows"] == f"{MAX_ROWS:,}"
    assert error.params["columns"] == f"{MAX_COLUMNS}"


def test_the_dimension_alone_is_checked_too() -> None:
    content = xlsx_of_sheet(sheet_xml({1: [("A1", "Account Name")], 2: [("A2", "Acme")]}, dimension="A1:XFD1048576"))
    assert _refusal(content).code == "sheet_too_large"


def test_a_sheet_at_the_limits_is_read() -> None:
    last_column = "CV"  # the 100th
    assert MAX_COLUMNS == 100
    content = xlsx_of_sheet(
        sheet_xml(
            {1: [("A1", "Account Name"), (f"{last_column}1", "Notes")], MAX_ROWS + 1: [(f"A{MAX_ROWS + 1}", "Acme")]}
        )
    )
    table = read_bytes(content)
    assert table.headers[0] == "Account Name" and table.headers[-1] == "Notes" and len(table.headers) == 100
    assert table.rows == [(MAX_ROWS + 1, ["Acme"] + [""] * 99)]


def test_zip_bombs_and_xml_entities_are_refused() -> None:
    for content in (ratio_bomb_xlsx(), lying_size_xlsx(), entity_sheet_xlsx()):
        assert _refusal(content).code == "xlsx_unsafe"


def test_a_reader_that_dies_or_hangs_is_a_clear_error_and_the_caller_lives() -> None:
    # within the extent limits, but 200,001 × 100 cells need about 640 MB in calamine: with less
    # memory the reader aborts (SIGABRT) in its child process
    content = xlsx_of_sheet(sheet_xml({1: [("A1", "Account Name")], MAX_ROWS + 1: [(f"CV{MAX_ROWS + 1}", "x")]}))
    assert _refusal(content, memory=300 * 1024 * 1024).code == "too_complex"
    assert _refusal(b"Account Name\nAcme\n", seconds=0.001).code == "too_complex"
    assert read_bytes(b"Account Name\nAcme\n").rows == [(2, ["Acme"])]  # and the next file reads


def test_rows_are_streamed_and_the_read_stops_after_the_limit() -> None:
    content = short_rows_csv()  # 10 MB, 5M rows
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError) as caught:
            parse_bytes(content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.code == "too_many_rows" and caught.value.params == {"limit": f"{MAX_ROWS:,}"}
    assert peak < 150 * 1024 * 1024  # read whole, the same file took 1.5 GB
    ok = b"Account Name\n" + b"x\n" * MAX_ROWS
    assert len(read_bytes(ok).rows) == MAX_ROWS


def test_columns_and_cells_are_capped() -> None:
    wide = ",".join(f"c{n}" for n in range(MAX_COLUMNS + 1)).encode() + b"\n" + b"Acme\n"
    error = _refusal(wide)
    assert error.code == "too_many_columns" and error.params == {"line": 1, "limit": MAX_COLUMNS}
    trailing = b"Account Name" + b"," * 300 + b"\nAcme\n"  # empty columns past the limit are only dropped
    assert read_bytes(trailing).headers == ["Account Name"] + [""] * (MAX_COLUMNS - 1)
    long_cell = b"Account Name,Notes\nAcme," + b"n" * (MAX_CELL_CHARS + 1) + b"\n"
    error = _refusal(long_cell)
    assert error.code == "cell_too_long" and error.params == {"line": 2, "limit": f"{MAX_CELL_CHARS:,}"}
    assert read_bytes(long_cell.replace(b"n" * (MAX_CELL_CHARS + 1), b"n" * MAX_CELL_CHARS)).rows[0][1][1]


def test_control_characters_are_stripped_from_every_cell() -> None:
    # the first 64 KB decide whether this is text at all; a NUL later is only dropped
    content = (
        "Account Name,Notes\n"
        + "".join(f"Acme {n},ok\n" for n in range(7000))
        + 'Ac\x00me\x07 X,"line one\r\nline\ttwo\x1b"\n'
    ).encode()
    assert len(content) > 65_536
    table = read_bytes(content)
    assert table.rows[-1][1] == ["Acme X", "line one\nline\ttwo"]
    assert not any("\x00" in cell for _, row in table.rows for cell in row)


def test_normal_files_read_as_before() -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Account Name", "Annual Revenue", "Since"])
    sheet.append(["Initech", 250000, None])
    sheet.append([None, None, None])
    sheet.append(["Hooli", 12.5, "2024-03-08"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_bytes(buffer.getvalue())
    assert (table.source, table.headers) == ("xlsx", ["Account Name", "Annual Revenue", "Since"])
    assert table.rows == [(2, ["Initech", "250000", ""]), (4, ["Hooli", "12.5", "2024-03-08"])]
    table = read_bytes("客户名称,负责人\n华为,李伟\n".encode("gbk"))
    assert (table.source, table.encoding, table.rows) == ("csv", "gbk", [(2, ["华为", "李伟"])])
