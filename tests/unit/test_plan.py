"""``plan`` finds the answer worked out by hand, searches rather than brute-forces, and says plainly when
nothing in the ranges clears."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from simulation.plan import Planner, plan, plan_horizon, plan_scenario, write_plan
from simulation.scenario import ScenarioError
from simulation.scenario_file import scenario_from_toml
from simulation.sweep import Execution

#: A service simple enough to work out by hand (see :func:`test_plan_finds_the_answer_worked_out_by_hand`).
HAND = """
name = "hand-worked"
[horizon]
start_date = 2025-01-01
months = 24
[demand]
applications_per_month = 100
[demand.mix]
urgent_share = 0.0
hospital_share = 0.0
[initial_backlog]
size = 1000
age_profile = [{ up_to_days = 21, share = 1.0 }]
[staffing]
bia_fte = 0
bia_productive_hours_per_week = 10
bia_hours_per_assessment = { kind = "fixed", mean = 10 }
independent_bia_per_month = 0
independent_bia_days = { kind = "fixed", mean = 1 }
[assessment]
mental_health_assessment = false
sign_off = false
[outcomes]
renewals = false
[costs]
bia_fte_per_year = 10440
independent_bia_per_assessment = 500
[targets]
backlog_target = 100
"""
CLEAR_BY = date(2026, 1, 1)  # 12 months after the start
FTE = "staffing.bia_fte"
BOUGHT = "staffing.independent_bia_per_month"
VARY = {FTE: [0, 10, 20], BOUGHT: [0, 50, 100, 150, 200, 250, 300]}


def hand() -> object:
    return scenario_from_toml(HAND)


def test_plan_finds_the_answer_worked_out_by_hand(tmp_path: Path) -> None:
    """The scenario: 1,000 open at the start, 100 new requests a month (Poisson), no lapses, renewals,
    urgent requests, mental health assessments or sign-offs, so only BIA capacity C a month matters and
    the backlog falls by about C - 100 a month. To be below 100 open within 12 months it must fall by
    900: C - 100 >= 75, so C >= 175. An in-house FTE gives 10 h a week / 10 h an assessment = 1 a week
    = 4.35 a month; bought assessments take a day, so C = 4.35 x FTE + bought.

    The least bought a month that clears, for each FTE of {0, 10, 20} (steps of 50):
    0 FTE: 150 falls 50 x 12 = 600 < 900, 200 falls 1,200 (clears by month 9) -> 200;
    10 FTE (43.5): 100 falls 522, 150 falls 1,122 (month 9.6) -> 150;
    20 FTE (87): 50 falls 444, 100 falls 1,044 (month 10.3) -> 100.
    Each margin is months of a fall of 50 or more a month, far beyond the Poisson noise (sd about 35 in
    a year), so every replication agrees. Costs to the date: an FTE costs 10,440 a year (200 an
    assessment), a bought assessment 500 when used. (20, 100) costs at most 208,800 + 12 x 100 x 500 =
    808,800; (10, 150) at least 104,400 + 150 x 9.6 x 500 = 824,400 (it buys all it can until it
    clears); (0, 200) at least 200 x 9 x 500 = 900,000. So the answer is 20 FTE and 100 bought a month.
    Relief capacity: 100 + (1,000 - 100) / 12 = 175 a month.
    """
    result = plan(hand(), CLEAR_BY, VARY, confidence=0.9, reps=10, seed=3, run=Execution(out=tmp_path))
    assert result.feasible and result.answer is not None
    assert result.answer.option.as_dict == {FTE: 20, BOUGHT: 100}
    assert result.answer.probability == 1.0 and result.answer.complete
    cost = result.answer.mean("cost_total")
    assert 208_800 < cost <= 808_800
    assert {tuple(e.option.as_dict.values()) for e in result.runners_up} == {(10, 150), (0, 200)}
    assert all(e.mean("cost_total") > cost for e in result.runners_up)
    # Searched, not brute-forced: fewer options than the grid, fewer replications than 21 x 10.
    assert len(result.evaluated) < result.grid_size == 21
    assert result.replications < 21 * 10
    assert result.relief["relief_capacity"] == pytest.approx(175, abs=6)
    assert result.monotonicity["bigger_did_worse"] == 0
    assert result.monotonicity["replications_where_bigger_did_worse"] == 0
    written = write_plan(result, tmp_path)
    saved = json.loads(written["plan.json"].read_text())
    for key in (
        "feasible",
        "option",
        "probability",
        "cost_total",
        "cost_per_year",
        "evaluations",
        "relief_capacity",
        "binding_staff_group",
    ):
        assert key in saved
    assert saved["option"] == {FTE: 20, BOUGHT: 100}
    assert saved["evaluations"] == len(result.evaluated)
    assert saved["binding_staff_group"] == "bia"
    assert saved["cost_per_year"] == pytest.approx(cost * 365.25 / 365)  # 2025 has 365 days


def test_plan_says_plainly_when_nothing_in_the_ranges_clears() -> None:
    """Three months cannot clear 900 with at most 4.35 x 20 + 300 = 387 a month (falls by 287 a month,
    861 in three): one evaluation (the biggest option) settles it, and the BIAs bind."""
    result = plan(hand(), date(2025, 4, 1), VARY, reps=5, seed=3)
    assert not result.feasible and result.answer is None
    assert len(result.evaluated) == 1
    assert result.top.option.as_dict == {FTE: 20, BOUGHT: 300}
    assert result.to_json()["feasible"] is False and result.to_json()["option"] is None
    assert result.binding_staff_group == "bia"


def test_plan_runs_only_to_the_date_and_rejects_bad_questions() -> None:
    assert plan_horizon(date(2025, 4, 1), date(2027, 9, 30)) == 30
    assert plan_horizon(date(2025, 4, 1), date(2025, 5, 1)) == 1
    assert plan_scenario(hand(), CLEAR_BY, 250).targets.backlog_target == 250  # type: ignore[arg-type]
    with pytest.raises(ScenarioError, match="not after the start"):
        plan_horizon(date(2025, 4, 1), date(2025, 4, 1))
    with pytest.raises(ScenarioError, match="numbers"):
        plan(hand(), CLEAR_BY, {"queue.policy": ["fifo"]})
    with pytest.raises(ScenarioError, match="confidence"):
        Planner(hand(), CLEAR_BY, confidence=1.5)  # type: ignore[arg-type]
    with pytest.raises(ScenarioError, match=r"option staffing\.bia_fte=-1"):
        plan(hand(), CLEAR_BY, {FTE: [-1, 5]})


def test_keep_up_sizes_the_later_groups_for_the_biggest_option() -> None:
    """The example council at 14 BIA FTE and 400 bought a month: 14 x 22.5 h a week x (30.44 / 7) weeks /
    12 h an assessment = 114.1, + 400 = 514.1 assessments a month. Mental health assessors: 514.1 x 3 h /
    (30 h x 4.348 weeks) = 11.82 FTE, x 1.1 = 13.0 -> 13.5 (half FTEs, up); authorisers: 514.1 x 0.75 h /
    (8 h x 4.348) = 11.08, x 1.1 = 12.2 -> 12.5. A small range needs no more than the scenario has."""
    from simulation.plan import keep_up
    from simulation.scenario_file import load_scenario
    from tests.conftest import EXAMPLE

    example = load_scenario(EXAMPLE)
    assert keep_up(example, {FTE: [6, 14], BOUGHT: [0, 400]}) == {
        "staffing.mental_health_assessors": 13.5,
        "staffing.authorisers": 12.5,
    }
    assert keep_up(example, {FTE: [1, 2], BOUGHT: [0]}) == {
        "staffing.mental_health_assessors": example.staffing.mental_health_assessors,
        "staffing.authorisers": example.staffing.authorisers,
    }
    varied = keep_up(example, {FTE: [14], "staffing.mental_health_assessors": [4, 8]})
    assert list(varied) == ["staffing.authorisers"]  # a varied group is left as varied


def test_hardest_replications_first_give_the_same_plan_in_fewer_runs() -> None:
    """The hand-worked service in steps of 10 bought a month, so options near the answer clear in some
    replications and not others. Running first the replications that failed for the options already
    run (Planner.run_order) must give the same verdict on every option, the same answer and runner-up,
    and find an option that does not clear in fewer runs: at 20 FTE, 90 bought a month fails its third
    replication at the 6th run, not the 8th as in number order."""
    vary = {FTE: [10, 20], BOUGHT: list(range(0, 301, 10))}
    results = {
        hard: plan(hand(), CLEAR_BY, vary, confidence=0.9, reps=20, seed=3, hard_first=hard)
        for hard in (False, True)
    }
    plain, hard = results[False], results[True]
    assert plain.answer is not None and hard.answer is not None
    assert hard.answer.option == plain.answer.option and hard.answer.option.as_dict == {FTE: 20, BOUGHT: 100}
    assert [e.option for e in hard.runners_up] == [e.option for e in plain.runners_up]
    verdicts = {h: {e.option: e.feasible for e in r.evaluated} for h, r in results.items()}
    assert verdicts[True] == verdicts[False]
    runs = {h: {e.option.as_dict[BOUGHT]: len(e.runs) for e in r.evaluated if e.option.as_dict[FTE] == 20}
            for h, r in results.items()}  # fmt: skip
    assert runs[True][90] < runs[False][90]
    assert hard.replications < plain.replications


def test_staff_added_to_keep_up_are_costed_as_posts() -> None:
    """A post added to keep up is paid by the year: fully used, it costs what its year of work costs at
    the scenario's fees (assessments it completes x the fee), and an idle one costs the same. Nothing
    added, nothing costed; twice the added staff, twice the cost."""
    from simulation.plan import WEEKS_A_YEAR, keep_up, post_costs, raised
    from simulation.scenario_file import load_scenario
    from tests.conftest import EXAMPLE

    example = load_scenario(EXAMPLE)
    s, c = example.staffing, example.costs
    added = raised(example, keep_up(example, {FTE: [6, 14], BOUGHT: [0, 400]}))
    costs = {p.key: p for p in post_costs(example, added)}
    mha = costs["staffing.mental_health_assessors"]
    assessments_a_year = s.mha_productive_hours_per_week * WEEKS_A_YEAR / s.mha_hours_per_assessment.mean
    added_mha = 13.5 - s.mental_health_assessors
    assert mha.added == pytest.approx(added_mha)
    assert mha.per_year == pytest.approx(added_mha * assessments_a_year * c.mental_health_assessment)
    per_sign_off = s.authoriser_hours_per_sign_off.mean
    signs_a_year = s.authoriser_productive_hours_per_week * WEEKS_A_YEAR / per_sign_off
    auth = costs["staffing.authorisers"]
    assert auth.per_year == pytest.approx((12.5 - s.authorisers) * signs_a_year * c.sign_off)
    assert post_costs(example, {}) == []
    doubled = {k: (b, b + 2 * (a - b)) for k, (b, a) in added.items()}
    assert sum(p.per_year for p in post_costs(example, doubled)) == pytest.approx(
        2 * sum(p.per_year for p in costs.values())
    )
