"""Ingest and validation: every row ends in the worklist or the rejects, with a reason a person can act on."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest

from tests.conftest import AS_OF, csv_bytes, make_rows
from triage.columns import map_columns
from triage.errors import InputFileError
from triage.export import neutralise, to_csv_bytes, to_xlsx_bytes
from triage.ingest import read_export
from triage.worklist import TriageResult, build_worklist


def run(data: bytes, name: str = "x.csv", as_of: date = AS_OF) -> TriageResult:
    result = build_worklist(data, as_of, filename=name)
    assert result.rows_in == len(result.worklist) + len(result.outside_scope) + len(result.rejects)
    assert result.rows_accounted == result.rows_in
    return result


def problems_of(result: TriageResult) -> dict[int, str]:
    return dict(zip(result.rejects["row"], result.rejects["problems"], strict=True))


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ({"received_date": "31/02/2025"}, "received_date '31/02/2025': not a date"),
        ({"received_date": "2026-13-01"}, "not a date"),
        ({"received_date": ""}, "received_date: blank"),
        ({"received_date": "2026-11-24"}, "after the as-of date 2026-11-23"),
        ({"received_date": "2001-01-01"}, "before the DoLS came into force"),
        ({"setting": "supported living"}, "setting 'supported living': expected care_home or hospital"),
        ({"setting": "own home"}, "Court of Protection (Re X"),
        ({"request_type": "appeal"}, "request_type 'appeal'"),
        ({"request_type": "review"}, "a review (Part 8) needs the expiry date"),
        ({"request_type": "urgent"}, "urgent_start: blank"),
        (
            {"request_type": "urgent", "urgent_start": "2026-11-30"},
            "urgent_start '2026-11-30': after the as-of",
        ),
        (
            {"request_type": "urgent", "urgent_start": "2026-11-01", "urgent_extended_days": "9"},
            "urgent_extended_days '9': expected a whole number of days from 0 to 7",
        ),
        (
            {"request_type": "urgent", "urgent_start": "2026-11-01", "urgent_extended_days": "2.5"},
            "urgent_extended_days '2.5'",
        ),
        ({"request_type": "renewal"}, "current_authorisation_expiry: blank"),
        ({"age": "eighty"}, "age 'eighty': expected a whole number"),
        ({"age": "1e30"}, "not a plausible age"),
        ({"application_id": ""}, "application_id: blank"),
        ({"completed_date": "2026-11-02", "outcome": "granted"}, "already decided"),
    ],
)
def test_each_kind_of_bad_row_is_refused_with_its_reason(override: dict[str, str], fragment: str) -> None:
    result = run(csv_bytes(make_rows({}, override, {})))
    assert list(result.rejects["row"]) == [3]  # header is row 1, so the second record is row 3
    assert fragment in result.rejects["problems"][0]
    assert sorted(result.worklist["application_id"]) == ["A1", "A3"]


def test_urgent_given_more_than_7_days_before_receipt_is_accepted_and_flagged() -> None:
    """Sch A1 paras 76(2), 78: it had ended before the request arrived; the person is without authority
    and cannot be given a second one (para 77(2)). Kept on the worklist, flagged, with reg 13(1)'s 21
    days (reg 13(2) applies only while an urgent authorisation is in force)."""
    result = run(csv_bytes(make_rows({"request_type": "urgent", "urgent_start": "2026-10-20"})))
    assert len(result.rejects) == 0
    row = result.worklist.iloc[0]
    assert bool(row["authority_ended_before_request"]) and row["authority"] == "none"
    assert row["without_authority_since"] == pd.Timestamp("2026-10-27")  # the day after 20 + 6
    assert row["statutory_deadline"] == pd.Timestamp("2026-11-21")  # received 1 Nov, day 21
    assert "urgent authorisation ended before the request arrived" in row["alerts"]


def test_urgent_start_up_to_7_days_before_receipt_is_fine() -> None:
    result = run(csv_bytes(make_rows({"request_type": "urgent", "urgent_start": "2026-10-25"})))
    assert len(result.rejects) == 0


def test_duplicate_ids_refuse_every_row_sharing_them_and_name_the_others() -> None:
    rows = make_rows({}, {}, {}, {})
    rows[1]["application_id"] = rows[3]["application_id"] = "DUP"
    result = run(csv_bytes(rows))
    p = problems_of(result)
    assert set(p) == {3, 5}
    assert "also on row(s) 5" in p[3] and "also on row(s) 3" in p[5]


def test_all_problems_of_a_row_are_listed_once() -> None:
    result = run(csv_bytes(make_rows({"age": "12", "setting": "nowhere", "received_date": "yesterday"})))
    assert len(result.rejects) == 1 and len(result.outside_scope) == 0  # refused: nothing hidden
    msg = result.rejects["problems"][0]
    assert "age" in msg and "setting" in msg and "received_date" in msg


def test_uk_and_iso_dates_and_case_insensitive_columns() -> None:
    rows = make_rows({"received_date": "05/11/2026"}, {"received_date": "2026-11-05"})
    df = pd.DataFrame(rows).rename(columns={"received_date": "Received Date", "setting": "SETTING"})
    result = run(df.to_csv(index=False).encode())
    assert len(result.rejects) == 0
    assert (result.worklist["received_date"] == pd.Timestamp("2026-11-05")).all()


def test_flag_spellings_and_unknown_answers() -> None:
    spellings = ["Yes", "Y", "TRUE", "1", "no", "n", "False", "0", "", "maybe"]
    rows = make_rows(*({"objecting": v} for v in spellings))
    w = run(csv_bytes(rows)).worklist.set_index("application_id")
    assert [w.loc[f"A{i + 1}", "objecting"] for i in range(10)] == ["yes"] * 4 + ["no"] * 4 + ["", ""]
    assert "objecting 'maybe': not yes/no" in w.loc["A10", "data_warnings"]
    assert w.loc["A10", "priority"] == "unscreened"


def test_unknown_columns_pass_through_untouched() -> None:
    rows = make_rows({"team": "North", "Social Worker": "=HYPERLINK(1)"})
    w = run(csv_bytes(rows)).worklist
    assert w.loc[0, "team"] == "North" and w.loc[0, "Social Worker"] == "=HYPERLINK(1)"
    assert neutralise(w).loc[0, "Social Worker"] == "'=HYPERLINK(1)"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_encodings(encoding: str) -> None:
    rows = make_rows({"team": "Équipe Nord – Zoë"})
    result = run(csv_bytes(rows, encoding))
    assert result.worklist.loc[0, "team"] == "Équipe Nord – Zoë"
    assert result.worklist.columns[1] == "application_id"  # no BOM glued to the first name


def test_ragged_rows_are_kept() -> None:
    text = csv_bytes(make_rows({}, {}, {})).decode()
    lines = text.splitlines()
    lines[2] = lines[2] + ",surplus,values"  # too many fields
    lines[3] = ",".join(lines[3].split(",")[:5])  # truncated row: blanks after the 5th field
    result = run(("\n".join(lines) + "\n").encode())
    p = problems_of(result)
    assert "more fields than the header" in p[3]
    assert result.rejects.set_index("row").loc[3, "_extra_fields"] == "surplus,values"
    assert "A3" in set(result.worklist["application_id"]) | set(result.rejects["application_id"])


def test_many_surplus_fields_fall_back_to_the_exact_reader() -> None:
    text = csv_bytes(make_rows({}, {})).decode().splitlines()
    text[1] += "," * 20 + "x"
    result = run(("\n".join(text) + "\n").encode())
    assert problems_of(result)[2].startswith("row '")


def test_quoted_newlines_keep_row_numbers() -> None:
    rows = make_rows({"team": "line one\nline two"}, {"age": "10"})
    result = run(csv_bytes(rows))
    assert list(result.outside_scope["row"]) == [3]


def test_blank_lines_are_skipped_and_counted() -> None:
    text = csv_bytes(make_rows({}, {})).decode()
    result = run((text + "\n,,,\n\n").encode())
    assert len(result.worklist) == 2 and result.blank_rows_skipped >= 1


def test_xlsx_round_trip_with_excel_dates() -> None:
    df = pd.DataFrame(make_rows({}, {"age": "15"}))
    df["received_date"] = pd.to_datetime(df["received_date"])  # real Excel date cells
    df["age"] = pd.to_numeric(df["age"])  # numbers, written as 84.0 by some tools
    buf = io.BytesIO()
    df.to_excel(buf, index=False)
    result = run(buf.getvalue(), "export.xlsx")
    assert list(result.worklist["application_id"]) == ["A1"]
    assert result.worklist.loc[0, "received_date"] == pd.Timestamp("2026-11-01")
    assert list(result.outside_scope["age"]) == [15]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "x.csv", "empty"),
        (b"   \n\n", "x.csv", "empty"),
        (b"id,date\n1,2\n", "x.csv", "no application_id or received_date or setting or request_type column"),
        (b"application_id,received_date\n", "x.csv", "no application rows"),
        (b"PK\x03\x04garbage", "x.xlsx", "not a readable .xlsx"),
        (b"\xd0\xcf\x11\xe0old", "x.xls", "old-style .xls"),
        (b"{}", "x.json", "expected a .csv or .xlsx"),
        (
            b"application_id,Application ID,received_date\n1,1,2026-01-01\n",
            "x.csv",
            "both mean application_id",
        ),
    ],
)
def test_unusable_files_are_one_clear_error(data: bytes, name: str, message: str) -> None:
    with pytest.raises(InputFileError, match=message):
        map_columns(read_export(data, name))


def test_missing_file() -> None:
    with pytest.raises(InputFileError, match="file not found"):
        read_export("no/such/export.csv")


def test_downloads_are_neutralised_and_keep_numbers() -> None:
    result = run(csv_bytes(make_rows({"received_date": "2026-01-01", "team": "+44 123", "x": "@SUM(A1)"})))
    data = to_csv_bytes(result.worklist)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    text = data.decode("utf-8-sig")
    assert ",-306," in text  # days_to_deadline stays a number, unquoted
    back_csv = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert back_csv.loc[0, "team"] == "'+44 123" and back_csv.loc[0, "x"] == "'@SUM(A1)"
    assert back_csv.loc[0, "statutory_deadline"] == "2026-01-21"
    back = pd.read_excel(io.BytesIO(to_xlsx_bytes(result.worklist)))
    assert back.loc[0, "team"] == "'+44 123" and back.loc[0, "days_to_deadline"] == -306


def test_no_header_row_error_does_not_echo_a_persons_details() -> None:
    data = (
        b"DOLS-1,2026-11-01,Jane Smith,NHS 943 476 5919,care_home\nDOLS-2,2026-11-02,Joe Bloggs,x,hospital\n"
    )
    with pytest.raises(InputFileError) as err:
        map_columns(read_export(data, "nohdr.csv"))
    message = str(err.value)
    assert "header row" in message
    for detail in ("DOLS-1", "Jane", "943", "2026-11-01"):
        assert detail not in message


def test_export_columns_named_like_ours_are_kept_not_overwritten() -> None:
    rows = make_rows({"priority": "urgent!", "row": "7", "rank": "1", "_extra_fields": "keep me"}, {})
    result = run(csv_bytes(rows))
    w = result.worklist.set_index("application_id")
    assert w.loc["A1", "priority (export)"] == "urgent!" and w.loc["A1", "priority"] == "low"
    assert w.loc["A1", "row (export)"] == "7" and w.loc["A1", "row"] == 2
    assert w.loc["A1", "rank (export)"] == "1"
    assert w.loc["A1", "_extra_fields (export)"] == "keep me"
    assert len(result.rejects) == 0


def test_headers_are_neutralised_too() -> None:
    rows = make_rows({'=HYPERLINK("http://x")': "a"})
    text = to_csv_bytes(run(csv_bytes(rows)).worklist).decode("utf-8-sig")
    assert "'=HYPERLINK" in text.splitlines()[0]


def test_trailing_commas_are_not_surplus_fields_on_either_reader() -> None:
    """Empty surplus fields lose nothing: refused on neither the fast nor the exact CSV path."""
    lines = csv_bytes(make_rows({}, {}, {})).decode().splitlines()
    lines[1] += ",,"
    assert len(run(("\n".join(lines) + "\n").encode()).rejects) == 0  # fast path
    lines[2] += "," * 20 + "x"  # more surplus than the fast path's spare columns: the exact path
    result = run(("\n".join(lines) + "\n").encode())
    assert list(result.rejects["row"]) == [3]
    assert result.rejects.loc[0, "_extra_fields"] == "x"


@pytest.mark.parametrize(
    ("age", "route"),
    [("17", "Court of Protection"), ("16", "Court of Protection"),
     ("15", "High Court, inherent jurisdiction"), ("4", "High Court")],
)  # fmt: skip
def test_under_18_is_outside_the_dols_with_its_route_not_refused(age: str, route: str) -> None:
    """Sch A1 para 13 (the age requirement: 18): not bad data. The request still needs a formal answer,
    so the row is listed apart, with who can authorise instead: the Court of Protection for 16-17 (the
    MCA applies from 16), the High Court's inherent jurisdiction under 16 (Re T [2021] UKSC 35)."""
    result = run(csv_bytes(make_rows({"age": age}, {})))
    assert len(result.rejects) == 0 and list(result.worklist["application_id"]) == ["A2"]
    apart = result.outside_scope
    assert list(apart["application_id"]) == ["A1"] and route in apart["route"][0]
    assert "setting" in apart.columns  # the row's own cells come with it: nothing lost
    if int(age) >= 16:
        assert "High Court" not in apart["route"][0]


