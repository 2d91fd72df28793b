"""Issue 10, findings 6 and 7: no scenario can take the machine, and none ends in a traceback.

Each case is the shape of a hostile scenario, through the command line (one line on stderr, exit 2) or
the functions the page calls.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulation import budget
from simulation.admission import admit
from simulation.scenario import ScenarioError
from simulation.scenario_file import scenario_from_toml
from tests.conftest import EXAMPLE, CliResult, cli, small
from tests.hostile import nested_toml


def one_line(result: CliResult, text: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert text in lines[0], lines[0]
    assert "Traceback" not in result.output


# ---- 6. a scenario that takes the machine ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "text"),
    [
        ("initial_backlog.size=100000000", "initial_backlog.size: must be <= 10000000"),
        ("initial_backlog.size=9000000", "work budget"),
        ("initial_backlog.authorisations_in_force=100000000", "authorisations_in_force: must be <="),
        ("initial_backlog.authorisations_in_force=9000000", "lower initial_backlog.authorisations_in_force"),
        ("demand.applications_per_month=200000", "lower demand.applications_per_month"),
    ],
)
def test_validate_and_run_refuse_a_run_beyond_the_work_budget(
    override: str, text: str, tmp_path: Path
) -> None:
    one_line(cli("validate", EXAMPLE, "--set", override), text)
    one_line(cli("run", EXAMPLE, "--reps", 1, "--out", tmp_path, "--set", override), text)


def test_the_page_limit_is_lower_than_the_command_lines() -> None:
    from page.state import PAGE_WORK_LIMIT

    big = small("initial_backlog.size=400000")
    assert budget.estimate(big).applications > PAGE_WORK_LIMIT
    admit(big)  # the command line would run it
    with pytest.raises(ScenarioError, match="allowed on the page"):
        admit(big, work_limit=PAGE_WORK_LIMIT, limit_owner="the page")


def test_the_estimate_is_an_upper_bound_of_a_small_run() -> None:
    from numpy.random import SeedSequence

    from simulation.model import simulate

    scenario = small()
    admitted = admit(scenario)
    assert admitted.work is not None
    log = simulate(admitted, SeedSequence(1))
    handled = log.state["initial"] + log.state["arrived"]
    assert handled <= admitted.work.applications <= 3 * handled


def test_deeply_nested_tables_are_refused_in_one_line(tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text(nested_toml(3000, "table"))
    one_line(cli("validate", deep), "nested more than 8 deep")


def test_a_huge_scenario_file_is_refused_before_parsing(tmp_path: Path) -> None:
    huge = tmp_path / "huge.toml"
    huge.write_text(EXAMPLE.read_text() + "\n# " + "x" * 2_000_000 + "\n")
    one_line(cli("validate", huge), "more than 1,048,576")


def test_a_long_run_says_its_run_time_first(tmp_path: Path) -> None:
    """--reps 1000000 is refused; a long run within the cap says how long it will take before it starts."""
    one_line(cli("run", EXAMPLE, "--reps", 1_000_000, "--out", tmp_path), "--reps: must be <= 10,000")
    work = admit(scenario_from_toml(EXAMPLE.read_text())).work
    assert work is not None and work.seconds(10_000) > budget.SAY_RUN_TIME_AFTER_SECONDS
    assert budget.run_time_text(work.seconds(10_000)).startswith("about ")


# ---- 7. tracebacks from scenarios ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "text"),
    [
        ("staffing.bia_fte=" + "9" * 5000, "cannot be read"),
        ("demand.growth_pct_per_year=1000", "growth_pct_per_year: must be <= 100"),
        ("demand.growth_pct_per_year=1e300", "growth_pct_per_year: must be <= 100"),
        ("horizon.start_date=9999-12-01", "horizon.start_date: must be <="),
        ("demand.seasonality=[1e300,1,1,1,1,1,1,1,1,1,1,1]", "demand.seasonality[0]: must be <="),
        ("closure.hospital.died_per_day=1e300", "closure.hospital.died_per_day: must be <= 10"),
        ("staffing.bia_hours_per_assessment.sd=1e300", "bia_hours_per_assessment"),
        ("demand.mix=" + "[" * 3000 + "]" * 3000, "nested more than 8 deep"),
        ("staffing.changes=[{from_month=2, bia_fte_change=1e12}]", "bia_fte_change: must be <="),
    ],
)
def test_hostile_values_are_one_line_naming_the_key(override: str, text: str) -> None:
    one_line(cli("validate", EXAMPLE, "--set", override), text)


def test_deeply_nested_arrays_in_a_file_are_one_line(tmp_path: Path) -> None:
    deep = tmp_path / "arrays.toml"
    deep.write_text(nested_toml(5000, "array"))
    one_line(cli("validate", deep), "nested more than 8 deep")


def test_growth_over_a_long_horizon_is_refused_by_the_budget_not_by_memory() -> None:
    with pytest.raises(ScenarioError, match="work budget"):
        admit(small("demand.growth_pct_per_year=100", "horizon.months=600"))


@pytest.mark.parametrize("target", ["/dev/zero", "folder"])
def test_the_starting_worklist_is_read_with_a_limit(target: str, tmp_path: Path) -> None:
    path = "/dev/zero" if target == "/dev/zero" else str(tmp_path)
    scenario = tmp_path / "s.toml"
    text = re.sub(r"(?m)^size = \d+", f'worklist = "{path}"', EXAMPLE.read_text(), count=1)
    assert f'worklist = "{path}"' in text
    scenario.write_text(text)
    one_line(cli("validate", scenario), "initial_backlog.worklist")
