"""The SimPy model: conservation, streams, staffing, renewals, the statutory clock, a worklist start."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import triage
from simulation import model, renewals
from simulation.admission import admit
from simulation.experiment import replication_seed, run_replications
from simulation.initial_backlog import read_worklist
from simulation.metrics import unauthorised_days
from simulation.model import simulate
from simulation.run_log import RunLog
from simulation.scenario import MONTH_DAYS, ScenarioError
from tests.conftest import EXAMPLE, SCENARIOS, VALIDATION, assert_conserved, scenario_file, small

SEED = 20250401


def run(scenario, rules, seed: int = SEED, rep: int = 0, worklist: pd.DataFrame | None = None) -> RunLog:
    return simulate(admit(scenario, rules, initial_worklist=worklist), replication_seed(seed, rep))


# ---- conservation ----------------------------------------------------------------------------------------

VARIANTS = [
    (),
    ("queue.policy=fifo",),
    ("queue.policy=band_then_oldest",),
    ("queue.policy=earliest_deadline",),
    ("queue.policy=urgent_first", "assessment.proportionate=true"),
    ("staffing.vacancies.bia_turnover_per_year=0.6", "staffing.vacancies.bia_vacant_fte_at_start=2"),
    (
        "staffing.changes=[{from_month=2, bia_fte_change=-3.5}, {from_month=4, bia_fte_change=5, "
        "mental_health_assessors_change=-1, independent_bia_per_month_change=-20}]",
    ),
    (
        "staffing.independent_bia_per_month=0",
        "staffing.changes=[{from_month=3, independent_bia_per_month_change=15}]",
    ),
    ("assessment.mental_health_assessment=false", "assessment.sign_off=false"),
    ("staffing.bia_fte=0", "staffing.independent_bia_per_month=0"),
    ("demand.mix.renewal_share=0.2", "outcomes.granted_share=1.0", "closure.care_home.died_per_day=0"),
    ("queue.policy=act_first", "queue.ring_fenced_share=0.5", "queue.ring_fenced_help_backlog=true"),
    (
        "queue.policy=statutory_then_band",
        "screening.coordinator_fte=0.05",
        "staffing.mha_caseload=3",
        "staffing.mha_turnaround_days={kind='fixed', mean=5}",
    ),
    ("queue.policy=deadline_achievable", "closure.while_allocated_factor=0", "screening.coordinator_fte=0"),
    ("staffing.bia_caseload=1", "staffing.bia_turnaround_days={kind='fixed', mean=10}"),
]


@pytest.mark.parametrize("overrides", VARIANTS, ids=lambda o: ";".join(o) or "base")
def test_conservation_small_variants(overrides: tuple[str, ...], rules: triage.Rules) -> None:
    for rep in range(3):
        assert_conserved(run(small(*overrides), rules, rep=rep))


@pytest.mark.parametrize(
    "path",
    [EXAMPLE, *sorted(VALIDATION.glob("*.toml"))],
    ids=lambda p: p.name,
)
def test_conservation_shipped_scenarios(path, rules: triage.Rules) -> None:
    scenario = scenario_file(path, "horizon.months=12") if "validation" in str(path) else scenario_file(path)
    for rep in range(3):
        assert_conserved(run(scenario, rules, rep=rep))


def test_conservation_england_first_month(rules: triage.Rules) -> None:
    log = run(scenario_file(SCENARIOS / "england-2023-24.toml", "horizon.months=1"), rules)
    assert_conserved(log)
    assert log.state["initial"] == 126_100


@pytest.mark.parametrize(
    "overrides", VARIANTS[:1] + VARIANTS[6:9] + VARIANTS[10:13], ids=lambda o: ";".join(o) or "base"
)
def test_event_free_shortcuts_change_nothing(
    overrides: tuple[str, ...], rules: triage.Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Screening worked out a week ahead, the last step recorded at once and renewals' forms screened as
    drawn give exactly the run in which every request arrives, is screened and is decided by its own
    event, and each week's renewals are screened as a batch (staffing changes, renewals, no
    sign-off and a slow screening desk included), to the last bit or two of a time: an event's time is
    SimPy's ``now + (end - now)``, whose rounding depends on when the event was scheduled."""
    fast = run(small(*overrides), rules)
    monkeypatch.setattr(model._Run, "shortcuts", False)
    monkeypatch.setattr(renewals, "PRESCREEN", False)
    plain = run(small(*overrides), rules)
    pd.testing.assert_frame_equal(fast.apps, plain.apps, check_exact=False, rtol=1e-12, atol=1e-9)
    assert fast.state == plain.state
    for name, pool in fast.pools.items():
        other = plain.pools[name]
        assert pool.jobs == other.jobs
        assert pool.busy_fte_days == pytest.approx(other.busy_fte_days, rel=1e-12)
        assert pool.available_fte_days == pytest.approx(other.available_fte_days, rel=1e-12)
    assert fast.independent_assessments == plain.independent_assessments


