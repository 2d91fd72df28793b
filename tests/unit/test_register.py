"""The register of authorisations in force (issue 20): each alert on hand-built rows, citing its
paragraph or section; bad rows refused with one clear reason each; files of three shapes read through the
mapping; every line of the register in the register or its rejects; the headline count of people
without authority includes an authorisation that ended with no further request."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import AS_OF, cli, csv_bytes, make_rows
from triage.export import to_xlsx_bytes
from triage.register import RegisterResult, build_register

NO_REQUESTS = pd.DataFrame({"person_id": [], "received_date": pd.to_datetime([]), "request_type": []})


def register(*rows: dict[str, str], requests: pd.DataFrame = NO_REQUESTS) -> RegisterResult:
    base = {"authorisation_id": "", "person_id": "", "start_date": "2026-06-01", "end_date": "2027-05-31",
            "rpr_appointed_date": "2026-06-03"}  # fmt: skip
    table = pd.DataFrame([{**base, "authorisation_id": f"S{i + 1}", "person_id": f"P{i + 1}", **r}
                          for i, r in enumerate(rows)])  # fmt: skip
    return build_register(table.to_csv(index=False).encode(), AS_OF, requests, filename="register.csv")


def alerts_of(result: RegisterResult, authorisation_id: str) -> str:
    return str(result.register.set_index("authorisation_id").at[authorisation_id, "alerts"])


def test_para_1_3_an_authorisation_ended_with_no_further_request_leaves_the_person_without_authority() -> (
    None
):
    """Sch A1 paras 1(3), 2: once a standard authorisation ends, nothing authorises the deprivation; with
    no further request received, no request shows it, so the register must: from the day after the end."""
    r = register({"start_date": "2025-12-01", "end_date": "2026-11-20"})
    row = r.register.iloc[0]
    assert bool(row["ended_no_request"])
    assert row["without_authority_since"] == pd.Timestamp("2026-11-21")
    assert r.without_authority == 1


def test_para_24_a_further_request_received_takes_over_the_count() -> None:
    """Para 24: a further request (received in the 28 days before the end, or after it) is the request's
    own clock and authority; the register does not count the person again."""
    requests = pd.DataFrame(
        {"person_id": ["P1"], "received_date": pd.to_datetime(["2026-11-01"]), "request_type": ["renewal"]}
    )
    r = register({"start_date": "2025-12-01", "end_date": "2026-11-20"}, requests=requests)
    assert not bool(r.register.iloc[0]["ended_no_request"]) and r.without_authority == 0
    assert r.register.iloc[0]["alerts"] == ""


def test_para_24_ending_within_28_days_with_no_further_request_is_alerted() -> None:
    r = register({"start_date": "2026-01-01", "end_date": "2026-12-21"}, {"end_date": "2027-05-31"})
    assert "ends soon and no further request received (Sch A1 para 24)" in alerts_of(r, "S1")
    assert "ends soon" not in alerts_of(r, "S2")  # more than 28 days away


def test_para_139_no_representative_appointed_after_a_grant() -> None:
    """Para 139: a representative is appointed once the authorisation is given; none recorded 7 days on."""
    r = register({"rpr_appointed_date": ""}, {"rpr_appointed_date": "", "start_date": "2026-11-20"})
    assert "no relevant person's representative appointed (Sch A1 para 139)" in alerts_of(r, "S1")
    assert "representative" not in alerts_of(r, "S2")  # 3 days since the start: not yet due


def test_s39c_representative_ended_with_no_successor_needs_an_imca() -> None:
    """MCA 2005 s39C: while there is no representative, an IMCA must be instructed."""
    r = register(
        {"rpr_end_date": "2026-11-01"},
        {"rpr_end_date": "2026-11-01", "imca_39c": "yes"},  # instructed already
        {"rpr_end_date": "2026-11-01", "rpr_appointed_date": "2026-11-05"},  # a successor appointed
    )
    assert "s39C IMCA due" in alerts_of(r, "S1")
    assert "s39C" not in alerts_of(r, "S2") and "s39C" not in alerts_of(r, "S3")


def test_s39d_imca_requested() -> None:
    """MCA 2005 s39D: the person or an unpaid representative asks for an IMCA: one must be instructed."""
    r = register({"imca_39d_requested": "Yes"}, {"imca_39d_requested": "No"})
    assert "s39D IMCA requested: instruct one" in alerts_of(r, "S1")
    assert "s39D" not in alerts_of(r, "S2")


def test_para_53_conditions_to_check() -> None:
    r = register({"conditions": "Family visits weekly"}, {"conditions": "None"}, {"conditions": ""})
    assert "conditions attached: check they are met (Sch A1 para 53)" in alerts_of(r, "S1")
    assert alerts_of(r, "S2") == alerts_of(r, "S3") == ""


def test_part_8_review_requested() -> None:
    r = register({"review_requested": "2026-11-20"}, {"review_requested": "n"})
    assert "review requested: carry it out (Sch A1 Part 8)" in alerts_of(r, "S1")
    assert "review" not in alerts_of(r, "S2")


def test_part_6_suspended_more_than_28_days_has_ceased() -> None:
    """Sch A1 Part 6: an authorisation suspended for 28 days without the managing authority saying the
    person is eligible again ceases to be in force."""
    r = register({"suspended_since": "2026-10-26"}, {"suspended_since": "2026-10-27"})
    assert "the authorisation has ceased (Sch A1 Part 6)" in alerts_of(r, "S1")  # 28 days on 23 Nov
    assert "ceased" not in alerts_of(r, "S2")  # 27 days


def test_bad_rows_get_one_clear_reason_each_and_nothing_is_lost() -> None:
    r = register(
        {"end_date": "2026-05-01"},  # S1 ends before it starts
        {"start_date": "2025-06-01", "end_date": "2026-12-31"},  # S2 longer than a year (para 42)
        {"person_id": "P9"},  # S3 and S4: two in force for one person
        {"person_id": "P9", "start_date": "2026-07-01", "end_date": "2027-06-30"},
        {"start_date": "next week"},  # S5 not a date
        {},  # S6 good
    )
    why = dict(zip(r.rejects["authorisation_id"], r.rejects["problems"], strict=True))
    assert why["S1"] == "end_date '2026-05-01': before start_date"
    assert why["S2"] == "end_date: more than a year after start_date (Sch A1 para 42: at most 365 days)"
    assert (
        why["S3"]
        == why["S4"]
        == "person_id 'P9': two authorisations in force on the as-of date (none is used)"
    )
    assert why["S5"].startswith("start_date 'next week': not a date")
    assert r.register["authorisation_id"].tolist() == ["S6"]
    assert r.rows_accounted == r.rows_in == 6


def test_renewals_with_no_authorisation_in_the_register_are_counted() -> None:
    requests = pd.DataFrame(
        {
            "person_id": ["P1", "P7", "P8"],
            "received_date": pd.to_datetime(["2026-11-01"] * 3),
            "request_type": ["renewal", "renewal", "standard"],
        }
    )
    assert register({}, requests=requests).unmatched_further_requests == 1  # P7; P8 is a new request


CASE_SYSTEM = pd.DataFrame(
    {
        "Authorisation Reference": ["S1", "S2", "S3"],
        "Client ID": ["P1", "P2", "P3"],
        "Date Authorised": ["01/12/25", "01/06/26", "01/06/26"],
        "Expiry Date": ["20/11/26", "31/05/27", "31/05/27"],
        "RPR Appointed": ["03/12/25", "", "03/06/26"],
        "Conditions Attached": ["", "", "Yes"],
    }
)


@pytest.mark.parametrize("shape", ["CSV", "XLSX", "tab-separated UTF-16"])
def test_a_case_systems_register_is_read_through_the_mapping(shape: str) -> None:
    if shape == "CSV":
        data, name = CASE_SYSTEM.to_csv(index=False).encode(), "register.csv"
    elif shape == "XLSX":
        data, name = to_xlsx_bytes(CASE_SYSTEM), "register.xlsx"
    else:
        data, name = CASE_SYSTEM.to_csv(index=False, sep="\t").encode("utf-16"), "register.txt"
    r = build_register(data, AS_OF, NO_REQUESTS, filename=name)
    assert r.register["authorisation_id"].tolist() == ["S1", "S2", "S3"]
    assert r.counts["ended_no_request"] == 1
    assert r.counts["rpr_not_appointed"] == 1
    assert r.counts["conditions_to_check"] == 1
    assert r.rows_accounted == 3


def test_a_register_without_its_dates_is_refused_whole_in_one_line(tmp_path: Path) -> None:
    src, reg = tmp_path / "export.csv", tmp_path / "register.csv"
    src.write_bytes(csv_bytes(make_rows({})))
    reg.write_text("Authorisation ID,Client ID\nS1,P1\n")
    done = cli("triage", src, "--as-of", AS_OF.isoformat(), "--authorisations", reg)
    assert done.exit_code == 2
    assert "no start_date or end_date column" in done.stderr and "Traceback" not in done.output


def test_the_cli_counts_the_register_in_the_headline_and_writes_it(tmp_path: Path) -> None:
    src, reg = tmp_path / "export.csv", tmp_path / "register.csv"
    src.write_bytes(csv_bytes(make_rows({"person_id": "P9", "received_date": "2026-11-20"})))
    reg.write_bytes(CASE_SYSTEM.to_csv(index=False).encode())
    done = cli(
        "triage", src, "--as-of", AS_OF.isoformat(), "--authorisations", reg,
        "--register-out", tmp_path / "register_out.xlsx", "--register-rejects", tmp_path / "rejects.csv",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "Deprived of liberty without authority: 2 " in done.stdout  # P9 from receipt; S1 ended
    assert "authorisation ended with no further request 1" in done.stdout
    assert "3 in the register, 0 refused" in done.stdout
    out = pd.read_excel(io.BytesIO((tmp_path / "register_out.xlsx").read_bytes()))
    assert out.columns[:6].tolist() == [
        "authorisation_id", "person_id", "start_date", "end_date", "without_authority_since", "alerts",
    ]  # fmt: skip
    assert str(out.loc[0, "without_authority_since"])[:10] == "2026-11-21"
    assert (tmp_path / "rejects.csv").exists()
    assert date.fromisoformat(str(out.loc[0, "end_date"])[:10]) == date(2026, 11, 20)
