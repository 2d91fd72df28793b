"""synth-history, calibrate and backtest end to end, through the dols-sim entry point (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from simulation.scenario_file import load_scenario
from tests.conftest import EXAMPLE, cli
from tests.functional.test_run_cmd import assert_user_error

AS_OF = "2026-10-31"


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's worked example: three years of the example council, calibrated."""
    folder = tmp_path_factory.mktemp("calibrate")
    made = cli("synth-history", EXAMPLE, "--months", 36, "--seed", 1, "--as-of", AS_OF,
               "--out", folder / "history.csv")  # fmt: skip
    assert made.exit_code == 0, made.output
    fitted = cli("calibrate", folder / "history.csv", "--as-of", AS_OF, "--out", folder / "my-council.toml",
                 "--report", folder / "fit.csv")  # fmt: skip
    assert fitted.exit_code == 0, fitted.output
    (folder / "calibrate.out").write_text(fitted.stdout)
    return folder


def test_synth_history_is_an_export_with_outcomes(calibrated: Path) -> None:
    h = pd.read_csv(calibrated / "history.csv", dtype=str, keep_default_na=False)
    assert {"application_id", "received_date", "setting", "request_type", "objecting", "completed_date",
            "outcome", "closure_reason"} <= set(h.columns)  # fmt: skip
    assert h["application_id"].is_unique
    assert set(h["outcome"]) == {"", "granted", "not_granted", "withdrawn"}
    assert (h.loc[h["outcome"] == "", "completed_date"] == "").all()
    assert h["completed_date"].max() <= AS_OF and h["received_date"].max() <= AS_OF
    done = h["completed_date"] != ""
    assert (h.loc[done, "completed_date"] >= h.loc[done, "received_date"]).all()
    again = cli("synth-history", EXAMPLE, "--months", 36, "--seed", 1, "--as-of", AS_OF,
                "--out", calibrated / "again.csv")  # fmt: skip
    assert again.exit_code == 0
    assert (calibrated / "again.csv").read_bytes() == (calibrated / "history.csv").read_bytes()


def test_calibrate_writes_a_scenario_validate_accepts(calibrated: Path) -> None:
    out = (calibrated / "calibrate.out").read_text()
    rows = len((calibrated / "history.csv").read_text().splitlines()) - 1  # the file's lines, less its header
    assert f"{rows:,} rows in, {rows:,} used, 0 rejected" in out
    assert "Fit report" in out and "In-house BIA posts" in out
    text = (calibrated / "my-council.toml").read_text()
    assert "# fitted: " in text and "# Calibrated by dols-sim from history.csv" in text
    ok = cli("validate", calibrated / "my-council.toml")
    assert ok.exit_code == 0, ok.output
    s, example = load_scenario(calibrated / "my-council.toml"), load_scenario(EXAMPLE)
    assert str(s.horizon.start_date) == "2026-11-01"
    assert 0.74 < s.demand.mix.urgent_share < 0.82  # the example's 0.78
    assert 10 < s.staffing.bia_fte < 14  # 11, and 12 from month 7, with vacancies and turnover
    assert s.staffing.bia_hours_per_assessment == example.staffing.bia_hours_per_assessment  # the template's
    report = pd.read_csv(calibrated / "fit.csv")
    assert {"key", "value", "low", "high", "rows", "refused"} <= set(report.columns)
    fitted = report.loc[~report["refused"]]
    assert (fitted["low"] <= fitted["value"]).all() and (fitted["value"] <= fitted["high"]).all()


def test_backtest_holds_the_observed_completions(calibrated: Path) -> None:
    """The issue's bar: a calibrated synthetic council's observed monthly completions lie inside the
    simulated 90% band in at least 80% of months."""
    out = calibrated / "bt"
    window = ("--from", "2024-11-01", "--to", AS_OF, "--as-of", AS_OF)
    result = cli("backtest", calibrated / "my-council.toml", "--history", calibrated / "history.csv", *window,
                 "--out", out, "--reps", 30)  # fmt: skip
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "backtest.csv")
    assert set(table["measure"]) == {"received", "completed", "closed_without_decision", "open_at_month_end",
                                     "completed_within_21_days_share", "mean_days_to_complete"}  # fmt: skip
    assert len(table) == 6 * 24
    completed = table.loc[table["measure"] == "completed"]
    assert completed["inside"].mean() >= 0.8
    assert (completed["low"] <= completed["simulated"]).all() and (
        completed["simulated"] <= completed["high"]
    ).all()
    assert ((completed["observed"] - completed["simulated"]) - completed["error"]).abs().max() < 1e-9
    assert (out / "backtest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Inside the 90% band" in result.stdout
    if completed["inside"].mean() > 0.75:  # a completion count held is never read as a miss
        assert "Completed (decided or closed):" not in result.stdout


def test_a_wrong_scenario_fails_the_backtest(calibrated: Path) -> None:
    """The backtest can fail: half the assessors, and the observed completions leave the band."""
    out = calibrated / "bt-wrong"
    wrong = calibrated / "wrong.toml"
    text = (calibrated / "my-council.toml").read_text()
    fte = load_scenario(calibrated / "my-council.toml").staffing.bia_fte
    wrong.write_text(text.replace(f"bia_fte = {fte}", f"bia_fte = {fte / 2}"))
    result = cli("backtest", wrong, "--history", calibrated / "history.csv", "--from", "2025-11-01",
                 "--to", AS_OF, "--as-of", AS_OF, "--out", out, "--reps", 10)  # fmt: skip
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "backtest.csv")
    assert table.loc[table["measure"] == "completed", "inside"].mean() < 0.5
    # and it says what the miss points to: the team completed more than half its assessors could
    said = " ".join(result.stdout.split())
    assert (
        "Completed (decided or closed): " in said
        and "the history higher than the model: the team completed more" in said
    )
    assert "`staffing.bia_fte`" in said


def test_user_mistakes_are_one_line(tmp_path: Path, calibrated: Path) -> None:
    short = tmp_path / "short.csv"
    made = cli("synth-history", EXAMPLE, "--months", 8, "--seed", 2, "--as-of", AS_OF, "--out", short)
    assert made.exit_code == 0
    assert_user_error(
        cli("calibrate", short, "--as-of", AS_OF, "--out", tmp_path / "x.toml"),
        "whole months (2026-03-01 to 2026-10-31); calibration needs at least 12",
    )
    plain = tmp_path / "plain.csv"
    pd.read_csv(short, dtype=str).drop(columns=["outcome"]).to_csv(plain, index=False)
    assert_user_error(cli("calibrate", plain, "--as-of", AS_OF), "needs completed_date and outcome columns")
    assert_user_error(
        cli("calibrate", calibrated / "history.csv", "--as-of", AS_OF, "--from", "31/02/2025"),
        "--from '31/02/2025'",
    )
    scenario = calibrated / "my-council.toml"
    history = calibrated / "history.csv"
    for window, message in (
        (("2026-01-01", "2026-11-30"), "--to 2026-11-30: after the history's as-of date 2026-10-31"),
        (("2026-05-01", "2026-01-31"), "--to 2026-01-31: before --from 2026-05-01"),
    ):
        args = ("--from", window[0], "--to", window[1], "--as-of", AS_OF, "--out", tmp_path / "bt")
        assert_user_error(cli("backtest", scenario, "--history", history, *args), message)
    assert_user_error(cli("synth-history", tmp_path / "none.toml"), "scenario file not found")
