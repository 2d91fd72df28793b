"""The validate and run commands end to end, through the dols-sim entry point."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from simulation.experiment import run_replications
from simulation.scenario_file import load_scenario, with_overrides
from tests.conftest import EXAMPLE, REQUIRED_KPIS, CliResult, cli

QUICK = ["--set", "horizon.months=6"]
invoke = cli


def assert_user_error(result: CliResult, text: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert text in lines[0]
    assert "Traceback" not in result.output


def test_validate_ok() -> None:
    result = invoke("validate", EXAMPLE)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: ")
    assert "Example council" in result.stdout


def test_validate_reports_a_bad_value_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(re.sub(r"(?m)^bia_fte = .*$", "bia_fte = -2", EXAMPLE.read_text()))
    assert_user_error(invoke("validate", bad), "bad.toml: staffing.bia_fte: must be >= 0, got -2")


def test_validate_missing_file_and_bad_set(tmp_path: Path) -> None:
    assert_user_error(invoke("validate", tmp_path / "nope.toml"), "scenario file not found")
    assert_user_error(
        invoke("validate", EXAMPLE, "--set", "staffing.bia_fte=-1"), "staffing.bia_fte: must be >= 0, got -1"
    )
    assert_user_error(
        invoke("validate", EXAMPLE, "--set", "queue.policy=random"), "queue.policy: must be one of"
    )


def test_run_writes_results_with_overrides(tmp_path: Path) -> None:
    out = tmp_path / "results"
    result = invoke(
        "run", EXAMPLE, "--reps", 3, "--seed", 42, "--out", out, *QUICK, "--set", "staffing.bia_fte=12"
    )
    assert result.exit_code == 0, result.output
    assert "95% CI" in result.stdout and "Total cost" in result.stdout
    names = {p.name for p in out.iterdir()}
    assert names == {"summary.csv", "replications.csv", "backlog.csv", "waits.csv", "manifest.json"}

    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["kpi", "mean", "ci_low", "ci_high", "reps"]
    assert (summary["reps"] == 3).any()
    reps = pd.read_csv(out / "replications.csv")
    assert len(reps) == 3
    assert {"replication", *REQUIRED_KPIS} <= set(reps.columns)
    assert (reps["initial_backlog"] + reps["received"] == reps["completed"] + reps["open_at_end"]).all()
    backlog = pd.read_csv(out / "backlog.csv")
    assert list(backlog.columns) == ["week", "date", "band", "mean", "p05", "p95"]
    assert {"all", "high", "medium", "low"} <= set(backlog["band"])
    assert (backlog["p05"] <= backlog["mean"]).all() and (backlog["mean"] <= backlog["p95"]).all()
    waits = pd.read_csv(out / "waits.csv")
    assert {"band", "setting", "primary_support_reason"} <= set(waits["group_by"])

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 42 and manifest["reps"] == 3
    assert manifest["scenario"]["staffing"]["bia_fte"] == 12  # the scenario as run
    assert manifest["scenario"]["horizon"]["months"] == 6
    assert manifest["versions"]["dols-sim"]
    assert manifest["wall_time_seconds"] > 0


def test_same_seed_gives_byte_identical_replications(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert (
            invoke("run", EXAMPLE, "--reps", 2, "--seed", 5, "--out", tmp_path / name, *QUICK).exit_code == 0
        )
    assert invoke("run", EXAMPLE, "--reps", 2, "--seed", 6, "--out", tmp_path / "c", *QUICK).exit_code == 0
    a = (tmp_path / "a" / "replications.csv").read_bytes()
    assert a == (tmp_path / "b" / "replications.csv").read_bytes()
    assert a != (tmp_path / "c" / "replications.csv").read_bytes()
    assert (tmp_path / "a" / "backlog.csv").read_bytes() == (tmp_path / "b" / "backlog.csv").read_bytes()


def test_run_user_errors(tmp_path: Path) -> None:
    assert_user_error(invoke("run", EXAMPLE, "--reps", 0, "--out", tmp_path), "--reps: must be >= 1, got 0")
    assert_user_error(invoke("run", EXAMPLE, "--set", "demand.applications_per_month=x"), "must be a number")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert_user_error(
        invoke("run", EXAMPLE, "--reps", 1, "--out", blocker / "out", *QUICK), "--out: cannot create"
    )


def test_run_from_a_worklist_named_in_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "worklist.csv").write_text(
        "application_id,received_date,request_type,setting,priority,primary_support_reason,"
        "statutory_deadline,urgent_expiry\n"
        "A1,2025-03-30,urgent,hospital,high,dementia,2025-04-05,2025-04-05\n"
        "A2,2025-01-10,standard,care_home,low,,2025-01-30,\n"
    )
    text = re.sub(r"(?m)^size = ", "# size = ", EXAMPLE.read_text())  # the worklist replaces it
    scenario = tmp_path / "council.toml"  # the worklist path is relative to the scenario file
    scenario.write_text(text.replace('# worklist = "worklist.csv"', 'worklist = "worklist.csv"'))
    result = invoke("validate", scenario)
    assert result.exit_code == 0, result.output
    assert "2 from the worklist" in result.stdout
    out = tmp_path / "out"
    assert invoke("run", scenario, "--reps", 1, "--out", out, *QUICK).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["initial_worklist_rows"] == 2
    assert pd.read_csv(out / "replications.csv")["initial_backlog"].tolist() == [2]


def test_replications_do_not_depend_on_how_many_are_run() -> None:
    """Replication i is the same in a 2- and a 3-replication run (ready for parallel executors)."""
    s = with_overrides(load_scenario(EXAMPLE), ["horizon.months=3"])
    two = run_replications(s, 2, 11).replications
    three = run_replications(s, 3, 11).replications
    pd.testing.assert_frame_equal(two, three.iloc[:2])


@pytest.mark.parametrize("reps", [1])
def test_one_replication_has_no_interval(reps: int) -> None:
    s = with_overrides(load_scenario(EXAMPLE), ["horizon.months=2"])
    summary = run_replications(s, reps, 1).summary
    assert summary["ci_low"].isna().all() and (summary["reps"] <= 1).all()
