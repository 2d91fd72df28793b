"""Scenario files: validation messages name the key path, TOML round-trips, --set overrides."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.scenario import Scenario, ScenarioError
from simulation.scenario_file import load_scenario, scenario_from_toml, scenario_to_toml, with_overrides
from triage.errors import DolsSimError

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((REPO / "scenarios").rglob("*.toml"))

MINIMAL = """
name = "minimal"
[horizon]
start_date = 2025-04-01
months = 12
[demand]
applications_per_month = 250
[staffing]
bia_fte = 6
"""


def minimal() -> Scenario:
    return scenario_from_toml(MINIMAL)


def error_of(text: str) -> str:
    with pytest.raises(ScenarioError) as info:
        scenario_from_toml(text)
    return str(info.value)


def test_shipped_scenarios_exist_and_load() -> None:
    names = {p.name for p in SCENARIOS}
    assert {"example-council.toml", "england-2022-23.toml", "england-2023-24.toml", "mmc_lapse.toml"} <= names
    assert any(n.startswith("mmc") and n != "mmc_lapse.toml" for n in names)
    for path in SCENARIOS:
        assert isinstance(load_scenario(path), Scenario)


def test_fixed_key_paths_exist() -> None:
    s = minimal()
    assert s.demand.applications_per_month == 250
    assert s.staffing.bia_fte == 6
    assert s.staffing.independent_bia_per_month == 0


def test_error_names_key_path_value_and_expectation() -> None:
    msg = error_of(MINIMAL.replace("bia_fte = 6", "bia_fte = -2"))
    assert msg == "staffing.bia_fte: must be >= 0, got -2"


def test_error_is_a_dols_sim_error() -> None:
    with pytest.raises(DolsSimError):
        scenario_from_toml(MINIMAL.replace("bia_fte = 6", "bia_fte = -2"))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("bia_fte = 6", "bia_fte = 6\nbia_ft = 3"), "staffing.bia_ft: unknown key"),
        (("applications_per_month = 250", "applications_per_month = 'many'"), "must be a number, got 'many'"),
        (("applications_per_month = 250", ""), "demand.applications_per_month: required key missing"),
        (("months = 12", "months = 0"), "horizon.months: must be >= 1, got 0"),
        (
            ("[staffing]", "[staffing]\nindependent_bia_per_month = -1"),
            "independent_bia_per_month: must be >= 0",
        ),
    ],
)
def test_error_messages(change: tuple[str, str], expected: str) -> None:
    assert expected in error_of(MINIMAL.replace(*change))


def test_nested_errors_name_the_full_path() -> None:
    text = MINIMAL + "[demand.mix]\nurgent_share = 1.5\n"
    assert error_of(text) == "demand.mix.urgent_share: must be <= 1, got 1.5"
    text = MINIMAL + "[[staffing.changes]]\nfrom_month = 4\nbia_fte_change = -9\n"
    assert error_of(text).startswith("staffing.changes[0].bia_fte_change: takes bia_fte below 0")
    text = MINIMAL + "[staffing.bia_hours_per_assessment]\nkind = 'weibull'\nmean = 3\n"
    assert error_of(text).startswith("staffing.bia_hours_per_assessment.kind: must be one of")


def test_shares_must_add_up() -> None:
    text = MINIMAL + "[demand.mix.primary_support_reason]\ndementia = 0.5\n"
    assert "demand.mix.primary_support_reason: shares must add up to 1" in error_of(text)


def test_not_toml_and_missing_file() -> None:
    assert "not valid TOML" in error_of("name = ")
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario("/nonexistent/scenario.toml")


def test_round_trip_is_lossless() -> None:
    for path in SCENARIOS:
        s = load_scenario(path)
        again = scenario_from_toml(scenario_to_toml(s))
        assert again == s
        assert scenario_to_toml(again) == scenario_to_toml(s)


@settings(max_examples=40, deadline=None)
@given(
    apm=st.floats(min_value=0, max_value=1e5, allow_nan=False),
    fte=st.floats(min_value=0, max_value=500, allow_nan=False),
    months=st.integers(min_value=1, max_value=120),
    start=st.dates(min_value=date(2009, 4, 1), max_value=date(2100, 1, 1)),  # the DoLS began in 2009
    name=st.text(min_size=1, max_size=30),
)
def test_round_trip_any_values(apm: float, fte: float, months: int, start: date, name: str) -> None:
    s = minimal().model_copy(
        update={
            "name": name,
            "horizon": minimal().horizon.model_copy(update={"months": months, "start_date": start}),
            "demand": minimal().demand.model_copy(update={"applications_per_month": apm}),
            "staffing": minimal().staffing.model_copy(update={"bia_fte": fte}),
        }
    )
    assert scenario_from_toml(scenario_to_toml(s)) == s


def test_overrides_apply_and_validate() -> None:
    s = with_overrides(
        minimal(),
        [
            "staffing.bia_fte=9",
            "demand.growth_pct_per_year=8",
            "queue.policy=fifo",
            "closure.hospital.died_per_day=0.1",
        ],
    )
    assert s.staffing.bia_fte == 9
    assert s.demand.growth_pct_per_year == 8
    assert s.queue.policy == "fifo"
    assert s.closure.hospital.died_per_day == 0.1
    assert minimal().staffing.bia_fte == 6  # the original is untouched (frozen)


def test_override_lists_and_dates() -> None:
    s = with_overrides(
        minimal(), ["horizon.start_date=2026-01-01", "demand.observed_monthly_counts=[10, 20]"]
    )
    assert s.horizon.start_date == date(2026, 1, 1)
    assert s.demand.observed_monthly_counts == [10, 20]


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("staffing.bia_fte=-2", "staffing.bia_fte: must be >= 0, got -2"),
        ("staffing.bia_fte=lots", "staffing.bia_fte: must be a number, got 'lots'"),
        ("staffing.bia_ftee=3", "staffing.bia_ftee: unknown key"),
        ("staffing.bia_fte.x=3", "staffing.bia_fte is a value, not a section"),
        ("staffing.bia_fte", "expected key.path=value"),
    ],
)
def test_override_errors_name_the_key(override: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as info:
        with_overrides(minimal(), [override])
    assert expected in str(info.value)


def test_scenario_is_frozen() -> None:
    s = minimal()
    with pytest.raises(ValueError, match="frozen"):
        s.staffing.bia_fte = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("staffing.bia_fte=inf", "staffing.bia_fte: input should be a finite number"),
        ("staffing.independent_bia_per_month=nan", "independent_bia_per_month: input should be a finite"),
        ("demand.applications_per_month=1e9", "demand.applications_per_month: must be <= 200000"),
        ("staffing.changes=[{from_month=2, bia_fte_change=nan}]", r"staffing.changes\[0\].bia_fte_change"),
    ],
)
def test_infinite_nan_and_absurd_values_are_refused(override: str, message: str) -> None:
    """Review #7: these used to hang a run, crash it, or give wrong numbers silently."""
    with pytest.raises(ScenarioError, match=message):
        with_overrides(load_scenario(REPO / "scenarios" / "example-council.toml"), [override])
