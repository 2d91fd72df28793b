"""sweep, compare and plan end to end: the same files whoever runs them, failures that keep what finished,
--resume, common random numbers, and precision mode."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

import simulation.evaluator as evaluator_module
from simulation.experiment import t_interval
from simulation.precision import prefix_widths
from simulation.scenario_file import load_scenario, scenario_to_toml, with_values
from tests.conftest import EXAMPLE, cli, small
from tests.functional.test_run_cmd import assert_user_error

VARY = ["--vary", "staffing.bia_fte=4,8", "--vary", "staffing.independent_bia_per_month=0..40:20"]
FILES = ("replications.csv", "summary.csv")


@pytest.fixture(scope="module")
def scenario_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "small.toml"
    path.write_text(scenario_to_toml(small("horizon.months=4")))
    return path


def sweep(scenario: Path, out: Path, *extra: object) -> str:
    result = cli("sweep", scenario, *VARY, "--reps", 3, "--seed", 7, "--out", out, *extra)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_same_files_from_every_executor(scenario_path: Path, tmp_path: Path) -> None:
    """Byte-identical CSVs: serial, 1 and 2 processes, and a Dask LocalCluster with 2 workers."""
    runs = {
        "serial": ["--executor", "serial"],
        "processes-1": ["--executor", "processes", "--workers", 1],
        "processes-2": ["--executor", "processes", "--workers", 2],
        "dask-2": ["--executor", "dask", "--workers", 2],
    }
    for name, flags in runs.items():
        sweep(scenario_path, tmp_path / name, *flags)
    for file in FILES:
        serial = (tmp_path / "serial" / file).read_bytes()
        for name in runs:
            assert (tmp_path / name / file).read_bytes() == serial, (name, file)
    manifest = json.loads((tmp_path / "dask-2" / "manifest.json").read_text())
    assert (manifest["executor"], manifest["workers"]) == ("dask", 2)
    assert manifest["scheduler"].startswith("tcp://127.0.0.1:")  # this machine only
    assert manifest["grid"] == {"staffing.bia_fte": [4, 8], "staffing.independent_bia_per_month": [0, 20, 40]}
    assert manifest["seed"] == 7 and manifest["wall_time_seconds"] > 0 and "dols-sim" in manifest["versions"]


def test_tidy_files(scenario_path: Path, tmp_path: Path) -> None:
    shown = sweep(scenario_path, tmp_path, "--executor", "serial")
    reps = pd.read_csv(tmp_path / "replications.csv")
    assert list(reps.columns[:3]) == ["staffing.bia_fte", "staffing.independent_bia_per_month", "replication"]
    assert "cost_total" in reps.columns and len(reps) == 6 * 3
    assert reps.groupby(["staffing.bia_fte", "staffing.independent_bia_per_month"]).size().eq(3).all()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "replications.parquet"), reps)
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert list(summary.columns) == [
        "staffing.bia_fte",
        "staffing.independent_bia_per_month",
        "kpi",
        "mean",
        "ci_low",
        "ci_high",
        "reps",
    ]
    one = summary[(summary["staffing.bia_fte"] == 8) & (summary["kpi"] == "decided")].iloc[0]
    values = reps[(reps["staffing.bia_fte"] == 8) & (reps["staffing.independent_bia_per_month"] == 0)]
    assert one["mean"] == pytest.approx(values["decided"].mean())
    assert "Total cost" in shown and "6 options x 3 replications" in shown


def test_a_failed_replication_keeps_what_finished_and_resume_does_only_the_rest(
    scenario_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = evaluator_module.run_one
    calls: list[tuple[float, int]] = []

    def failing(admitted, rep, seed):  # type: ignore[no-untyped-def]
        fte = admitted.scenario.staffing.bia_fte
        if fte == 8 and admitted.scenario.staffing.independent_bia_per_month == 20 and rep == 2:
            raise RuntimeError("worker lost")
        calls.append((fte, rep))
        return real(admitted, rep, seed)

    monkeypatch.setattr(evaluator_module, "run_one", failing)
    out = tmp_path / "out"
    result = cli("sweep", scenario_path, *VARY, "--reps", 3, "--seed", 7, "--out", out, "--executor=serial")
    assert_user_error(
        result,
        "option staffing.bia_fte=8, staffing.independent_bia_per_month=20: replication 2 failed: "
        "RuntimeError: worker lost",
    )
    finished = len(calls)
    assert finished == 3 * 3 + 3 + 2  # bia_fte=4 options, (8, 0), then two replications of (8, 20)
    assert len((out / "journal.jsonl").read_text().splitlines()) == 1 + finished

    monkeypatch.setattr(evaluator_module, "run_one", lambda a, r, s: (calls.append((0, r)), real(a, r, s))[1])
    calls.clear()
    sweep(scenario_path, out, "--executor", "serial", "--resume")
    assert len(calls) == 6 * 3 - finished  # only what was missing
    fresh = tmp_path / "fresh"
    sweep(scenario_path, fresh, "--executor", "serial")
    for file in FILES:
        assert (out / file).read_bytes() == (fresh / file).read_bytes()
    wrong_seed = cli("sweep", scenario_path, *VARY, "--reps", 3, "--seed", 8, "--out", out, "--resume")
    assert_user_error(wrong_seed, "holds results of another seed")


def test_paired_intervals_are_narrower_than_unpaired_on_the_example(tmp_path: Path) -> None:
    """Common random numbers: the paired CI of each headline difference is narrower than Welch's."""
    option = tmp_path / "more-bias.toml"
    base = with_values(load_scenario(EXAMPLE), {"horizon.months": 12})
    option.write_text(scenario_to_toml(with_values(base, {"staffing.bia_fte": 12})))
    result = cli(
        "compare", EXAMPLE, option, "--reps", 8, "--seed", 7, "--set", "horizon.months=12",
        "--out", tmp_path / "out", "--executor", "processes", "--workers", 2,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "comparison.csv").set_index("kpi")
    for kpi in ("decided", "unauthorised_person_days", "open_at_end", "mean_wait_days"):
        paired = table.loc[kpi, "ci_high"] - table.loc[kpi, "ci_low"]
        unpaired = table.loc[kpi, "unpaired_ci_high"] - table.loc[kpi, "unpaired_ci_low"]
        assert paired < unpaired, kpi
    assert table.loc["decided", "verdict"] == "better"
    assert "more-bias against the baseline" in result.stdout
    said = result.stdout.replace("\n", " ")
    assert (
        "more-bias, with 95% confidence: better on Completed (decided, or closed without a decision), "
        in said
    )
    assert "Decided (assessed and signed off), Open at end" in said
    assert "worse on " in said and "Total cost" in said.split("worse on ")[1]  # more BIAs cost more, said so
    # a figure against intuition says why, as the page does (from the same replications)
    from simulation.compare import why_it_moves

    reps = pd.read_csv(tmp_path / "out" / "replications.csv")
    why = why_it_moves(*(reps[reps["option"] == o].drop(columns="option") for o in ("baseline", "more-bias")))
    assert why and all(f"more-bias: {w}" in " ".join(said.split()) for w in why)


