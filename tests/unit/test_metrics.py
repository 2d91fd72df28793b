"""KPIs from a hand-made run log whose answers are worked out by hand (see each comment)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from simulation.applications import SUPPORT_REASON_CODES
from simulation.experiment import summarise, t_interval
from simulation.metrics import (
    backlog_by_week,
    binding_sentence,
    binding_staff_group,
    kpis,
    waits_by_group,
    weeks_to_clear,
)
from simulation.register import CLOSURES
from simulation.run_log import ROUTES, SOURCES, RunLog
from simulation.scenario import Costs
from simulation.staff import PoolStats
from tests.conftest import REQUIRED_KPIS
from triage.vocabulary import REQUEST_TYPES, SETTINGS

BANDS = ("high", "medium", "low", "unscreened")
NAN = math.nan

# Five applications over a 28-day run (weekly counts at t = 0, 7, 14, 21, 28):
# 1 initial standard, received -10, last day 10 (ends 11), allocated 1, decided 5: wait 15, in time.
# 2 new urgent, received 2, urgent ends 9, extended to 16, allocated 15, decided 20: wait 18, 4 days
#   unauthorised, an extension requested, expired undecided.
# 3 new standard, received 3, closed on the list at 10 (circumstances changed): not assessed.
# 4 initial urgent, received -30, ran out at -16 before the run, still open: 28 days unauthorised.
# 5 renewal, received 8, deadline 29, authorised until 36, allocated 10, decided 12: wait 4, in time.
ROWS = [
    # source, type, setting, reason, band, received, deadline_end, urgent_end, ext, unauth_from,
    # allocated, decided, closed, granted
    ("initial", "standard", "care_home", "dementia", "high", -10, 11, NAN, False, 11, 1, 5, NAN, True),
    ("new", "urgent", "hospital", "learning_disability", "medium", 2, 16, 9, True, 16, 15, 20, NAN, False),
    ("new", "standard", "care_home", "dementia", "low", 3, 24, NAN, False, 24, NAN, NAN, 10, False),
    ("initial", "urgent", "care_home", "other", "low", -30, -16, -23, True, -16, NAN, NAN, NAN, False),
    ("renewal", "renewal", "care_home", "dementia", "low", 8, 29, NAN, False, 36, 10, 12, NAN, True),
]


def cat(values: list[str], names: tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical(values, categories=list(names))


def make_log(warm_up: float = 0.0, target: int = 2) -> RunLog:
    cols = list(zip(*ROWS, strict=True))
    allocated = np.array(cols[10], dtype=float)
    apps = pd.DataFrame(
        {
            "source": cat(list(cols[0]), SOURCES),
            "request_type": cat(list(cols[1]), REQUEST_TYPES),
            "setting": cat(list(cols[2]), SETTINGS),
            "primary_support_reason": cat(list(cols[3]), SUPPORT_REASON_CODES),
            "band": cat(list(cols[4]), BANDS),
            "received": np.array(cols[5], dtype=float),
            "deadline_end": np.array(cols[6], dtype=float),
            "urgent_end": np.array(cols[7], dtype=float),
            "extension_granted": np.array(cols[8]),
            "unauthorised_from": np.array(cols[9], dtype=float),
            "allocated": allocated,
            "bia_route": cat(["in_house", "independent", "none", "none", "independent"], ROUTES),
            "bia_done": allocated + 1,
            "mha_done": allocated + 2,
            "decided": np.array(cols[11], dtype=float),
            "closed": np.array(cols[12], dtype=float),
            "closure": cat(["none", "none", "circumstances_changed", "none", "none"], CLOSURES),
            "granted": np.array(cols[13]),
            "authorisation_days": np.full(5, 200.0),
            "parent": np.full(5, -1),
        }
    )
    return RunLog(
        scenario_name="hand-made",
        start_date=date(2025, 4, 1),
        horizon_days=28.0,
        warm_up_days=warm_up,
        bands=BANDS,
        apps=apps,
        pools={
            "bia": PoolStats("bia", busy_fte_days=292.2, available_fte_days=365.25, jobs=1),
            "mha": PoolStats("mha", busy_fte_days=1.0, available_fte_days=4.0, jobs=3),
            "sign_off": PoolStats("sign_off", busy_fte_days=1.0, available_fte_days=2.0, jobs=3),
        },
        independent_assessments=2,
        mental_health_assessments=3,
        state={"initial": 2, "arrived": 3, "decided": 3, "closed": 1, "open": 1},
        costs=Costs(
            bia_fte_per_year=55000,
            independent_bia_per_assessment=400,
            mental_health_assessment=180,
            sign_off=45,
        ),
        backlog_target=target,
    )


def test_backlog_by_week_and_band() -> None:
    b = backlog_by_week(make_log())
    wide = b.pivot(index="week", columns="band", values="open")
    assert list(wide["all"]) == [2, 3, 2, 1, 1]
    assert list(wide["high"]) == [1, 0, 0, 0, 0]
    assert list(wide["medium"]) == [0, 1, 1, 0, 0]
    assert list(wide["low"]) == [1, 2, 1, 1, 1]
    assert list(wide["unscreened"]) == [0, 0, 0, 0, 0]
    assert b.loc[b["week"] == 1, "date"].iloc[0] == pd.Timestamp("2025-04-08")


def test_weeks_to_clear_and_censoring() -> None:
    assert weeks_to_clear(np.array([2, 3, 2, 1, 1]), 2) == (3.0, True)
    never = weeks_to_clear(np.array([2, 3, 2, 1, 1]), 1)
    assert math.isnan(never[0]) and never[1] is False  # not reached: no number, never the horizon
    assert weeks_to_clear(np.array([0, 3]), 1) == (0.0, True)
    k = kpis(make_log(target=1))
    assert math.isnan(k["weeks_to_clear"]) and k["cleared_within_horizon"] == 0.0
    k = kpis(make_log(target=2))
    assert (k["weeks_to_clear"], k["cleared_within_horizon"]) == (3.0, 1.0)


def test_the_binding_staff_group_is_the_saturated_one_with_least_capacity() -> None:
    def summary(**values: float) -> pd.DataFrame:
        return pd.DataFrame({"kpi": list(values), "mean": list(values.values())})

    # BIAs and mental health assessors both busy; MHAs could do fewer: they bind (more BIAs won't help)
    both = summary(utilisation_bia=1.0, capacity_bia=900, utilisation_mha=0.99, capacity_mha=600,
                   utilisation_sign_off=0.4, capacity_sign_off=2000)  # fmt: skip
    assert binding_staff_group(both) == ("mha", 0.99)
    assert "mental health assessors (99% busy)" in binding_sentence(both)
    slack = summary(utilisation_bia=0.6, capacity_bia=900, utilisation_mha=0.5, capacity_mha=600)
    assert binding_staff_group(slack) is None and "demand sets the pace" in binding_sentence(slack)


def test_counts_and_waits() -> None:
    k = kpis(make_log())
    assert k["initial_backlog"] == 2
    assert k["received"] == 3 and k["received_new"] == 2 and k["received_renewal"] == 1
    assert k["decided"] == 3 and k["granted"] == 2
    assert k["closed_before_decision"] == 1 and k["closed_circumstances_changed"] == 1
    assert k["open_at_end"] == 1 and k["breached_open_at_end"] == 1
    assert k["initial_backlog"] + k["received"] == k["completed"] + k["open_at_end"]
    assert k["completed"] == k["decided"] + k["closed_before_decision"]
    assert k["mean_wait_days"] == pytest.approx((15 + 18 + 4) / 3)
    assert k["median_wait_days"] == 15
    assert k["within_statutory_share"] == pytest.approx(2 / 3)
    assert k["mean_waiting_list_days"] == pytest.approx((11 + 13 + 7 + 2) / 4)
    assert k["mean_time_in_system_days"] == pytest.approx((15 + 18 + 7 + 4) / 4)
    assert k["closed_share"] == pytest.approx(1 / 4)
    assert k["mean_days_open_at_end"] == 58  # number 4: received 30 days before a 28-day run


def test_published_definitions() -> None:
    """NHS England's: completed = decided or closed; closed without any assessment; standard requests
    (no urgent authorisation) completed by the end of their 21st day; mean days to complete."""
    k = kpis(make_log())
    assert k["completed"] == 4
    assert k["closed_without_assessment"] == 1 and k["closed_partly_assessed"] == 0
    # standard or renewal, completed: 1 (day -10, done 5 <= 11), 3 (day 3, closed 10 <= 24), 5 (12 <= 29)
    assert k["standard_completed_within_21_days_share"] == 1.0
    assert k["mean_days_to_complete"] == pytest.approx((15 + 18 + 7 + 4) / 4)
    assert k["urgent_share_of_received"] == pytest.approx(1 / 3)  # of the 3 received in the run
    late = make_log()
    late.apps.loc[2, "closed"] = 25.0  # closed on day 25: after its 21st day (ends 24)
    assert kpis(late)["standard_completed_within_21_days_share"] == pytest.approx(2 / 3)
    assert k["mean_backlog"] == pytest.approx((2 + 3 + 2 + 1 + 1) / 5)


def test_unauthorised_days_and_urgent_expiry() -> None:
    k = kpis(make_log())
    assert k["unauthorised_person_days"] == pytest.approx(4 + 28)
    assert k["unauthorised_person_days_urgent"] == pytest.approx(32)
    assert k["unauthorised_person_days_standard"] == 0
    assert k["unauthorised_person_days_renewal"] == 0  # decided before the authorisation ran out
    assert k["urgent_expired_undecided"] == 1  # number 4 ran out before the run: not counted again
    assert k["urgent_extensions_requested"] == 1
    assert k["urgent_expired_unextended"] == 0  # number 2's extension was granted


def test_longest_wait_per_band_counts_those_still_waiting() -> None:
    k = kpis(make_log())
    assert k["longest_wait_days_high"] == 15
    assert k["longest_wait_days_medium"] == 18
    assert k["longest_wait_days_low"] == 58  # number 4: open, 30 days before the run + 28 in it
    assert math.isnan(k["longest_wait_days_unscreened"])


def test_costs_and_utilisation() -> None:
    k = kpis(make_log())
    assert k["cost_in_house_bia"] == pytest.approx(55000)  # one FTE-year filled
    assert k["cost_independent_bia"] == 800
    assert k["cost_mental_health"] == 540
    assert k["cost_sign_off"] == 135
    assert k["cost_total"] == pytest.approx(56475)
    assert k["cost_per_decision"] == pytest.approx(56475 / 3)
    assert k["utilisation_bia"] == pytest.approx(0.8)
    assert k["utilisation_mha"] == pytest.approx(0.25)


def test_waits_by_group() -> None:
    w = waits_by_group(make_log()).set_index(["group_by", "group"])
    low = w.loc[("band", "low")]
    assert low["decided"] == 1 and low["closed"] == 1 and low["completed"] == 2
    assert low["mean_wait_days"] == 4 and low["within_statutory_share"] == 1
    assert low["longest_wait_days"] == 58
    assert w.loc[("setting", "hospital"), "mean_wait_days"] == 18
    assert w.loc[("primary_support_reason", "dementia"), "decided"] == 2
    assert w.loc[("all", "all"), "within_statutory_share"] == pytest.approx(2 / 3)
    assert ("band", "unscreened") not in w.index  # no applications: no row


def test_warm_up_leaves_out_early_requests() -> None:
    k = kpis(make_log(warm_up=3.0))
    assert k["mean_wait_days"] == 4  # only number 5 (received 8) is decided after the warm-up
    assert k["decided"] == 3  # counts are over the whole run


def test_kpi_columns_include_the_required_ones() -> None:
    assert set(REQUIRED_KPIS) <= set(kpis(make_log()))


def test_t_interval() -> None:
    mean, low, high, n = t_interval([1.0, 2.0, 3.0])
    half = 4.302652729749464 / math.sqrt(3)  # t(0.975, 2) * sd / sqrt(n), sd = 1
    assert (mean, n) == (2.0, 3)
    assert low == pytest.approx(2 - half) and high == pytest.approx(2 + half)
    assert t_interval([5.0, 5.0]) == (5.0, 5.0, 5.0, 2)
    m, lo, hi, n = t_interval([7.0, math.nan])
    assert (m, n) == (7.0, 1) and math.isnan(lo) and math.isnan(hi)


def test_summarise_has_one_row_per_kpi() -> None:
    reps = pd.DataFrame({"replication": [0, 1, 2], "decided": [1.0, 2.0, 3.0], "cost_total": [4.0, 4.0, 4.0]})
    s = summarise(reps)
    assert list(s.columns) == ["kpi", "mean", "ci_low", "ci_high", "reps"]
    assert list(s["kpi"]) == ["decided", "cost_total"]
    assert s.loc[1, "ci_low"] == s.loc[1, "ci_high"] == 4.0


def test_summary_intervals_stay_within_what_a_kpi_can_take() -> None:
    """A share nearly always 0 gets an interval from 0, not below it; a count is never negative; a column
    the catalogue does not know keeps its plain t interval."""
    reps = pd.DataFrame(
        {
            "replication": [0.0, 1.0, 2.0, 3.0],
            "within_statutory_share": [0.0, 0.0, 0.0, 0.004],
            "received": [0.0, 0.0, 1.0, 0.0],
            "not_a_kpi": [0.0, 0.0, 0.0, 0.004],
        }
    )
    summary = summarise(reps).set_index("kpi")
    assert summary.loc["within_statutory_share", "ci_low"] == 0.0
    assert summary.loc["within_statutory_share", "ci_high"] > 0.004 / 4
    assert summary.loc["received", "ci_low"] == 0.0
    assert summary.loc["not_a_kpi", "ci_low"] < 0.0