def test_two_digit_years_and_month_names_are_dates() -> None:
    rows = make_rows(
        {"received_date": "01/03/26"}, {"received_date": "02-Mar-2026"}, {"received_date": "3 March 2026"}
    )
    w = run(csv_bytes(rows)).worklist.sort_values("application_id")
    assert [d.isoformat()[:10] for d in w["received_date"]] == ["2026-03-01", "2026-03-02", "2026-03-03"]


def test_neutralise_checks_each_cells_first_character_even_in_a_slice() -> None:
    """Only a cell that *begins* with = + - @ tab or CR is prefixed (OWASP); a slice of a frame (Arrow
    offsets not at zero), multi-byte letters and missing cells are read as the cells they are."""
    df = pd.DataFrame({"a": ["=x", "é=", "", "-1", None, "ok", "\rz"], "n": range(7)}).iloc[1:]
    out = neutralise(df)
    assert out["a"].tolist() == ["é=", "", "'-1", "", "ok", "'\rz"]
    assert out.index.tolist() == [1, 2, 3, 4, 5, 6]
    assert out["n"].tolist() == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    "look_alike",
    [
        "dols-1",
        "DOLS\u200b-1",
        "\uff24\uff2f\uff2c\uff33\uff0d\uff11",
        "DOLS\u20111",
        "DOLS-1\u00a0",
        "\ufeffDOLS-1",
    ],
)
def test_look_alike_ids_are_one_id_and_both_rows_are_named(look_alike: str) -> None:
    """Issue 25: ids compared as a person reads them (case, Unicode width, invisible characters, the kind
    of dash and spaces set aside); both rows refused, each naming the other and how it was written; every
    other id kept exactly as the file gave it."""
    rows = make_rows({}, {}, {})
    rows[0]["application_id"], rows[2]["application_id"] = "DOLS-1", look_alike
    rows[1]["application_id"] = "Zo\u00eb-7"
    result = run(csv_bytes(rows))
    p = problems_of(result)
    assert set(p) == {2, 4}
    assert "application_id 'DOLS-1': duplicate, also on row(s) 4" in p[2]
    if look_alike.strip() != "DOLS-1":  # (surrounding spaces, even non-breaking, are gone when read)
        assert "also on row(s) 4, written there as" in p[2]
        assert "\u200b" not in p[2] and "\u2011" not in p[2]  # what cannot be seen is written out
        assert "also on row(s) 2, written there as 'DOLS-1'" in p[4]
    assert list(result.worklist["application_id"]) == ["Zo\u00eb-7"]  # as written, never rewritten


def test_different_ids_stay_different() -> None:
    rows = make_rows({}, {}, {})
    for row, given in zip(rows, ["DOLS-1", "DOLS-11", "DOLS_1"], strict=True):
        row["application_id"] = given
    assert run(csv_bytes(rows)).rejects.empty
