"""Issue 10, findings 1-5: broken and hostile exports, each built small from its shape.

Each test failed on the code before the issue (rows lost, a hang, memory out of proportion, quadratic
time, the wrong refusal) and passes now.
"""

from __future__ import annotations

import time
import warnings

import pandas as pd
import pytest

from tests.conftest import AS_OF
from tests.hostile import (
    COLUMNS,
    cr_only_csv,
    rows_text,
    unclosed_quote_csv,
    utf16_tab_text,
    wide_csv,
    workbook,
)
from triage.errors import InputFileError
from triage.ingest import MAX_CELLS, read_export
from triage.worklist import TriageResult, build_worklist


def triage(data: bytes, name: str = "x.csv") -> TriageResult:
    result = build_worklist(data, AS_OF, filename=name)
    assert result.rows_in == result.rows_accounted
    return result


def accounted(data: bytes, name: str = "x.csv") -> None:
    """Every line of the file is the header, blank, inside a quoted value, or a row."""
    raw = read_export(data, name)
    assert raw.lines_accounted() == raw.facts.lines


# ---- 1. rows lost without a word ---------------------------------------------------------------------


def test_an_unclosed_quote_refuses_its_line_and_every_other_row_is_read() -> None:
    data = unclosed_quote_csv(n=10, broken_row=4)
    result = triage(data)
    assert result.rows_in == 10 and len(result.worklist) == 9 and len(result.rejects) == 1
    assert "unclosed quote from line 5" in result.rejects["problems"][0]
    assert result.read.lines == 11 and result.read.unclosed_quotes == 1
    assert sorted(result.worklist["application_id"]) == sorted(f"A{i}" for i in range(1, 11) if i != 4)
    accounted(data)


def test_a_quote_closed_rows_later_is_not_one_value() -> None:
    """The open quote meets a later quote: the lines between read as whole rows, so they are rows."""
    lines = [",".join(COLUMNS), *rows_text(6)]
    lines[2] = lines[2].replace(",dementia,", ',"dementia,')
    lines[5] = lines[5].replace(",dementia,", ',dementia",')
    result = triage(("\n".join(lines) + "\n").encode())
    assert result.rows_in == 6 and "unclosed quote from line 3" in " ".join(result.rejects["problems"])
    assert {"A1", "A3", "A4", "A6"} <= set(result.worklist["application_id"])


def test_a_real_line_break_in_a_value_is_kept() -> None:
    lines = [",".join([*COLUMNS, "notes"]), *(line + ",ok" for line in rows_text(3))]
    lines[2] = lines[2].removesuffix(",ok") + ',"visited, upset\nsaid she wants to go home"'
    data = ("\n".join(lines) + "\n").encode()
    result = triage(data)
    assert len(result.worklist) == 3 and result.read.quoted_line_breaks == 1 and result.read.lines == 5
    notes = result.worklist.set_index("application_id")["notes"]
    assert notes["A2"] == "visited, upset\nsaid she wants to go home"
    accounted(data)


# ---- 2. a workbook that hangs, and 3. memory out of proportion ----------------------------------------


@pytest.mark.parametrize(
    ("shape", "data"),
    [
        ("dimension claims the whole sheet", workbook(rows=2, dimension="A1:XFD1048576")),
        ("one cell far down and right", workbook(rows=2, far=(1_048_576, 16_384))),
    ],
)
def test_a_workbook_is_read_by_its_data_not_its_claims(shape: str, data: bytes) -> None:
    started = time.perf_counter()
    raw = read_export(data, "x.xlsx")
    assert time.perf_counter() - started < 5, shape
    assert raw.table.shape[0] <= 3 and raw.table.shape[1] < 30, shape  # rows and columns that hold data
    assert raw.lines_accounted() == raw.facts.lines


def test_a_sheet_with_too_many_cells_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("triage.ingest.MAX_CELLS", 500)
    with pytest.raises(InputFileError, match="more than 500 cells"):
        read_export(workbook(rows=30), "x.xlsx")
    assert MAX_CELLS == 10_000_000


def test_an_xlsx_worklist_is_written_quickly_for_a_workbook_that_claims_a_huge_sheet(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import cli

    src = tmp_path / "claims.xlsx"
    src.write_bytes(workbook(rows=2, dimension="A1:XFD1048576"))
    started = time.perf_counter()
    result = cli("triage", src, "--as-of", AS_OF.isoformat(), "--out", tmp_path / "w.xlsx")
    assert result.exit_code == 0, result.output
    assert time.perf_counter() - started < 20
    assert len(pd.read_excel(tmp_path / "w.xlsx", engine="openpyxl")) == 2


def test_a_workbook_with_a_document_type_is_refused() -> None:
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(workbook(rows=1)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            part = src.read(item)
            if item.filename == "xl/sharedStrings.xml":
                bomb = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
                part = part.replace(b"?>", b"?>" + bomb, 1)
            dst.writestr(item, part)
    with pytest.raises(InputFileError, match="document type"):
        read_export(out.getvalue(), "bomb.xlsx")


# ---- 4. wide files are quadratic ------------------------------------------------------------------------


def test_a_wide_file_is_built_in_one_step() -> None:
    """3,000 columns: no column is added one at a time (pandas warns of a fragmented frame when it is)."""
    from pandas.errors import PerformanceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", PerformanceWarning)
        started = time.perf_counter()
        result = triage(wide_csv(rows=40, columns=3000))
    assert len(result.worklist) == 40 and result.worklist.shape[1] > 3000
    assert time.perf_counter() - started < 30


# ---- 5. encodings refused with the wrong reason -------------------------------------------------------


def test_utf16_tab_separated_unicode_text_is_read() -> None:
    result = triage(utf16_tab_text(5), "export.txt")
    assert len(result.worklist) == 5
    assert (result.read.encoding, result.read.separator, result.read.line_ending) == ("UTF-16", "tab", "CRLF")


def test_cr_only_line_endings_are_read() -> None:
    result = triage(cr_only_csv(5))
    assert len(result.worklist) == 5 and result.read.line_ending == "CR" and result.read.lines == 6


def test_utf16_without_a_bom_and_semicolons_are_read() -> None:
    text = "\n".join([";".join(COLUMNS), *rows_text(3, ";")]) + "\n"
    result = triage(text.encode("utf-16-le"))
    assert len(result.worklist) == 3 and (result.read.encoding, result.read.separator) == (
        "UTF-16",
        "semicolon",
    )


def test_the_summary_names_lines_encoding_and_separator() -> None:
    from presentation.formats import reading
    from triage.summary import summarise

    text = reading(summarise(triage(unclosed_quote_csv(), "broken.csv")))
    assert text.startswith("Read 11 lines of broken.csv (UTF-8, comma-separated, LF line endings)")
    assert "10 rows (1 refused for an unclosed quote)" in text


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("triage.ingest.MAX_EXPORT_BYTES", 1000)
    big = tmp_path / "big.csv"
    big.write_bytes(unclosed_quote_csv(n=40))
    with pytest.raises(InputFileError, match="limit"):
        read_export(big)
    with pytest.raises(InputFileError, match="not a plain file"):
        read_export("/dev/zero", "zero.csv")
