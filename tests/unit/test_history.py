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


# ---- issue 21: a history as case systems write it ----------------------------------------------------


def test_a_further_request_needs_no_previous_expiry_in_a_history() -> None:
    """A history's renewals often lack the expiry of the authorisation they follow: they are used (the
    worklist of open requests still refuses them, since its alerts need the date)."""
    rows = make_rows(
        {"request_type": "renewal", "current_authorisation_expiry": "", "received_date": "2026-03-02"},
        {"request_type": "review", "current_authorisation_expiry": "", "received_date": "2026-03-02"},
    )
    for row in rows:
        row.update(completed_date="2026-03-20", outcome="granted")
    h = read_history(csv_bytes(rows), AS_OF, filename="history.csv")
    assert h.rejects.empty, h.rejects["problems"].tolist()
    assert len(h.used) == 2
    from triage.worklist import build_worklist

    open_rows = make_rows({"request_type": "renewal", "current_authorisation_expiry": ""})
    assert len(build_worklist(csv_bytes(open_rows), AS_OF).rejects) == 1


@pytest.mark.parametrize(
    ("outcome", "reason", "code"),
    [
        ("Withdrawn", "Moved", "circumstances_changed"),
        ("Closed", "No Longer Deprived", "circumstances_changed"),
        ("Closed", "Discharged", "circumstances_changed"),
        ("Withdrawn", "Screened Out", "screening"),
        ("Closed Without Assessment", "Deceased", "died"),
        ("withdrawn", "died", "died"),
    ],
)
def test_closure_reasons_are_read_as_case_systems_spell_them(outcome: str, reason: str, code: str) -> None:
    rows = make_rows({"received_date": "2026-06-01"})
    rows[0].update({"Date Closed": "2026-06-10", "Decision": outcome, "Reason Closed": reason})
    h = read_history(csv_bytes(rows), AS_OF, filename="history.csv")
    assert h.rejects.empty, h.rejects["problems"].tolist()
    assert h.used["outcome"].tolist() == ["withdrawn"]
    assert h.used["closure_reason"].tolist() == [code]
    assert h.unknown_closure_reasons == {}
    assert {"completed_date", "outcome", "closure_reason"} <= h.columns


def test_an_unknown_closure_reason_is_counted_and_named() -> None:
    rows = make_rows(*({"received_date": "2026-06-01"} for _ in range(4)))
    for row, reason in zip(rows, ["Gone Fishing", "Gone Fishing", "Moved", "Other"], strict=True):
        row.update(completed_date="2026-06-10", outcome="withdrawn", closure_reason=reason)
    h = read_history(csv_bytes(rows), AS_OF, filename="history.csv")
    assert h.unknown_closure_reasons == {"Gone Fishing": 2, "Other": 1}
    assert h.used["closure_reason"].tolist() == ["", "", "circumstances_changed", ""]
    assert "closure_reason 'Gone Fishing': not screening" in h.used["data_warnings"][0]


def test_a_history_without_an_extension_column_does_not_measure_extensions() -> None:
    """Without the column the history cannot say how many urgent authorisations were extended: the fit
    report says "not known" and keeps the template's share, never a measured 0%."""
    from simulation.calibrate import calibrate_history, default_template
    from simulation.history import synth_history

    template = default_template()
    table, as_of = synth_history(template, 18, seed=4)
    with_column = read_history(table.to_csv(index=False).encode(), as_of, filename="h.csv")
    without = read_history(
        table.drop(columns=["urgent_extended_days"]).to_csv(index=False).encode(), as_of, filename="h.csv"
    )
    assert "urgent_extended_days" in with_column.columns and "urgent_extended_days" not in without.columns
    key = "outcomes.urgent_extension_granted_share"

    def draft(h):  # type: ignore[no-untyped-def]
        return next(e for e in calibrate_history(h).estimates if e.key == key)

    measured, unknown = draft(with_column), draft(without)
    assert not measured.refused and measured.value > 0
    assert unknown.refused and "not known" in unknown.note and "urgent_extended_days" in unknown.note
    kept = calibrate_history(without).scenario.outcomes.urgent_extension_granted_share
    assert kept == template.outcomes.urgent_extension_granted_share  # the template's, not 0
