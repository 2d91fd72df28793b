"""Does the model tell the truth? Queueing theory, Little's law, and behaviour a DoLS lead would expect.

The theory tests check that the theoretical value lies inside the 95% confidence interval of the
replications (not within a tolerance picked to pass). Horizons and replication counts are chosen so the
intervals are a few per cent wide: a wrong service rate, arrival rate or queue discipline moves the
mean far outside them (e.g. 10% too little capacity at utilisation 0.9 doubles the wait).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import triage
from simulation.admission import admit
from simulation.experiment import replication_seed, run_one, run_replications, t_interval
from simulation.metrics import backlog_by_week, exit_times, kpis
from simulation.model import simulate
from simulation.run_log import RunLog
from simulation.scenario import MONTH_DAYS, Scenario
from simulation.scenario_file import scenario_from_toml, with_overrides
from tests.conftest import EXAMPLE, VALIDATION, scenario_file
from tests.validity.theory import erlang_a, erlang_c_wait
from triage.rulebook import load_criteria

SEED = 7
MMC = sorted(VALIDATION.glob("mmc_c*.toml"))


def rates(s: Scenario) -> tuple[float, float, int]:
    """(lambda per day, mu per day, c) of a validation scenario, read from the scenario itself."""
    lam = s.demand.applications_per_month / MONTH_DAYS
    mu = (s.staffing.bia_productive_hours_per_week / 7) / s.staffing.bia_hours_per_assessment.mean
    assert s.staffing.bia_hours_per_assessment.kind == "exponential"
    assert s.staffing.bia_fte.is_integer()
    return lam, mu, int(s.staffing.bia_fte)


def littles_law_gap(logs: list[RunLog], lam: float) -> tuple[float, float]:
    """95% CI across runs of L - lambda W (should contain 0).

    L: the mean of the weekly backlog counts (metrics.backlog_by_week) after the warm-up; W: the mean
    time in the system of applications received after the warm-up and at least 60 days before the
    end (all of which have left by then: no censoring); lambda: the scenario's arrival rate.
    """
    gaps = []
    for log in logs:
        weekly = backlog_by_week(log)
        counts = weekly.loc[(weekly["band"] == "all") & (weekly["week"] * 7 >= log.warm_up_days), "open"]
        apps = log.apps
        received = apps["received"].to_numpy()
        window = (received >= log.warm_up_days) & (received <= log.horizon_days - 60)
        sojourn = exit_times(apps)[window] - received[window]
        assert np.isfinite(sojourn).all()
        gaps.append(counts.mean() - lam * sojourn.mean())
    _, low, high, _ = t_interval(gaps)
    return low, high


def replicate(path: Path, rules: triage.Rules, reps: int = 20) -> list[RunLog]:
    admitted = admit(scenario_file(path), rules)
    return [simulate(admitted, replication_seed(SEED, r)) for r in range(reps)]


@pytest.fixture(scope="module")
def mmc_logs(rules: triage.Rules) -> dict[str, list[RunLog]]:
    return {p.name: replicate(p, rules) for p in MMC}


def kpi_ci(logs: list[RunLog], kpi: str) -> tuple[float, float]:
    _, low, high, _ = t_interval([kpis(log)[kpi] for log in logs])
    return low, high


def test_three_mmc_cases_at_high_utilisation() -> None:
    utilisations = []
    for path in MMC:
        lam, mu, c = rates(scenario_file(path))
        utilisations.append(lam / (c * mu))
    assert len(MMC) >= 3
    assert all(0.7 <= u <= 0.95 for u in utilisations), utilisations


@pytest.mark.parametrize("path", MMC, ids=lambda p: p.name)
def test_erlang_c_mean_wait_inside_the_ci(path: Path, mmc_logs: dict[str, list[RunLog]]) -> None:
    lam, mu, c = rates(scenario_file(path))
    expected = erlang_c_wait(lam, mu, c)
    low, high = kpi_ci(mmc_logs[path.name], "mean_waiting_list_days")
    assert low <= expected <= high, f"Erlang C {expected:.4f} outside [{low:.4f}, {high:.4f}]"
    assert high - low < 0.3 * expected  # tight enough to mean something: about +-15%


@pytest.mark.parametrize("path", MMC, ids=lambda p: p.name)
def test_littles_law(path: Path, mmc_logs: dict[str, list[RunLog]]) -> None:
    lam, _, _ = rates(scenario_file(path))
    low, high = littles_law_gap(mmc_logs[path.name], lam)
    assert low <= 0 <= high


@pytest.fixture(scope="module")
def erlang_a_logs(rules: triage.Rules) -> list[RunLog]:
    return replicate(VALIDATION / "mmc_lapse.toml", rules)


def erlang_a_expected() -> tuple[float, float]:
    s = scenario_file(VALIDATION / "mmc_lapse.toml")
    lam, mu, c = rates(s)
    assert s.demand.mix.hospital_share == 0 and s.closure.while_allocated_factor == 0
    return erlang_a(lam, mu, c, s.closure.care_home.circumstances_changed_per_day)


def test_erlang_a_share_closing_inside_the_ci(erlang_a_logs: list[RunLog]) -> None:
    share, _ = erlang_a_expected()
    low, high = kpi_ci(erlang_a_logs, "closed_share")
    assert low <= share <= high, f"Erlang A {share:.4f} outside [{low:.4f}, {high:.4f}]"
    assert high - low < 0.1 * share


def test_erlang_a_mean_wait_inside_the_ci(erlang_a_logs: list[RunLog]) -> None:
    _, wait = erlang_a_expected()
    low, high = kpi_ci(erlang_a_logs, "mean_waiting_list_days")
    assert low <= wait <= high, f"Erlang A {wait:.4f} outside [{low:.4f}, {high:.4f}]"
    assert high - low < 0.1 * wait


def test_littles_law_with_closures(erlang_a_logs: list[RunLog]) -> None:
    lam, _, _ = rates(scenario_file(VALIDATION / "mmc_lapse.toml"))
    low, high = littles_law_gap(erlang_a_logs, lam)
    assert low <= 0 <= high


# ---- behaviour -----------------------------------------------------------------------------------------


def test_more_capacity_never_lengthens_the_mean_wait(rules: triage.Rules) -> None:
    """Common random numbers: the same 20 replications with 2 more BIA FTE wait no longer on average."""
    base = scenario_file(EXAMPLE, "horizon.months=6")
    more = with_overrides(base, ["staffing.bia_fte=11"])
    a = run_replications(base, 20, SEED, rules=rules).replications["mean_wait_days"]
    b = run_replications(more, 20, SEED, rules=rules).replications["mean_wait_days"]
    assert b.mean() <= a.mean()


def test_band_policy_shortens_the_high_band_wait(rules: triage.Rules) -> None:
    def high_wait(policy: str) -> float:
        s = scenario_file(EXAMPLE, "horizon.months=12", f"queue.policy={policy}")
        waits = run_replications(s, 5, SEED, rules=rules).waits
        row = waits.loc[
            (waits["group_by"] == "band") & (waits["group"] == "high") & (waits["kpi"] == "mean_wait_days")
        ]
        return float(row["mean"].iloc[0])

    assert high_wait("band_then_oldest") < 0.8 * high_wait("fifo")


SETTING_CRITERIA = """
bands = ["high", "medium", "low"]
no_criterion_band = "unscreened"
[inputs]
flags = ["objecting"]
[[criterion]]
id = "hospital"
label = "In hospital"
band = "high"
when = { setting = "hospital" }
[[criterion]]
id = "care_home"
label = "In a care home"
band = "low"
when = { setting = "care_home" }
"""

STARVATION = f"""
name = "hospital requests outrun capacity; care home requests are few"
[horizon]
start_date = 2025-01-01
months = 6
[demand]
applications_per_month = {15.5 * MONTH_DAYS}      # 15.5 a day
[demand.mix]
hospital_share = {15 / 15.5}            # 15 a day from hospitals: 1.5 times capacity, held by closures
urgent_share = 0.0
[staffing]
bia_fte = 10
bia_productive_hours_per_week = 7.0
bia_hours_per_assessment = {{ kind = "exponential", mean = 1.0 }}
[assessment]
mental_health_assessment = false
sign_off = false
[queue]
policy = "band_then_oldest"
ageing_days = {{ low = 28 }}
[closure]
while_allocated_factor = 0.0
hospital = {{ circumstances_changed_per_day = 0.1 }}   # hospital stays end; care home requests never close
[outcomes]
renewals = false
"""


def test_ageing_stops_the_low_band_starving(tmp_path: Path, rules: triage.Rules) -> None:
    """Strict band priority starves the low band (its longest wait grows with the horizon); with
    ageing the longest low-band wait stays bounded when the horizon doubles."""
    criteria_file = tmp_path / "criteria.toml"
    criteria_file.write_text(SETTING_CRITERIA)
    by_setting = triage.Rules(rules.timescales, load_criteria(criteria_file), rules.policies)
    base = scenario_from_toml(STARVATION)

    def longest_low(policy: str, months: int) -> float:
        s = with_overrides(base, [f"queue.policy={policy}", f"horizon.months={months}"])
        return max(run_one(admit(s, by_setting), r, SEED).kpis["longest_wait_days_low"] for r in range(3))

    strict_6, strict_12 = longest_low("band_then_oldest", 6), longest_low("band_then_oldest", 12)
    aged_6, aged_12 = longest_low("band_with_ageing", 6), longest_low("band_with_ageing", 12)
    assert strict_12 > strict_6 + 120  # starving: the oldest low request waited almost the whole run
    assert aged_12 < aged_6 + 7  # bounded: doubling the horizon barely moves it
    assert aged_12 < 28 + 21  # the ageing days plus the high band's own wait


URGENT_FLOOD = f"""
name = "urgent authorisations alone outrun capacity; a few low-band care home requests"
[horizon]
start_date = 2025-01-01
months = 6
[demand]
applications_per_month = {15.5 * MONTH_DAYS}      # 15.5 a day, nearly all with an urgent authorisation
[demand.mix]
hospital_share = {15 / 15.5}
urgent_share = 0.97
[staffing]
bia_fte = 10
bia_productive_hours_per_week = 7.0
bia_hours_per_assessment = {{ kind = "exponential", mean = 1.0 }}
[assessment]
mental_health_assessment = false
sign_off = false
[closure]
while_allocated_factor = 0.0
hospital = {{ circumstances_changed_per_day = 0.1 }}
[outcomes]
renewals = false
"""


def test_act_first_keeps_its_promise_that_no_band_starves(tmp_path: Path, rules: triage.Rules) -> None:
    """LGSCO 18 004 809 (2019): lower-priority requests may wait longer, not for ever. With urgent
    authorisations in force filling the team, `act_first` without its long-wait tier never reaches the
    low band (its longest wait grows with the horizon); with it (long_wait_days = 60 here), the low band's
    longest wait stays near the bound when the horizon doubles."""
    criteria_file = tmp_path / "criteria.toml"
    criteria_file.write_text(SETTING_CRITERIA)
    act_first = rules.policies.get("act_first")
    assert act_first.tiers[0].when == ["long_wait"]
    unbounded = act_first.model_copy(update={"id": "act_first_unbounded", "tiers": act_first.tiers[1:]})
    policies = rules.policies.model_copy(
        update={"long_wait_days": 60, "policy": [*rules.policies.policy, unbounded]}
    )
    by_setting = triage.Rules(rules.timescales, load_criteria(criteria_file), policies)
    base = scenario_from_toml(URGENT_FLOOD)

    def longest_low(policy: str, months: int) -> float:
        s = with_overrides(base, [f"queue.policy={policy}", f"horizon.months={months}"])
        return max(run_one(admit(s, by_setting), r, SEED).kpis["longest_wait_days_low"] for r in range(3))

    starved_6, starved_12 = longest_low("act_first_unbounded", 6), longest_low("act_first_unbounded", 12)
    bounded_6, bounded_12 = longest_low("act_first", 6), longest_low("act_first", 12)
    assert starved_12 > starved_6 + 120  # the oldest low request waited almost the whole run
    assert bounded_12 < bounded_6 + 7  # bounded: doubling the horizon barely moves it
    assert bounded_12 < 60 + 14  # the bound plus the time to work the few that reach it