def test_precision_stops_when_reached_and_says_when_capped(scenario_path: Path, tmp_path: Path) -> None:
    one = ["--vary", "staffing.bia_fte=6"]
    reached = cli(
        "sweep", scenario_path, *one, "--reps", 3, "--seed", 7, "--out", tmp_path / "a",
        "--executor", "serial", "--precision", 0.01, "--kpi", "cost_total,decided", "--max-reps", 60,
    )  # fmt: skip
    assert reached.exit_code == 0, reached.output
    reps = pd.read_csv(tmp_path / "a" / "replications.csv")
    n = len(reps)
    assert f"reached for cost_total, decided with {n} replications" in reached.stdout.replace("\n", " ")
    widths = {k: prefix_widths(reps[k].to_numpy()) for k in ("cost_total", "decided")}
    assert all(w[n - 1] <= 0.01 for w in widths.values())
    assert n == 3 or any(w[n - 2] > 0.01 for w in widths.values())  # one fewer was not enough
    mean, low, high, _ = t_interval(reps["decided"].to_numpy())
    assert (high - low) / 2 / mean <= 0.01

    capped = cli(
        "sweep", scenario_path, *one, "--reps", 3, "--seed", 7, "--out", tmp_path / "b",
        "--executor", "serial", "--precision", 0.0001, "--kpi", "decided", "--max-reps", 5,
    )  # fmt: skip
    assert capped.exit_code == 0, capped.output
    assert "NOT reached: stopped at the cap of 5 replications" in capped.stdout.replace("\n", " ")
    assert len(pd.read_csv(tmp_path / "b" / "replications.csv")) == 5
    assert_user_error(cli("sweep", scenario_path, *one, "--kpi", "decided"), "--kpi: only with --precision")
    assert_user_error(
        cli("sweep", scenario_path, *one, "--precision", 0.05, "--kpi", "bogus"), "'bogus' is not a KPI"
    )