# ---- random streams ------------------------------------------------------------------------------------


def test_same_seed_same_run(rules: triage.Rules) -> None:
    a = run(small(), rules).apps
    b = run(small(), rules).apps
    pd.testing.assert_frame_equal(a, b)
    c = run(small(), rules, rep=1).apps
    assert not a["received"].equals(c["received"])


def test_streams_are_common_across_capacity(rules: triage.Rules) -> None:
    """More staff changes who is decided when, not who arrives or what their forms say."""
    a = run(small(), rules).apps
    b = run(small("staffing.bia_fte=12"), rules).apps
    cols = ["received", "request_type", "setting", "primary_support_reason", "band", "deadline_end"]
    new_a = a.loc[a["source"] != "renewal", cols].reset_index(drop=True)
    new_b = b.loc[b["source"] != "renewal", cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(new_a, new_b)
    assert not a["decided"].equals(b["decided"])


def test_arrivals_are_poisson_at_the_scenario_rate(rules: triage.Rules) -> None:
    s = small("horizon.months=24", "initial_backlog.size=0", "outcomes.renewals=false")
    counts = [len(run(s, rules, rep=r).apps) for r in range(5)]
    expected = 120 * 24
    assert abs(np.mean(counts) - expected) < 4 * math.sqrt(expected / 5)


def test_screening_bands_the_arrivals(rules: triage.Rules) -> None:
    """Arrivals are banded by the real criteria: with no flags set, everyone with a full form is low."""
    s = small("demand.flags={}", "demand.blank_flag_share=0")
    bands = run(s, rules).apps["band"].astype(str)
    assert set(bands) == {"low"}
    s = small("demand.flags={objecting=1.0}", "demand.blank_flag_share=0")
    assert set(run(s, rules).apps["band"].astype(str)) == {"high"}


# ---- policy and scenario checks against the rules ------------------------------------------------------


@pytest.mark.parametrize("policy", [p.id for p in triage.load_rules().policies.policy])
def test_every_policy_of_the_rules_file_runs(policy: str, rules: triage.Rules) -> None:
    """The worklist's own orders, those that change with the date included, order the simulated list."""
    assert_conserved(run(small(f"queue.policy={policy}"), rules))


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("queue.policy=nope", "queue.policy: must be one of"),
        ("demand.flags={objectin=0.1}", "demand.flags.objectin: not a screening flag"),
        ("queue.ageing_days={lowest=3}", "queue.ageing_days.lowest: not a band"),
        ("assessment.proportionate_bands=['green']", "assessment.proportionate_bands: 'green' is not a band"),
    ],
)
def test_names_checked_against_rules(override: str, message: str, rules: triage.Rules) -> None:
    with pytest.raises(ScenarioError, match=message):
        run(small(override), rules)


# ---- staffing --------------------------------------------------------------------------------------------


def test_staffing_change_adds_capacity_from_its_month(rules: triage.Rules) -> None:
    s = small(
        "staffing.bia_fte=4",
        "initial_backlog.size=2000",
        "staffing.changes=[{from_month=4, bia_fte_change=3}]",
        "staffing.vacancies.new_posts_wait_for_hiring=false",
    )
    log = run(s, rules)
    end = log.horizon_days
    month4 = float(log.month_edges[3])
    expected = 4 * end + 3 * (end - month4)
    assert log.pools["bia"].available_fte_days == pytest.approx(expected)


def test_new_posts_start_after_the_hiring_lag(rules: triage.Rules) -> None:
    """Funding three more BIAs from month 4 adds their time only once they are recruited."""
    s = small(
        "staffing.bia_fte=4",
        "initial_backlog.size=2000",
        "staffing.changes=[{from_month=4, bia_fte_change=3}]",
        "staffing.vacancies.hiring_lag_months=1.5",
    )
    log = run(s, rules)
    end = log.horizon_days
    filled = float(log.month_edges[3]) + 1.5 * MONTH_DAYS
    assert log.pools["bia"].available_fte_days == pytest.approx(4 * end + 3 * (end - filled))


