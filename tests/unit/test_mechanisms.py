"""How real teams work, one mechanism a test: each fails if its mechanism is taken out of the model.

Screening on receipt, the worklist's dated policies (a request moves tier when its deadline passes),
ring-fenced capacity, caseloads with turnaround, closure by the published reasons (died; circumstances
changed) while waiting and while being assessed, hospital stays, the hiring lag, and the published
urgent share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import triage
from simulation.admission import admit
from simulation.experiment import replication_seed, run_replications
from simulation.metrics import kpis
from simulation.model import simulate
from simulation.run_log import RunLog
from simulation.scenario import Scenario
from tests.conftest import EXAMPLE, assert_conserved, scenario_file, small

SEED = 20261201


def run(scenario: Scenario, rep: int = 0, worklist: pd.DataFrame | None = None) -> RunLog:
    return simulate(admit(scenario, initial_worklist=worklist), replication_seed(SEED, rep))


QUIET = (  # no closures, no screening, no renewals, no new requests, no ring-fence: one mechanism at a time
    "demand.applications_per_month=0",
    "initial_backlog.authorisations_in_force=0",
    "closure.care_home={}",
    "closure.hospital={}",
    "screening.coordinator_fte=0",
    "screening.closed_on_receipt_share={}",
    "queue.ring_fenced_share=0",
    "staffing.independent_bia_per_month=0",
    "outcomes.renewals=false",
)


def test_a_request_moves_tier_on_the_day_its_deadline_passes() -> None:
    """statutory_then_band: breached requests before the rest. A (low, last day 0) and B (high, last day
    19) are both within time on day 0, when B comes first by band; one BIA starts on day 30, when both are
    breached and A, the older, comes first. Without re-keying B would still lead on its day-0 key."""
    d = pd.Timestamp("2025-04-01")
    worklist = pd.DataFrame(
        {
            "received_date": [d - pd.Timedelta(days=20), d - pd.Timedelta(days=1)],
            "request_type": ["standard", "standard"],
            "setting": ["care_home", "care_home"],
            "priority": ["low", "high"],
            "statutory_deadline": [d, d + pd.Timedelta(days=19)],
        }
    )
    s = small(
        *QUIET,
        "queue.policy=statutory_then_band",
        "staffing.bia_fte=0",
        "staffing.bia_caseload=1",
        "staffing.changes=[{from_month=2, bia_fte_change=1}]",
        "staffing.vacancies.new_posts_wait_for_hiring=false",
    )
    apps = run(s, worklist=worklist).apps
    assert apps["allocated"].iloc[0] == pytest.approx(30.0)  # A, breached since day 1
    assert apps["allocated"].iloc[1] > apps["allocated"].iloc[0]
    # band_then_oldest, which never changes with the date, takes the high one first
    apps = run(s.model_copy(update={"queue": s.queue.model_copy(update={"policy": "band_then_oldest"})}),
               worklist=worklist).apps  # fmt: skip
    assert apps["allocated"].iloc[1] < apps["allocated"].iloc[0]


def test_screening_closes_requests_on_receipt_and_takes_coordinator_time() -> None:
    s = small("screening.closed_on_receipt_share={hospital=1.0}", "screening.coordinator_fte=0")
    log = run(s)
    apps = log.apps
    arrived = apps.loc[apps["source"] != "initial"]
    hospital = arrived["setting"] == "hospital"
    assert (arrived.loc[hospital, "closure"] == "screening").all() and hospital.any()
    assert (arrived.loc[hospital, "closed"] == arrived.loc[hospital, "received"]).all()  # no coordinator time
    assert not (arrived.loc[~hospital, "closure"] == "screening").any()
    k = kpis(log)
    assert k["closed_at_screening"] == hospital.sum()
    assert k["closed_without_assessment"] >= k["closed_at_screening"]  # screening closures are unassessed
    slow = run(small("screening.coordinator_fte=0.05"))
    waited = (slow.apps["screened"] - slow.apps["received"]).dropna()
    assert waited.mean() > 1.0  # a twentieth of a coordinator: requests queue to be screened
    assert_conserved(slow)


def test_ring_fenced_capacity_decides_new_requests_in_time() -> None:
    """With a year-long backlog worked by band and age, no new request is decided in time; a ring-fenced
    duty team taking only urgent and high requests still decidable in time decides some in time."""
    base = scenario_file(EXAMPLE, "horizon.months=12", "queue.policy=band_with_ageing")

    def in_time(share: float) -> float:
        s = base.model_copy(update={"queue": base.queue.model_copy(update={"ring_fenced_share": share})})
        return float(
            run_replications(s, 3, SEED).summary.set_index("kpi").at["within_statutory_share", "mean"]
        )

    assert in_time(0.0) < 0.01
    assert in_time(0.5) > 0.05


def test_a_caseload_with_turnaround_spreads_each_case_over_weeks() -> None:
    """Fixed 20-day turnaround, caseload 6, about 3.7 days of a BIA's hours a case: every in-house report
    comes 20 days after allocation, and the hours (not the caseload) limit how many cases start."""
    s = small(
        *QUIET,
        "staffing.bia_fte=2",
        "staffing.bia_caseload=6",
        "staffing.bia_turnaround_days={kind='fixed', mean=20}",
        "staffing.bia_hours_per_assessment={kind='fixed', mean=12}",
        "initial_backlog.size=600",
    )
    log = run(s)
    apps = log.apps
    done = apps["bia_done"].notna() & (apps["bia_route"] == "in_house")
    elapsed = (apps.loc[done, "bia_done"] - apps.loc[done, "allocated"]).to_numpy()
    assert elapsed == pytest.approx(np.full(len(elapsed), 20.0))
    work_days = 12 / (22.5 / 7)  # one case's hours at 22.5 productive hours a week
    started = apps["allocated"].notna().sum()
    assert started <= 2 * (log.horizon_days / work_days + 1)  # hours bind: at most one start per case's work
    assert started >= 2 * (log.horizon_days / work_days - 1)
    one_at_a_time = run(s.model_copy(update={"staffing": s.staffing.model_copy(update={"bia_caseload": 1})}))
    assert one_at_a_time.apps["allocated"].notna().sum() <= 2 * (log.horizon_days / 20 + 1)  # caseload binds


def test_closures_by_the_published_reasons() -> None:
    """Care home requests close at 0.004 a day (0.001 died, 0.003 circumstances changed): about a quarter
    of those closures are deaths; with no staff nobody is assessed."""
    s = small(*QUIET, "staffing.bia_fte=0", "initial_backlog.size=3000", "demand.mix.hospital_share=0",
              "closure.care_home={died_per_day=0.001, circumstances_changed_per_day=0.003}")  # fmt: skip
    k = kpis(run(s))
    closed = k["closed_died"] + k["closed_circumstances_changed"]
    assert closed == k["closed_without_assessment"] > 500
    assert 0.2 < k["closed_died"] / closed < 0.3


def test_closure_while_allocated_and_hospital_stays() -> None:
    """A request can close while being assessed (partly assessed) unless the factor is 0; a hospital stay
    ends a request whatever its stage, on the day the stay ends."""
    common = (*QUIET, "staffing.bia_fte=3", "staffing.bia_caseload=4", "initial_backlog.size=400",
              "staffing.bia_turnaround_days={kind='fixed', mean=30}", "demand.mix.hospital_share=0",
              "closure.care_home={circumstances_changed_per_day=0.01}")  # fmt: skip
    assert kpis(run(small(*common, "closure.while_allocated_factor=1")))["closed_partly_assessed"] > 5
    assert kpis(run(small(*common, "closure.while_allocated_factor=0")))["closed_partly_assessed"] == 0
    stays = small(*QUIET, "staffing.bia_fte=0", "initial_backlog.size=0",
                  "demand.applications_per_month=200", "demand.mix.hospital_share=1",
                  "closure.hospital={stay_days={kind='fixed', mean=10}}")  # fmt: skip
    apps = run(stays).apps
    gone = apps["closed"].notna()
    assert gone.sum() > 100
    assert (apps.loc[gone, "closed"] - apps.loc[gone, "received"]).to_numpy() == pytest.approx(10.0)
    assert (apps.loc[gone, "closure"] == "circumstances_changed").all()


def test_urgent_share_of_received_counts_renewals() -> None:
    """Renewals never come with an urgent authorisation, so the published share (of all received) is
    below the share of new requests."""
    k = kpis(run(small("demand.mix.urgent_share=0.6", "outcomes.granted_share=1")))
    assert k["received_renewal"] > 50
    expected = 0.6 * k["received_new"] / k["received"]
    assert k["urgent_share_of_received"] == pytest.approx(expected, abs=0.05)


def test_the_default_policy_is_the_worklists(rules: triage.Rules) -> None:
    assert small().queue.policy == rules.policies.worklist_default
