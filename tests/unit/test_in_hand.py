"""Work in hand (issue 20): requests already with an assessor or awaiting sign-off are not ranked for
allocation, but stay open requests on the same clock, counted in every figure, in their own table, with
each assessor's caseload. Exports of three shapes (contract names, a case system's headers and codes, a
workbook) are built here; every row ends on the worklist, in hand, outside the DoLS or refused."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.conftest import AS_OF, cli, csv_bytes, make_rows
from triage.export import to_xlsx_bytes
from triage.in_hand import caseload
from triage.summary import summarise
from triage.worklist import build_worklist

ROWS = (
    {"objecting": "yes"},  # A1 awaiting allocation (no status)
    {"status": "with_best_interests_assessor", "status_date": "2026-11-10", "assessor": "Sam",
     "received_date": "2026-10-01"},  # A2: past its deadline (21 Oct), 13 days with the BIA
    {"status": "awaiting_sign_off", "status_date": "2026-11-20", "assessor": "Sam",
     "received_date": "2026-11-15"},  # A3: within time
    {"status": "with_mental_health_assessor", "status_date": "2026-11-19", "assessor": "Ali",
     "received_date": "2026-11-18"},  # A4: within time
    {"status": "awaiting_allocation", "age": "17"},  # A5 outside the DoLS, whatever its status
    {"status": "with_best_interests_assessor", "status_date": "2026-11-30"},  # A6 refused: after as-of
    {"status": "closed?"},  # A7: an unknown stage stays on the worklist (never hidden), with a warning
)  # fmt: skip


def triage(data: bytes, name: str = "x.csv") -> Any:
    return build_worklist(data, AS_OF, filename=name)


def test_work_in_hand_is_not_ranked_but_every_row_is_accounted_for() -> None:
    r = triage(csv_bytes(make_rows(*ROWS)))
    assert r.worklist["application_id"].tolist() == ["A1", "A7"]
    assert r.worklist["rank"].tolist() == [1, 2]
    assert r.in_hand["application_id"].tolist() == ["A2", "A4", "A3"]  # by stage, as work passes through
    assert r.outside_scope["application_id"].tolist() == ["A5"]
    assert r.rejects["application_id"].tolist() == ["A6"]
    assert "status_date '2026-11-30': after the as-of date" in r.rejects["problems"].iloc[0]
    assert r.rows_accounted == r.rows_in == 7
    assert (
        "status 'closed?': not a known stage"
        in r.worklist.set_index("application_id").at["A7", "data_warnings"]
    )


def test_in_hand_rows_keep_the_statutory_clock_and_count_in_the_summary() -> None:
    """Reg 13: the 21 days run whoever holds the request; a request gives no authority (Sch A1 paras
    1(3), 2), so a person whose request is with an assessor may still be deprived without authority."""
    r = triage(csv_bytes(make_rows(*ROWS)))
    a2 = r.in_hand.set_index("application_id").loc["A2"]
    assert a2["stage"] == "with best interests assessor"
    assert a2["days_in_stage"] == 13
    assert str(a2["statutory_deadline"])[:10] == "2026-10-21" and bool(a2["breached"])
    assert str(a2["without_authority_since"])[:10] == "2026-10-01"
    s = summarise(r)
    assert s.accepted == 2 and s.in_hand == 3
    assert s.in_hand_by_stage == {
        "with best interests assessor": 1,
        "with mental health assessor": 1,
        "awaiting sign-off": 1,
    }
    assert s.breached == int(r.worklist["breached"].sum()) + 1  # A2 counts among the breached
    assert s.alerts.without_authority == len(r.worklist) + len(r.in_hand)  # care home: already deprived
    assert s.in_hand_breached == 1 and s.assessors == 2
    assert len(r.open_requests) == 5


def test_caseload_per_assessor() -> None:
    r = triage(csv_bytes(make_rows(*ROWS)))
    load = caseload(r.in_hand).set_index("assessor")
    assert load.loc["Sam"].to_dict() == {
        "with best interests assessor": 1,
        "with mental health assessor": 0,
        "awaiting sign-off": 1,
        "cases": 2,
        "past deadline": 1,
        "longest in stage (days)": 13,
    }
    assert load.loc["Ali", "cases"] == 1
    assert caseload(r.in_hand.iloc[0:0]).empty


CASE_SYSTEM = pd.DataFrame(
    {
        "Request ID": ["R1", "R2", "R3", "R4"],
        "Date Received": ["01/11/26", "01/10/26", "15/11/26", "18/11/26"],
        "Placement Type": ["Nursing Home", "Nursing Home", "Ward", "Residential Home"],
        "Request Type": ["Standard Authorisation"] * 4,
        "Client ID": ["P1", "P2", "P3", "P4"],
        "Case Status": ["Unallocated", "Allocated to BIA", "Awaiting Sign-Off", "With MHA"],
        "Date Allocated": ["", "10/11/26", "20/11/26", "19/11/26"],
        "Allocated To": ["", "Sam Jones", "Sam Jones", "Ali Khan"],
    }
)


@pytest.mark.parametrize("shape", ["case system CSV", "case system XLSX", "tab-separated"])
def test_a_case_systems_headers_and_codes_are_read(shape: str) -> None:
    if shape == "case system CSV":
        data, name = CASE_SYSTEM.to_csv(index=False).encode(), "x.csv"
    elif shape == "case system XLSX":
        data, name = to_xlsx_bytes(CASE_SYSTEM), "x.xlsx"
    else:
        data, name = CASE_SYSTEM.to_csv(index=False, sep="\t").encode("utf-16"), "x.txt"
    r = triage(data, name)
    assert r.worklist["application_id"].tolist() == ["R1"]
    assert r.in_hand["application_id"].tolist() == ["R2", "R4", "R3"]
    assert r.in_hand["assessor"].tolist() == ["Sam Jones", "Ali Khan", "Sam Jones"]
    assert r.in_hand["person_id"].tolist() == ["P2", "P4", "P3"]
    assert r.in_hand["days_in_stage"].tolist() == [13, 4, 3]
    assert r.rows_accounted == 4


def triage_cli(tmp_path: Path, *options: object) -> Any:
    """``dols-sim triage`` on the hand-built rows, with ``options``; it must succeed."""
    src = tmp_path / "export.csv"
    src.write_bytes(csv_bytes(make_rows(*ROWS)))
    done = cli("triage", src, "--as-of", AS_OF.isoformat(), *options)
    assert done.exit_code == 0, done.output
    return done


def test_the_cli_writes_the_work_in_hand_and_the_caseload(tmp_path: Path) -> None:
    done = triage_cli(
        tmp_path, "--in-hand", tmp_path / "in_hand.xlsx", "--caseload", tmp_path / "caseload.csv"
    )
    assert "2 on the worklist, 3 in hand" in done.stdout
    assert "held by 2 assessors" in done.stdout
    assert "Sam" not in done.output  # counts only: no assessor's name on the terminal
    held = pd.read_excel(io.BytesIO((tmp_path / "in_hand.xlsx").read_bytes()))
    assert held["application_id"].tolist() == ["A2", "A4", "A3"]
    load = pd.read_csv(tmp_path / "caseload.csv", encoding="utf-8-sig")
    assert load["assessor"].tolist() == ["Sam", "Ali"]


def test_without_a_status_column_everything_awaits_allocation() -> None:
    r = build_worklist(csv_bytes(make_rows({}, {})), date(2026, 11, 23), filename="x.csv")
    assert len(r.worklist) == 2 and r.in_hand.empty


def test_a_simulation_starts_from_the_worklist_and_the_work_in_hand(tmp_path: Path) -> None:
    """`initial_backlog.in_hand` reads the work in hand beside the worklist: the run starts from every
    open request (as the page does), not only from what awaits allocation."""
    from simulation.admission import admit
    from tests.conftest import EXAMPLE, scenario_file

    triage_cli(tmp_path, "--out", tmp_path / "worklist.csv", "--in-hand", tmp_path / "in_hand.csv")
    scenario = scenario_file(
        EXAMPLE,
        "horizon.start_date=2026-11-23",
        "initial_backlog.size=0",
        f'initial_backlog.worklist="{tmp_path / "worklist.csv"}"',
        f'initial_backlog.in_hand="{tmp_path / "in_hand.csv"}"',
    )
    admitted = admit(scenario, base_dir=tmp_path)
    assert admitted.initial_worklist is not None
    assert sorted(admitted.initial_worklist["application_id"]) == ["A1", "A2", "A3", "A4", "A7"]
