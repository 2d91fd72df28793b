"""A scenario over a past window of a history: the state the history shows at the window's start.

Why: matching posts to the decisions a history shows (calibration) and setting a simulated past beside the
observed one (the backtest) both run the model over a window that has already happened, and both must
start it where the council really was: the requests open on the first day (how many, how long they had
waited), the standard authorisations then in force (they come back as renewals), and demand at that date
along the scenario's own trend. One function does that, so the two can never start differently.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

import triage
from simulation.arrivals import add_months, leave_hazard
from simulation.scenario import Scenario
from simulation.scenario_file import with_values
from simulation.steady_state import EDGES
from triage.history import History
from triage.ingest import ROW, RawExport
from triage.vocabulary import SETTINGS
from triage.worklist import build_worklist

__all__ = ["authorisations_in_force_at", "backlog_at", "months_between", "window_scenario", "worklist_at"]


def months_between(start: date, end: date) -> int:
    """Whole calendar months from ``start`` that end on or before ``end`` (the last day included)."""
    m = 0
    while add_months(start, m + 1) <= date.fromordinal(end.toordinal() + 1):
        m += 1
    return m


def backlog_at(used: pd.DataFrame, when: date) -> tuple[int, list[dict[str, float]]]:
    """Requests open at the start of ``when`` and how long they had waited, as an ``age_profile``."""
    t = pd.Timestamp(when)
    open_ = (used["received_date"] < t) & (used["completed_date"].isna() | (used["completed_date"] >= t))
    ages = (t - used.loc[open_, "received_date"]).dt.days.to_numpy(dtype=float)
    if not len(ages):
        return 0, [{"up_to_days": 21.0, "share": 1.0}]
    edges = [e for e in EDGES if e < ages.max()] + [max(float(ages.max()) + 1, EDGES[0])]
    counts = np.histogram(ages, bins=[0.0, *edges])[0]
    shares = np.round(counts / counts.sum(), 3)
    shares[-1] = round(1.0 - float(shares[:-1].sum()), 3)
    profile = [
        {"up_to_days": float(e), "share": float(s)} for e, s in zip(edges, shares, strict=True) if s > 0
    ]
    return len(ages), profile


def authorisations_in_force_at(used: pd.DataFrame, when: date, scenario: Scenario) -> int:
    """Standard authorisations in force at ``when`` whose person is still there: each granted within the
    mean authorisation length before it, counted with the chance its person has not died or left since
    (the scenario's hazards for the setting). An export says neither when an authorisation ends nor
    whether its person is still there; the model spreads the time left the same way."""
    t = pd.Timestamp(when)
    mean_days = scenario.outcomes.authorisation_days.mean
    granted = used.loc[used["outcome"] == "granted", ["completed_date", "setting"]]
    since = (t - granted["completed_date"]).dt.days.to_numpy(dtype=float)
    inside = (since > 0) & (since <= mean_days)
    hazard = (
        granted["setting"]
        .map({name: leave_hazard(getattr(scenario.closure, name)) for name in SETTINGS})
        .to_numpy(dtype=float)
    )
    return round(float(np.exp(-hazard[inside] * since[inside]).sum()))


def window_scenario(scenario: Scenario, used: pd.DataFrame, start: date, months: int) -> Scenario:
    """``scenario`` run over ``months`` from ``start``, starting from the history's state on that day;
    demand moved along the scenario's trend from its own start date to ``start``."""
    size, profile = backlog_at(used, start)
    years = (start - scenario.horizon.start_date).days / 365.25
    growth = (1 + scenario.demand.growth_pct_per_year / 100) ** years
    in_force = authorisations_in_force_at(used, start, scenario)
    return with_values(
        scenario,
        {
            "horizon.start_date": start,
            "horizon.months": months,
            "horizon.warm_up_months": 0,
            "demand.applications_per_month": scenario.demand.applications_per_month * growth,
            "initial_backlog.size": size,
            "initial_backlog.age_profile": profile,
            "initial_backlog.worklist": None,
            "initial_backlog.authorisations_in_force": in_force,
            "staffing.changes": [],
        },
    )


def worklist_at(history: History, when: date, rules: triage.Rules) -> pd.DataFrame | None:
    """The triage worklist of the requests open at the start of ``when`` (as of the day before): the
    requests themselves (type, setting, band, deadlines), not only how many and how old, so a past run
    starts with the council's real list. None when the history does not keep its rows as given."""
    if history.given is None:
        return None
    used = history.used
    t = pd.Timestamp(when)
    open_ = (used["received_date"] < t) & (used["completed_date"].isna() | (used["completed_date"] >= t))
    rows = set(used.loc[open_, ROW].tolist())
    given = history.given
    table = given.table.loc[given.table[ROW].isin(rows)].reset_index(drop=True)
    raw = RawExport(table, given.source_name, given.encoding)
    return build_worklist(raw, when - timedelta(days=1), rules, past_requests=True).worklist
