"""Capacity from a history: the in-house BIA posts that make the decisions the history shows.

An export says when each request was decided, not who assessed it or how many posts were filled, so what
it identifies is throughput: decisions a month. Turning that into posts needs the hours per assessment
and the productive hours of a post, which an export does not hold (the template's are used, and the
calibrated file says so). Partly assessed requests, a ring-fenced duty team that waits for its own work,
and bought assessments all move decisions away from "posts x hours", so the posts are found by running
the model itself: the calibrated scenario over the history's own window, from the backlog open at its
start, at a reduced size for speed (demand, staff and backlog scaled together), and the posts scaled by
observed / simulated in-house decisions until they agree. The interval combines the uncertainty of the
observed decisions a month (a t interval over months) with the simulation's own noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from simulation.admission import admit
from simulation.arrivals import add_months
from simulation.experiment import replication_seed
from simulation.fit import MIN_EVENTS, Draft, refused, t_interval
from simulation.model import simulate
from simulation.scenario import Scenario
from simulation.scenario_file import scaled, with_values
from simulation.window import months_between, window_scenario
from triage.rulebook import Rules

__all__ = ["CapacityFit", "fit_capacity", "monthly_decisions"]

#: Requests in the reduced-size runs that match posts to decisions (about a third of a second each).
MATCH_REQUESTS = 6000
MATCH_ROUNDS = 2
MATCH_REPS = 2
#: BIA utilisation below this in the matching run: decisions were not limited by capacity.
SATURATED = 0.9


@dataclass(frozen=True)
class CapacityFit:
    drafts: list[Draft]
    bia_fte: float


def monthly_decisions(used: pd.DataFrame, start: date, months: int) -> np.ndarray:
    """Decisions (granted or not) in each whole month from ``start``."""
    decided = used.loc[used["outcome"].isin(["granted", "not_granted"]), "completed_date"]
    edges = pd.DatetimeIndex([pd.Timestamp(add_months(start, m)) for m in range(months + 1)])
    at = edges.searchsorted(pd.DatetimeIndex(decided), side="right") - 1
    inside = (at >= 0) & (at < months)
    return np.bincount(at[inside], minlength=months).astype(float)


def _run_decisions(scenario: Scenario, rules: Rules, factor: float, seed: int) -> tuple[float, float, float]:
    """(in-house decisions, bought decisions, BIA utilisation) a month at full size, over MATCH_REPS."""
    admitted = admit(scaled(scenario, factor), rules)
    inhouse = bought = util = 0.0
    for rep in range(MATCH_REPS):
        apps = (log := simulate(admitted, replication_seed(seed, rep))).apps
        decided = apps["decided"].notna()
        inhouse += float((decided & (apps["bia_route"] == "in_house")).sum())
        bought += float((decided & (apps["bia_route"] == "independent")).sum())
        util += log.pools["bia"].utilisation if "bia" in log.pools else 0.0
    per = MATCH_REPS * scenario.horizon.months * factor
    return inhouse / per, bought / per, util / MATCH_REPS


def fit_capacity(
    used: pd.DataFrame, scenario: Scenario, window_start: date, as_of: date, rules: Rules, seed: int = 0
) -> CapacityFit:
    """In-house BIA FTE whose simulated decisions match the history's (see the module docstring)."""
    months = months_between(window_start, as_of)
    counts = monthly_decisions(used, window_start, months)
    n = int(counts.sum())
    label = "In-house BIA posts (FTE) that make the decisions seen"
    template_fte = scenario.staffing.bia_fte
    observed = float(counts.mean()) if months else math.nan
    decisions = Draft(
        "decisions_per_month", "Decisions a month (observed)", observed, n, "per_month", t_interval(counts),
        f"mean of {months} whole months",
    )  # fmt: skip
    if n < MIN_EVENTS or months < 2:
        why = f"only {n} decisions in {months} whole months (need {MIN_EVENTS})"
        return CapacityFit(
            [decisions, refused("staffing.bia_fte", label, "fte", template_fte, n, why)], template_fte
        )
    window = window_scenario(scenario, used, window_start, months)
    expected = window.demand.applications_per_month * months + window.initial_backlog.size
    factor = min(1.0, MATCH_REQUESTS / max(expected, 1.0))
    fte = template_fte
    inhouse = bought = util = math.nan
    for _ in range(MATCH_ROUNDS):
        inhouse, bought, util = _run_decisions(
            with_values(window, {"staffing.bia_fte": fte}), rules, factor, seed
        )
        if inhouse <= 0:
            break
        fte *= min(2.0, max(0.5, (observed - bought) / inhouse))
    fte = max(fte, 0.0)
    per_fte = inhouse / fte if fte > 0 else math.nan
    sim_decisions = inhouse * MATCH_REPS * months * factor
    sim_rel = 1 / math.sqrt(sim_decisions) if sim_decisions > 0 else 0.0
    obs_interval = t_interval(counts)

    def interval(alpha: float) -> tuple[float, float]:
        from scipy import stats

        lo, hi = obs_interval(alpha)
        z = float(stats.norm.ppf(1 - alpha / 2))
        widen = z * sim_rel * fte
        inside = max(observed - bought, 1e-9)
        return (
            max(0.0, fte * (lo - bought) / inside - widen),
            fte * (hi - bought) / inside + widen,
        )

    note = (
        f"{observed:,.0f} decisions a month, {bought:,.0f} of them bought (the template's "
        f"{scenario.staffing.independent_bia_per_month:g} a month); {per_fte:.1f} decisions a month per FTE "
        f"with the template's {scenario.staffing.bia_hours_per_assessment.mean:g} hours per assessment"
    )
    if util < SATURATED:
        note += (
            f"; BIAs only {util:.0%} busy in the matching run: decisions were not limited by capacity, "
            "so fewer posts would do as much"
        )
    return CapacityFit([decisions, Draft("staffing.bia_fte", label, fte, n, "fte", interval, note)], fte)