def test_staffing_cut_closes_posts_after_their_assessment(rules: triage.Rules) -> None:
    s = small(
        "staffing.bia_fte=6",
        "initial_backlog.size=2000",
        "staffing.changes=[{from_month=3, bia_fte_change=-2.5}]",
    )
    log = run(s, rules)
    end = log.horizon_days
    month3 = float(log.month_edges[2])
    floor = 6 * end - 2.5 * (end - month3)
    longest_job = 3 * 12 / (22.5 / 7) * 3  # generous: lognormal hours, a part-time post is slower
    assert floor <= log.pools["bia"].available_fte_days <= floor + 2.5 * longest_job


def test_vacancies_are_filled_within_the_hiring_lag(rules: triage.Rules) -> None:
    s = small(
        "staffing.bia_fte=5",
        "staffing.vacancies.bia_vacant_fte_at_start=2",
        "staffing.vacancies.hiring_lag_months=2",
    )
    log = run(s, rules)
    end, lag = log.horizon_days, 2 * MONTH_DAYS
    available = log.pools["bia"].available_fte_days
    assert 3 * end + 2 * (end - lag) <= available < 5 * end


def test_turnover_lowers_filled_time(rules: triage.Rules) -> None:
    base = run(small("horizon.months=24"), rules).pools["bia"].available_fte_days
    churn = (
        run(
            small(
                "horizon.months=24",
                "staffing.vacancies.bia_turnover_per_year=1.0",
                "staffing.vacancies.hiring_lag_months=3",
            ),
            rules,
        )
        .pools["bia"]
        .available_fte_days
    )
    # Steady state vacancy share tau L / (1 + tau L) = 0.2: expect about 80% (from full at the start).
    assert 0.7 * base < churn < 0.95 * base


def test_independent_assessments_follow_the_monthly_rate(rules: triage.Rules) -> None:
    s = small("staffing.bia_fte=0", "initial_backlog.size=3000", "staffing.independent_bia_per_month=30")
    log = run(s, rules)
    expected = math.floor(log.horizon_days / (MONTH_DAYS / 30))
    assert log.independent_assessments == expected
    assert (log.apps["bia_route"] == "independent").sum() == expected


# ---- renewals --------------------------------------------------------------------------------------------


def test_granted_authorisations_come_back_as_renewals(rules: triage.Rules) -> None:
    log = run(
        small("closure.care_home={}", "closure.hospital={}", "screening.closed_on_receipt_share={}"), rules
    )
    apps = log.apps
    renewals = apps.loc[(apps["source"] == "renewal") & (apps["parent"] >= 0)]
    assert len(renewals) > 50
    parents = apps.loc[renewals["parent"].to_numpy()]
    assert parents["granted"].all()
    # Fixed 60-day authorisations: the request comes 28 days before expiry, 32 days after the decision.
    gap = renewals["received"].to_numpy() - parents["decided"].to_numpy()
    assert gap == pytest.approx(np.full(len(gap), 32.0))
    assert (renewals["setting"].to_numpy() == parents["setting"].to_numpy()).all()
    assert (renewals["request_type"] == "renewal").all()
    # A renewal's authority runs until the standing authorisation expires.
    expiry = parents["decided"].to_numpy() + 60.0
    assert renewals["unauthorised_from"].to_numpy() == pytest.approx(expiry)
    # Authorisations in force at the start produce renewals too (no parent row).
    assert ((apps["source"] == "renewal") & (apps["parent"] < 0)).sum() > 10


def test_no_renewals_when_switched_off(rules: triage.Rules) -> None:
    log = run(small("outcomes.renewals=false"), rules)
    assert (log.apps["source"] == "renewal").sum() == 0


# ---- the statutory clock -------------------------------------------------------------------------------


def test_deadlines_follow_the_counting_convention(rules: triage.Rules) -> None:
    apps = run(small("staffing.bia_fte=0", "staffing.independent_bia_per_month=0"), rules).apps
    new = apps.loc[apps["source"] == "new"]
    day = np.floor(new["received"].to_numpy())
    std = new["request_type"].to_numpy() == "standard"
    assert (new["deadline_end"].to_numpy()[std] == day[std] + 21).all()  # day 1 = receipt: ends day 21
    urgent = new["request_type"].to_numpy() == "urgent"
    assert (new["urgent_end"].to_numpy()[urgent] == day[urgent] + 7).all()
    assert (new["deadline_end"].to_numpy()[urgent] == day[urgent] + 14).all()  # extension granted (share 1)


