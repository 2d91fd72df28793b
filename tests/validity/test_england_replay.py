"""England's published years replayed at 1/20 of their size: the published definitions within tolerance.

The full-scale replay (``python benchmarks/england_replay.py``) puts its figures in the README; this quick
one guards them. Both years use the same mechanisms (the scenario files differ only in demand, starting
state and capacity: checked here too), so a year cannot be fitted on its own.
"""

from __future__ import annotations

import tomllib

import pytest

from simulation.experiment import run_replications
from simulation.scenario_file import load_scenario, scaled
from tests.conftest import SCENARIOS

FACTOR = 0.05
#: Published (shared/reference): start, received, completed, closed without assessment, open at 31 March,
#: share of standard requests completed within 21 days, mean days to complete.
PUBLISHED = {
    "2023-24": {"received": 332455, "completed": 323870, "closed_without_assessment": 162655,
                "open_at_end": 123790, "standard_completed_within_21_days_share": 0.19,
                "mean_days_to_complete": 144},
    "2022-23": {"received": 300765, "completed": 289150, "open_at_end": 126100,
                "standard_completed_within_21_days_share": 0.19, "mean_days_to_complete": 156},
}  # fmt: skip
#: The issue's tolerances: counts within 5% (2023-24) or 10% (2022-23), the share within 3 points, mean
#: days within 10%.
COUNT_TOLERANCE = {"2023-24": 0.05, "2022-23": 0.10}
COUNTS = ("received", "completed", "closed_without_assessment", "open_at_end")
#: What may differ between the two years' files: demand, the starting state, capacity (and labels).
PER_YEAR = {
    ("name",), ("description",), ("horizon", "start_date"), ("demand", "applications_per_month"),
    ("initial_backlog", "size"), ("initial_backlog", "authorisations_in_force"), ("staffing", "bia_fte"),
    ("staffing", "independent_bia_per_month"),
}  # fmt: skip


@pytest.mark.parametrize("year", sorted(PUBLISHED))
def test_replayed_year_matches_the_published_figures(year: str) -> None:
    scenario = scaled(load_scenario(SCENARIOS / f"england-{year}.toml"), FACTOR)
    means = run_replications(scenario, 3, 2024).summary.set_index("kpi")["mean"]
    published = PUBLISHED[year]
    for kpi in COUNTS:
        if kpi in published:
            model = means[kpi] / FACTOR
            assert model == pytest.approx(published[kpi], rel=COUNT_TOLERANCE[year]), kpi
    share = means["standard_completed_within_21_days_share"]
    assert abs(share - published["standard_completed_within_21_days_share"]) <= 0.03
    assert means["mean_days_to_complete"] == pytest.approx(published["mean_days_to_complete"], rel=0.10)


def flatten(data: dict[str, object], prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], object]:
    out: dict[tuple[str, ...], object] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out |= flatten(value, (*prefix, key))
        else:
            out[(*prefix, key)] = value
    return out


def test_the_two_years_share_every_mechanism() -> None:
    """No per-year retuning: every key other than demand, the starting state and capacity is equal."""
    a, b = (flatten(tomllib.loads((SCENARIOS / f"england-{y}.toml").read_text())) for y in PUBLISHED)
    assert a.keys() == b.keys()
    differ = {key for key in a if a[key] != b[key]}
    assert differ <= PER_YEAR, differ - PER_YEAR
