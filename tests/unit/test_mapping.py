"""Column and value mapping: an export's own names and codes read as the contract's, near misses named."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import AS_OF, BASE_ROW, csv_bytes, make_rows
from triage.columns import apply_choices, best_guess, map_columns, match_columns
from triage.errors import InputFileError, RulesError
from triage.ingest import read_export
from triage.mapping import (
    ExportMapping,
    contract_columns,
    default_mapping,
    load_mapping,
    mapping_from_text,
    match_key,
    parse_mapping,
    to_toml,
)
from triage.worklist import TriageResult, build_worklist

CONTRACT = contract_columns()


def run(rows: list[dict[str, str]], mapping: ExportMapping | None = None) -> TriageResult:
    result = build_worklist(csv_bytes(rows), AS_OF, filename="x.csv", mapping=mapping)
    assert result.rows_in == result.rows_accounted
    return result


def renamed(row: dict[str, str], names: dict[str, str]) -> dict[str, str]:
    return {names.get(k, k): v for k, v in row.items()}


@pytest.mark.parametrize("header", ["Date Received", "date_received", "DATE-RECEIVED", " date  received "])
def test_matching_ignores_case_spaces_and_punctuation(header: str) -> None:
    assert match_columns([header], default_mapping(), CONTRACT).used == {"received_date": header}
    assert match_key("1:1 Supervision") == match_key("11 supervision") == "11supervision"


def test_the_issue_export_triages_with_nothing_renamed() -> None:
    """Issue 11's export: its names, UK two-digit-year dates, 'Further Authorisation', 'Nursing Home',
    'Acute Hospital', Y/N/Unknown: nothing refused for naming reasons."""
    names = {
        "application_id": "Request ID",
        "received_date": "Date Received",
        "request_type": "Request Type",
        "urgent_start": "Urgent Authorisation Start",
        "one_to_one": "1:1 Supervision",
        "sedation_or_covert_medication": "Sedation/Covert Medication",
        "setting": "Placement Type",
    }
    rows = make_rows(
        {"received_date": "01/03/26", "request_type": "Urgent", "urgent_start": "01/03/26",
         "setting": "Acute Hospital", "one_to_one": "Y", "objecting": "N"},
        {"received_date": "02/03/26", "request_type": "Further Authorisation",
         "current_authorisation_expiry": "20/03/26", "setting": "Nursing Home",
         "sedation_or_covert_medication": "Unknown"},
        {"received_date": "03/03/26", "setting": "Residential Home", "one_to_one": "N"},
    )  # fmt: skip
    result = run([renamed(r, names) for r in rows])
    assert len(result.rejects) == 0
    w = result.worklist.set_index("application_id")
    assert list(w.loc[["A1", "A2", "A3"], "setting"]) == ["hospital", "care_home", "care_home"]
    assert list(w.loc[["A1", "A2", "A3"], "request_type"]) == ["urgent", "renewal", "standard"]
    assert w.loc["A1", "received_date"] == pd.Timestamp("2026-03-01")
    assert w.loc["A2", "current_authorisation_expiry"] == pd.Timestamp("2026-03-20")
    assert w.loc["A1", "priority"] == "high" and "one_to_one" in w.loc["A1", "reasons"]
    assert w.loc["A2", "sedation_or_covert_medication"] == "" and w.loc["A2", "data_warnings"] == ""


def test_the_contract_name_beats_a_spelling_and_spare_spellings_are_named() -> None:
    match = match_columns(
        ["Sedation", "Sedation/Covert Medication", "received_date", "Date Received"],
        default_mapping(),
        CONTRACT,
    )
    assert match.used["sedation_or_covert_medication"] == "Sedation/Covert Medication"  # listed first
    assert match.used["received_date"] == "received_date"  # the contract's own name wins
    assert match.spares == {"Sedation": "sedation_or_covert_medication", "Date Received": "received_date"}
    assert any("'Date Received' also looks like received_date" in w for w in match.warnings())


def test_two_headers_both_the_contract_name_are_refused() -> None:
    with pytest.raises(InputFileError, match="both mean application_id; keep one"):
        match_columns(["application_id", "Application ID"], default_mapping(), CONTRACT)


def test_near_misses_are_named_with_the_suggestion() -> None:
    rows = [renamed(r, {"restraint": "Restrain", "objecting": "Objectng"}) for r in make_rows({})]
    result = run(rows)
    warnings = result.columns.warnings()
    assert "column 'Restrain' is not read: did you mean restraint?" in warnings[0] + warnings[1]
    assert any("'Objectng'" in w and "objecting" in w for w in warnings)
    assert result.absent_screening_columns == ("objecting", "restraint")
    # a header near a column that is already read is not a near miss of it
    rows = [{**r, "Recieved By": "Ann"} for r in make_rows({})]
    assert run(rows).columns.warnings() == []


def test_a_missing_required_column_names_its_near_miss() -> None:
    raw = read_export(
        csv_bytes([renamed(r, {"received_date": "Recieved Date"}) for r in make_rows({})]), "x.csv"
    )
    with pytest.raises(
        InputFileError, match=r"no received_date column .* 'Recieved Date' looks like received_date"
    ):
        map_columns(raw)


def test_an_unknown_code_is_refused_with_the_nearest_code() -> None:
    result = run(make_rows({"setting": "Nursing Hme"}, {"request_type": "Furthr Authorisation"}))
    problems = list(result.rejects["problems"])
    assert problems[0].startswith(
        "setting 'Nursing Hme': expected care_home or hospital (did you mean care_home?) (the DoLS cover "
        "care homes and hospitals only"
    )
    assert problems[1].endswith("(did you mean renewal?)")


def test_a_council_mapping_is_read_on_top_of_the_shipped_one(tmp_path: Path) -> None:
    own = tmp_path / "ours.toml"
    own.write_text(
        '[columns]\nsetting = ["Where"]\n[values.setting]\ncare_home = ["NH"]\n'
        '[values.yes_no]\nyes = ["Ticked"]\n'
    )
    mapping = load_mapping(own)
    rows = [
        renamed(r, {"setting": "Where"})
        for r in make_rows({"setting": "NH", "objecting": "Ticked"}, {"setting": "Nursing Home"})
    ]
    w = run(rows, mapping).worklist
    assert list(w.sort_values("application_id")["setting"]) == ["care_home", "care_home"]  # own and shipped
    assert w.set_index("application_id").loc["A1", "priority"] == "high"
    # extends_default = false: only its own spellings
    own.write_text(
        'extends_default = false\n[columns]\nsetting = ["Where"]\n[values.setting]\ncare_home = ["NH"]\n'
    )
    result = run(rows, load_mapping(own))
    assert list(result.rejects["application_id"]) == ["A2"]  # "Nursing Home" is not known to it


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[columns]\nrecieved_date = ["In"]\n',
            r"columns.recieved_date: not a column of the input contract \(did you mean received_date\?\)",
        ),
        (
            '[values.setting]\nhospital = ["Ward"]\ncare_home = ["ward "]\n',
            "'ward ' is listed for both hospital and care_home",
        ),
        ('[values.setting]\nhospice = ["X"]\n', r"values.setting: \['hospice'\] not among the codes"),
        ('[values.colour]\nred = ["R"]\n', "values.colour: not a coded field"),
        ('[dates]\nformats = ["%m/%Y"]\n', "needs a day"),
        ('[columns]\nage = ["???"]\n', "has no letters or digits"),
        ("[columns\n", "not valid TOML"),
        ("colour = 1\n", "colour: unknown key"),
    ],
)
def test_a_broken_mapping_file_is_one_clear_error(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(body)
    with pytest.raises(RulesError, match=message):
        load_mapping(path)


def test_a_mapping_file_round_trips_through_toml() -> None:
    own = ExportMapping(
        columns={"setting": ["Where"]}, ignore=["Notes"], values={"setting": {"hospital": ["HOSP"]}}
    )
    assert parse_mapping(to_toml(own, note="a note"), "m.toml") == own
    assert parse_mapping(to_toml(default_mapping()), "m.toml") == default_mapping()


def test_ignored_headers_are_never_read_guessed_or_warned_of() -> None:
    mapping = mapping_from_text('ignore = ["Restrain", "Date Received"]\n', "m.toml")
    match = match_columns(["received_date", "Restrain", "Date Received"], mapping, CONTRACT)
    assert match.used == {"received_date": "received_date"} and match.warnings() == []
    assert best_guess(["Restrain"], "restraint", mapping) is None
    assert best_guess(["Restrain"], "restraint", default_mapping()) == "Restrain"


def test_a_guess_must_read_as_the_column() -> None:
    """The page's prefill: a provider's name is not a setting, however close the header's name."""
    sample = pd.DataFrame(
        {"Managing Authority": ["Provider 1", "Provider 2"], "Placement": ["Nursing Home", "Ward"]}
    )
    headers = list(sample.columns)
    assert best_guess(headers, "setting", default_mapping(), sample) == "Placement"
    assert best_guess(["Managing Authority"], "setting", default_mapping(), sample) is None
    assert (
        best_guess(["Managing Authority"], "setting", default_mapping()) == "Managing Authority"
    )  # by name only
    dates = pd.DataFrame({"Date Receivd": ["01/03/26", "2026-03-02"], "Date Recvd": ["yes", "no"]})
    assert best_guess(list(dates), "received_date", default_mapping(), dates) == "Date Receivd"


def test_choices_are_applied_exactly_and_clashes_refused() -> None:
    row = {**BASE_ROW, "Where": "hospital"}
    raw = read_export(csv_bytes([row]), "x.csv")
    chosen = {
        "application_id": "application_id",
        "received_date": "received_date",
        "setting": "Where",
        "request_type": "request_type",
    }
    export = apply_choices(raw, chosen, default_mapping())
    assert export.table.loc[0, "setting"] == "hospital"
    assert export.table.loc[0, "setting (export)"] == "care_home"  # the file's own 'setting' kept aside
    assert "objecting" not in export.columns.used  # not chosen: not read
    with pytest.raises(InputFileError, match="'Where' is chosen for both setting and request_type"):
        apply_choices(raw, {**chosen, "request_type": "Where"}, default_mapping())
    with pytest.raises(InputFileError, match="no column 'Nope'"):
        apply_choices(raw, {**chosen, "age": "Nope"}, default_mapping())
    with pytest.raises(InputFileError, match="no request_type column"):
        apply_choices(raw, {k: v for k, v in chosen.items() if k != "request_type"}, default_mapping())