def test_urgent_undecided_on_day_15_has_unauthorised_days(rules: triage.Rules) -> None:
    """Nobody to assess: an urgent request received on day 1 is unauthorised from the end of day 14."""
    apps = run(small("staffing.bia_fte=0", "staffing.independent_bia_per_month=0"), rules).apps
    urgent = apps.loc[(apps["request_type"] == "urgent") & (apps["source"] == "new") & apps["closed"].isna()]
    first = urgent.iloc[[0]]
    day1 = math.floor(first["received"].iloc[0])
    assert unauthorised_days(first, day1 + 14)[0] == 0.0  # the last day of 7 + 7
    assert unauthorised_days(first, day1 + 14.5)[0] == pytest.approx(0.5)  # during day 15
    assert unauthorised_days(first, day1 + 15)[0] == pytest.approx(1.0)  # by the end of day 15
    no_extension = run(
        small(
            "staffing.bia_fte=0",
            "staffing.independent_bia_per_month=0",
            "outcomes.urgent_extension_granted_share=0",
        ),
        rules,
    ).apps
    first = no_extension.loc[
        (no_extension["request_type"] == "urgent") & (no_extension["source"] == "new")
    ].iloc[[0]]
    day1 = math.floor(first["received"].iloc[0])
    assert unauthorised_days(first, day1 + 15)[0] == pytest.approx(8.0)


# ---- starting from a triage worklist -------------------------------------------------------------------


def worklist() -> pd.DataFrame:
    d = pd.Timestamp("2025-04-01")
    day = pd.Timedelta(days=1)
    return pd.DataFrame(
        {
            "application_id": ["A1", "A2", "A3", "A4"],
            "received_date": [d - 3 * day, d - 30 * day, d - 5 * day, d - 20 * day],
            "request_type": ["urgent", "standard", "renewal", "urgent"],
            "setting": ["hospital", "care_home", "care_home", "care_home"],
            "priority": ["high", "low", "medium", "unscreened"],
            "primary_support_reason": ["dementia", None, "learning_disability", "other"],
            "statutory_deadline": [d + 3 * day, d - 10 * day, d + 15 * day, d - 14 * day],
            "urgent_expiry": [d + 3 * day, pd.NaT, pd.NaT, d - 14 * day],
            "urgent_extended_days": [0, 0, 0, 0],
            "authorisation_expiry": [pd.NaT, pd.NaT, d + 23 * day, pd.NaT],
        }
    )


def no_staff(*more: str):
    return small(
        "staffing.bia_fte=0",
        "staffing.independent_bia_per_month=0",
        "demand.applications_per_month=0",
        "initial_backlog.authorisations_in_force=0",
        "closure.care_home={}",
        "closure.hospital={}",
        "queue.ring_fenced_share=0",
        *more,
    )


def test_worklist_becomes_the_starting_backlog(rules: triage.Rules) -> None:
    log = run(no_staff(), rules, worklist=worklist())
    assert_conserved(log)
    apps = log.apps
    assert len(apps) == 4 and (apps["source"] == "initial").all()
    assert list(apps["received"]) == [-3, -30, -5, -20]
    assert list(apps["band"].astype(str)) == ["high", "low", "medium", "unscreened"]
    assert list(apps["primary_support_reason"].astype(str)) == [
        "dementia",
        "not_recorded",
        "learning_disability",
        "other",
    ]
    # A1: urgent, in force until the end of day +3, may still be extended by 7 days.
    # A2: standard, last day -10. A3: renewal, last day +15, authorised until the end of day +23.
    # A4: urgent, ended on day -14 unextended: too late to extend.
    assert list(apps["deadline_end"]) == [11, -9, 16, -13]
    # a request gives no authority (Sch A1 paras 1(3), 2): A2, standard, for a care home resident
    # (already deprived, the rules file's default), from receipt; the urgent ones from their end, the
    # renewal from its standing authorisation's
    assert list(apps["unauthorised_from"]) == [11, -30, 24, -13]
    assert list(apps["extension_granted"]) == [True, False, False, False]
    end = log.horizon_days
    assert unauthorised_days(apps, end) == pytest.approx([end - 11, end, end - 24, end])


