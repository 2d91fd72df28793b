"""The bounded workbook reader: the same table whichever path reads the sheet, and what openpyxl reads."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime, time

import openpyxl
import pytest

from triage.workbook import read_sheet
from triage.workbook_parts import Limits, WorkbookError, column_number

LIMITS = Limits(max_cells=100_000, max_seconds=30, max_xml_bytes=10**8)


def book() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["application_id", "received_date", "age", "flag", "note", "when", "formula"])
    ws.append(["A1", date(2026, 11, 1), 84, True, "x & <y>", datetime(2026, 1, 2, 13, 30), "=1+1"])
    ws.append(["A2", datetime(2026, 11, 2), 84.5, False, "line1\nline2", time(10, 30), None])
    ws["J6"] = "far"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rewritten(data: bytes, change: Callable[[bytes], bytes]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            part = src.read(item)
            dst.writestr(item, change(part) if item.filename == "xl/worksheets/sheet1.xml" else part)
    return out.getvalue()


def table(data: bytes) -> list[list[str]]:
    s = read_sheet(data, LIMITS)
    return [s.header, *([str(v[i]) for v in s.values] for i in range(len(s.rows)))]


def test_values_read_as_a_person_typed_them() -> None:
    s = read_sheet(book(), LIMITS)
    assert s.columns == [1, 2, 3, 4, 5, 6, 7, 10] and list(s.rows) == [2, 3, 6] and s.last_row == 6
    rows = table(book())
    assert rows[1][:7] == ["A1", "2026-11-01", "84", "yes", "x & <y>", "2026-01-02 13:30:00", ""]
    assert rows[2][:7] == ["A2", "2026-11-02", "84.5", "no", "line1\nline2", "10:30:00", ""]
    assert rows[3][7] == "far"


def test_the_expat_path_reads_the_same_table() -> None:
    """A comment (or a namespace prefix) sends the sheet to the expat reader: same result."""
    with_comment = rewritten(book(), lambda x: x.replace(b"<sheetData>", b"<sheetData><!-- c -->", 1))
    prefixed = rewritten(
        book(),
        lambda x: re.sub(rb"<(/?)(c|v|row|sheetData|is|t)\b", rb"<\1x:\2", x).replace(
            b"<worksheet ",
            b'<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ',
            1,
        ),
    )
    assert table(with_comment) == table(book()) == table(prefixed)


def test_cells_outside_a_worksheet_are_refused() -> None:
    bad = rewritten(book(), lambda x: x.replace(b'r="J6"', b'r="ZZZ6"'))
    with pytest.raises(WorkbookError, match="outside a worksheet"):
        read_sheet(bad, LIMITS)


def test_column_letters() -> None:
    assert [column_number(c) for c in ("A", "Z", "AA", "XFD")] == [1, 26, 27, 16_384]
