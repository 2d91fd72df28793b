"""Issue 21: the shapes real exports come in, read as a DoLS team means them.

- a report's title, run date and blank rows above the header (CSV and XLSX), found or given by row;
- "extension granted" as yes/no rather than days (Sch A1 paras 84-86: one extension of up to 7 days);
- a date of birth instead of an age (the DoLS apply from the 18th birthday, on the as-of date);
- a number column is never guessed from a column of words.
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest

from commands.main import main
from presentation.formats import reading
from tests.conftest import AS_OF, BASE_ROW, csv_bytes, make_rows
from triage.columns import best_guess
from triage.errors import DolsSimError
from triage.ingest import read_export
from triage.mapping import default_mapping
from triage.rulebook import load_rules
from triage.summary import summarise
from triage.worklist import build_worklist

TITLES = ["DoLS open applications report", "Run on 23/11/2026 09:14", ""]


def _titled_csv(rows: int = 5) -> bytes:
    table = csv_bytes(make_rows(*({} for _ in range(rows)))).decode()
    return ("\n".join(TITLES) + "\n" + table).encode()


def _titled_xlsx(rows: int = 5) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    for i, title in enumerate(TITLES):
        if title:
            ws.write(i, 0, title)
    top = len(TITLES)
    for j, column in enumerate(BASE_ROW):
        ws.write(top, j, column)
    for i in range(rows):
        for j, (column, value) in enumerate(BASE_ROW.items()):
            ws.write(top + 1 + i, j, f"A{i + 1}" if column == "application_id" else value)
    wb.close()
    return buf.getvalue()


@pytest.mark.parametrize(("make", "name"), [(_titled_csv, "report.csv"), (_titled_xlsx, "report.xlsx")])
def test_title_rows_above_the_header_are_skipped_and_counted(make, name) -> None:  # type: ignore[no-untyped-def]
    data = make(5)
    raw = read_export(data, name)
    assert len(raw.table) == 5
    assert raw.lines_accounted() == raw.facts.lines  # titles + blank + header + rows: nothing lost
    assert raw.facts.title_lines == 2  # the title and the run date (the blank line is counted as blank)
    summary = summarise(build_worklist(data, AS_OF, filename=name))
    unit = "sheet row" if name.endswith(".xlsx") else "line"
    assert f"2 title {unit}s above the header + 1 header + 5 rows + 1 blank" in reading(summary)
    result = build_worklist(data, AS_OF, filename=name)
    assert sorted(result.worklist["application_id"]) == [f"A{i}" for i in range(1, 6)]
    assert result.rows_in == result.rows_accounted == 5


@pytest.mark.parametrize(("make", "name"), [(_titled_csv, "report.csv"), (_titled_xlsx, "report.xlsx")])
def test_the_header_row_can_be_given(make, name) -> None:  # type: ignore[no-untyped-def]
    data = make(3)
    given = read_export(data, name, header_row=len(TITLES) + 1)
    assert list(given.table["application_id"]) == ["A1", "A2", "A3"]
    # one row too high: the run date is read as the header, and the contract's columns are missing
    with pytest.raises(DolsSimError):
        build_worklist(read_export(data, name, header_row=2), AS_OF)


def test_header_row_on_the_command_line(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    export = tmp_path / "report.csv"
    export.write_bytes(_titled_csv(4))
    out = tmp_path / "worklist.csv"
    args = ["triage", str(export), "--as-of", "2026-11-23", "--out", str(out)]
    assert main(args) == 0
    assert len(pd.read_csv(out)) == 4
    assert main([*args, "--header-row", "4"]) == 0
    assert len(pd.read_csv(out)) == 4
    capsys.readouterr()
    assert main([*args, "--header-row", "99"]) == 2
    said = capsys.readouterr().err
    assert "header row 99: the file has 8 rows" in said and "Traceback" not in said


URGENT = {"request_type": "urgent", "urgent_start": "2026-11-18"}


@pytest.mark.parametrize(
    ("said", "expiry", "warned"),
    [
        ("Y", date(2026, 12, 1), True),  # 7 + 7 days from the urgent start (day 1 = the start)
        ("Yes", date(2026, 12, 1), True),
        ("7", date(2026, 12, 1), False),
        ("N", date(2026, 11, 24), False),  # 7 days only
        ("", date(2026, 11, 24), False),
    ],
)
def test_extension_granted_yes_no_reads_as_the_rules_extension(said: str, expiry: date, warned: bool) -> None:
    result = build_worklist(csv_bytes(make_rows({**URGENT, "urgent_extended_days": said})), AS_OF)
    assert result.rejects.empty, result.rejects["problems"].tolist()
    row = result.worklist.iloc[0]
    assert pd.Timestamp(row["urgent_expiry"]).date() == expiry
    granted = load_rules().timescales.urgent.extension_granted_days
    assert ("read as an extension of" in row["data_warnings"]) is warned
    if warned:
        assert f"{granted} days" in row["data_warnings"]


def test_an_extension_beyond_the_law_is_still_refused() -> None:
    result = build_worklist(csv_bytes(make_rows({**URGENT, "urgent_extended_days": "9"})), AS_OF)
    assert len(result.rejects) == 1
    assert "from 0 to 7, or yes/no" in result.rejects["problems"][0]


@pytest.mark.parametrize(
    ("born", "age", "under_18"),
    [
        ("1942-05-01", 84, False),
        ("2008-11-23", 18, False),  # 18 today: inside the DoLS
        ("2008-11-24", 17, True),  # 18 tomorrow: outside, for today
        ("23/11/2008", 18, False),  # as UK exports write it
    ],
)
def test_a_date_of_birth_gives_the_age_on_the_as_of_date(born: str, age: int, under_18: bool) -> None:
    for row in ({"age": "", "date_of_birth": born}, {"age": born}):  # its own column, or in the age column
        result = build_worklist(csv_bytes(make_rows(row)), AS_OF)
        assert result.rejects.empty, result.rejects["problems"].tolist()
        listed = result.outside_scope if under_18 else result.worklist
        assert len(listed) == 1
        assert int(listed.iloc[0]["age"]) == age


def test_a_date_of_birth_after_the_as_of_date_is_refused() -> None:
    result = build_worklist(csv_bytes(make_rows({"age": "", "date_of_birth": "2027-01-01"})), AS_OF)
    assert len(result.rejects) == 1
    assert "date_of_birth '2027-01-01': after the as-of date 2026-11-23" in result.rejects["problems"][0]


def test_a_number_column_is_never_guessed_from_words() -> None:
    """The mapping step guessed a yes/no "extension granted" column for the extension days: fine now
    (yes/no is a reading of it), but a column of words (a team's name) is never a number column."""
    mapping = default_mapping()
    words = pd.DataFrame(
        {"Extended Days": ["North", "East", "West", "North"], "Age": ["80-89", "90+", "", "x"]}
    )
    assert best_guess(["Extended Days"], "urgent_extended_days", mapping, words) is None
    assert best_guess(["Age"], "age", mapping, words) is None
    readable = pd.DataFrame({"Extended Days": ["Y", "N", "", "Y"], "Age": ["84", "91", "", "1942-05-01"]})
    assert best_guess(["Extended Days"], "urgent_extended_days", mapping, readable) == "Extended Days"
    assert best_guess(["Age"], "age", mapping, readable) == "Age"