def test_worklist_is_worked_in_policy_order(rules: triage.Rules) -> None:
    log = run(no_staff("staffing.bia_fte=1", "queue.policy=band_then_oldest"), rules, worklist=worklist())
    apps = log.apps.loc[log.apps["source"] == "initial"]
    order = apps.sort_values("allocated")["band"].astype(str).tolist()
    assert order == ["high", "unscreened", "medium", "low"]


def test_worklist_errors_name_the_row(rules: triage.Rules) -> None:
    bad = worklist()
    bad.loc[2, "priority"] = "amber"
    with pytest.raises(ScenarioError, match=r"row 4: priority 'amber'"):  # spreadsheet rows: header = 1
        run(no_staff(), rules, worklist=bad)
    late = worklist()
    late.loc[1, "received_date"] = pd.Timestamp("2025-05-01")
    with pytest.raises(ScenarioError, match=r"row 3: received_date is after the scenario start date"):
        run(no_staff(), rules, worklist=late)
    with pytest.raises(ScenarioError, match=r"missing column\(s\) \['priority'\]"):
        run(no_staff(), rules, worklist=worklist().drop(columns="priority"))


def test_a_worklist_written_by_triage_runs(tmp_path: Path) -> None:
    """Triage's own output, blanks and odd support reasons included, starts a simulation (review #1)."""
    from tests.conftest import csv_bytes, make_rows
    from triage.export import write_table
    from triage.worklist import build_worklist

    export = csv_bytes(
        make_rows(
            {"primary_support_reason": ""},
            {"primary_support_reason": "autism"},
            {"received_date": "2026-11-05", "request_type": "urgent", "urgent_start": "2026-11-05"},
        )
    )
    result = build_worklist(export, date(2026, 11, 23), filename="x.csv")
    assert set(result.worklist["primary_support_reason"]) == {"unknown", "dementia"}
    path = tmp_path / "worklist.csv"
    write_table(result.worklist, path)
    scenario = no_staff(
        "horizon.start_date=2026-11-23", "initial_backlog.size=0", f'initial_backlog.worklist="{path}"'
    )
    results = run_replications(scenario, 2, 1)
    assert (results.replications["initial_backlog"] == 3).all()


def test_uk_dates_in_a_resaved_worklist_are_day_first(tmp_path: Path) -> None:
    frame = worklist().copy()
    for col in ("received_date", "statutory_deadline", "urgent_expiry", "authorisation_expiry"):
        frame[col] = frame[col].dt.strftime("%d/%m/%Y").fillna("")
    path = tmp_path / "resaved.csv"
    frame.to_csv(path, index=False)
    read = read_worklist(path)
    assert read["received_date"].tolist() == worklist()["received_date"].tolist()


def test_para_1_3_standard_requests_accrue_time_without_authority_from_receipt(rules: triage.Rules) -> None:
    """The simulation counts as the worklist does (triage.authority): a standard request for a person
    already deprived of liberty is without authority from receipt, a planned deprivation never; the old
    "day 22" count is kept under its honest name, the same either way."""
    base = (
        "staffing.bia_fte=0", "staffing.independent_bia_per_month=0", "demand.mix.urgent_share=0",
        "demand.mix.renewal_share=0", "initial_backlog.size=0", "initial_backlog.authorisations_in_force=0",
        "closure.care_home={}", "closure.hospital={}", "queue.ring_fenced_share=0",
    )  # fmt: skip
    from simulation.metrics import exit_times
    from simulation.metrics import kpis as run_kpis

    detained = run(small(*base, "demand.mix.already_deprived_share={care_home=1, hospital=1}"), rules)
    planned = run(small(*base, "demand.mix.already_deprived_share={care_home=0, hospital=0}"), rules)
    end = detained.horizon_days
    apps = detained.apps
    assert (apps["unauthorised_from"] == apps["received"]).all()
    assert np.isinf(planned.apps["unauthorised_from"]).all()
    k_detained, k_planned = run_kpis(detained), run_kpis(planned)
    stop = np.minimum(exit_times(apps), end)  # decided, closed (at screening too) or the end of the run
    assert k_detained["unauthorised_person_days"] == pytest.approx(float((stop - apps["received"]).sum()))
    assert k_detained["unauthorised_person_days"] > 0 and k_planned["unauthorised_person_days"] == 0
    late = np.maximum(stop - apps["deadline_end"].to_numpy(), 0).sum()
    assert k_detained["person_days_past_statutory_period"] == pytest.approx(late)
    assert k_planned["person_days_past_statutory_period"] == pytest.approx(late)
