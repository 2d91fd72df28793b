"""A history of past requests, validated: every row used or refused with its reason (issue 13)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tests.conftest import csv_bytes, make_rows
from triage.errors import InputFileError
from triage.history import read_history

AS_OF = date(2026, 11, 23)


def history_rows() -> list[dict[str, str]]:
    done = {"received_date": "2026-03-02", "completed_date": "2026-04-10", "outcome": "granted"}
    rows = make_rows(
        done,  # 1 used
        {"received_date": "2026-05-01", "completed_date": "", "outcome": ""},  # 2 open: used
        {"received_date": "2026-05-01", "completed_date": "2026-04-01", "outcome": "granted"},  # 3 early
        {"received_date": "2026-06-01", "completed_date": "2026-06-20", "outcome": "granted"},  # 4 reopened
        {"received_date": "2026-06-01", "completed_date": "2026-07-02", "outcome": ""},  # 5 no outcome
        {"received_date": "2026-06-01", "completed_date": "2027-01-05", "outcome": "withdrawn"},  # 6 future
        done,  # 7 a repeat of row 1 (its id is set below)
        {"received_date": "2027-02-01", "completed_date": "", "outcome": ""},  # 8 received in the future
        {"received_date": "2026-06-01", "completed_date": "", "outcome": "granted"},  # 9 outcome, no date
        {"received_date": "2026-06-01", "completed_date": "2026-06-03", "outcome": "approved"},  # 10 unknown
        {"received_date": "2026-06-01", "completed_date": "2026-06-03", "outcome": "withdrawn",
         "closure_reason": "moved abroad"},  # 11 odd reason: used, with a warning
        {"received_date": "2026-07-01", "completed_date": "2026-07-05", "outcome": "withdrawn",
         "closure_reason": "died"},  # 12 used
        {"received_date": "2026-06-09", "completed_date": "2026-06-30",
         "outcome": "not_granted"},  # 13 reopened
    )  # fmt: skip
    rows[6] = dict(rows[0])
    rows[12]["application_id"] = rows[3]["application_id"]
    for row in rows:
        row.setdefault("closure_reason", "")
    return rows


def test_messy_history_loses_nothing_and_says_why() -> None:
    rows = history_rows()
    h = read_history(csv_bytes(rows), AS_OF, filename="history.csv")
    assert h.rows_in == len(rows) == len(h.used) + len(h.rejects)
    why = dict(zip(h.rejects["row"], h.rejects["problems"], strict=True))
    # Data rows are numbered from 2 (row 1 is the header), as the worklist's rejects are.
    expected = {
        4: "completed_date '2026-04-01': before received_date '2026-05-01'",
        5: "also on row(s) 14 with different details",
        14: "also on row(s) 5 with different details",
        6: "outcome: blank on a completed row",
        7: "completed_date '2027-01-05': after the as-of date 2026-11-23",
        8: "duplicate: the same as row 2 in every column",
        9: "received_date",
        10: "outcome given but completed_date blank",
        11: "outcome 'approved': expected granted, not_granted or withdrawn",
    }
    assert set(why) == set(expected)
    for row, text in expected.items():
        assert text in why[row], (row, why[row])
    used = h.used.set_index("application_id")
    assert set(used.index) == {"A1", "A2", "A11", "A12"}
    assert pd.isna(used.loc["A2", "completed_date"])
    assert used.loc["A12", "closure_reason"] == "died"
    assert used.loc["A11", "closure_reason"] == ""
    assert "closure_reason 'moved abroad'" in used.loc["A11", "data_warnings"]
    assert used.loc["A1", "completed_date"] == pd.Timestamp("2026-04-10")


def test_rejects_keep_the_row_as_given() -> None:
    rows = history_rows()
    h = read_history(csv_bytes(rows), AS_OF, filename="history.csv")
    early = h.rejects.loc[h.rejects["row"] == 4].iloc[0]
    assert early["completed_date"] == "2026-04-01"
    assert early["outcome"] == "granted"


def test_a_history_needs_its_columns() -> None:
    rows = make_rows({"received_date": "2026-03-02"})
    with pytest.raises(InputFileError, match="needs completed_date and outcome columns"):
        read_history(csv_bytes(rows), AS_OF, filename="history.csv")