def test_plan_answers_the_same_on_any_executor(tmp_path: Path) -> None:
    from tests.unit.test_plan import HAND

    scenario = tmp_path / "hand.toml"
    scenario.write_text(HAND)
    outputs = {}
    for name, flags in {"serial": ["--executor", "serial"], "processes": ["--workers", 2]}.items():
        result = cli(
            "plan", scenario, "--clear-by", "2026-01-01", "--vary", "staffing.bia_fte=0..20:10",
            "--vary", "staffing.independent_bia_per_month=0..300:50", "--reps", 6, "--seed", 3,
            "--out", tmp_path / name, *flags,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        outputs[name] = result.stdout
    serial = json.loads((tmp_path / "serial" / "plan.json").read_text())
    assert serial == json.loads((tmp_path / "processes" / "plan.json").read_text())
    assert (tmp_path / "serial" / "evaluations.csv").read_bytes() == (
        tmp_path / "processes" / "evaluations.csv"
    ).read_bytes()
    assert serial["feasible"] and serial["option"] == {
        "staffing.bia_fte": 20,
        "staffing.independent_bia_per_month": 100,
    }
    assert "Cheapest option that gets the backlog below 100 open by 2026-01-01" in outputs["serial"]
    assert "Relief capacity" in outputs["serial"] and "Searched" in outputs["serial"]
    assert math.isclose(serial["cost_per_year"] * 365 / 365.25, serial["cost_total"])
    assert_user_error(
        cli("plan", scenario, "--clear-by", "next year", "--vary", "staffing.bia_fte=0..2"), "--clear-by"
    )


def test_run_has_precision_mode_too_with_the_sweeps_number(scenario_path: Path, tmp_path: Path) -> None:
    """Precision mode for any command: `run` stops at the same number of replications as a one-option
    sweep of the same scenario and seed (the number depends only on the replications' values)."""
    flags = ["--reps", 3, "--seed", 7, "--precision", 0.02, "--kpi", "decided"]
    ran = cli("run", scenario_path, *flags, "--out", tmp_path / "run")
    assert ran.exit_code == 0, ran.output
    swept = cli(
        "sweep", scenario_path, "--vary", "staffing.bia_fte=6.5", *flags, "--out", tmp_path / "sweep",
        "--executor", "serial",
    )  # fmt: skip
    assert swept.exit_code == 0, swept.output
    n = len(pd.read_csv(tmp_path / "run" / "replications.csv"))
    assert n == len(pd.read_csv(tmp_path / "sweep" / "replications.csv")) and n > 3
    assert f"Precision 2% reached for decided with {n} replications" in ran.stdout
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["reps"] == n and manifest["precision"]["reached"] is True
