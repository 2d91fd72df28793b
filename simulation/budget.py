"""The work a run will do, estimated before it starts, so that no scenario can take the machine.

Why: every key of a scenario can be within its own bounds while the whole is not (a backlog of 10
million, 200,000 requests a month for 50 years), and one run holds every application it handles in
memory (about 1.3 KB each, measured). So :func:`admit <simulation.admission.admit>` estimates the
applications one replication will handle (the starting backlog, new requests over the horizon with
growth and seasonality, and renewals: of the authorisations in force at the start, and of those the run
itself grants) and refuses a scenario above a limit, naming what makes it big. The command line allows
:data:`RUN_LIMIT` (England for a year is about 0.65 million); the page, which every user shares, a lower
limit set in one place (``page/state.py``). The same estimate, with the rate measured by
``benchmarks/inputs_bench.py``, tells the command line how long a run will take before it starts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulation.arrivals import monthly_means
from simulation.scenario import MONTH_DAYS, Scenario, ScenarioError

#: Applications one replication may handle on the command line: about 4 GB of memory at the most.
RUN_LIMIT = 3_000_000
#: Replications one command may run (a 95% interval is as tight as it will usefully get long before).
MAX_REPS = 10_000
#: Applications simulated a second by one core, end to end (setup, model, KPIs), measured with
#: ``python benchmarks/inputs_bench.py`` on the 2-core development machine (example council, 3 years:
#: 23,950 after the model's speed work of 2026-12; 11,450 with issue 9's mechanisms before it; a round
#: figure below the measured one, since the machine's speed varies from day to day).
APPLICATIONS_PER_SECOND = 20_000
#: Events the model schedules per application (arrival, allocation, assessments, sign-off, decision).
EVENTS_PER_APPLICATION = 6
#: The command line says how long a run will take when it will take longer than this.
SAY_RUN_TIME_AFTER_SECONDS = 30.0


@dataclass(frozen=True)
class Work:
    """Applications one replication is expected to handle, by where they come from."""

    initial: float
    new_requests: float
    renewals_in_force: float
    renewals_granted: float
    horizon_days: float

    @property
    def applications(self) -> float:
        return self.initial + self.new_requests + self.renewals_in_force + self.renewals_granted

    @property
    def events(self) -> float:
        return EVENTS_PER_APPLICATION * self.applications + self.horizon_days / 7

    def seconds(self, reps: int, workers: int = 1) -> float:
        """Expected wall time of ``reps`` replications on ``workers`` cores."""
        return self.applications * math.ceil(reps / max(1, workers)) / APPLICATIONS_PER_SECOND

    def largest(self) -> str:
        """The scenario keys behind the largest part of the work (what to lower)."""
        parts = {
            "initial_backlog.size (or the worklist's rows)": self.initial,
            "demand.applications_per_month, growth_pct_per_year and horizon.months": self.new_requests,
            "initial_backlog.authorisations_in_force": self.renewals_in_force,
            "outcomes.renewals and the staffing that decides them": self.renewals_granted,
        }
        return max(parts, key=lambda k: parts[k])


def _decisions_possible(scenario: Scenario) -> float:
    """At most how many decisions the staff could make over the horizon (highest staffing throughout)."""
    staffing = scenario.staffing
    levels = [lv for _, lv in staffing.level_schedule()]
    months = scenario.horizon.months
    weeks = months * MONTH_DAYS / 7
    factor = (
        min(1.0, scenario.assessment.proportionate_hours_factor) if scenario.assessment.proportionate else 1.0
    )
    hours = staffing.bia_hours_per_assessment.mean * factor
    in_house = max(lv["bia_fte"] for lv in levels) * staffing.bia_productive_hours_per_week * weeks / hours
    bought = max(lv["independent_bia_per_month"] for lv in levels) * months
    return float(in_house + bought)


def estimate(scenario: Scenario, initial_rows: int | None = None) -> Work:
    """The applications one replication of ``scenario`` is expected to handle (see the module docstring).

    ``initial_rows``: the rows of the worklist it starts from, when it starts from one.
    """
    horizon_days = scenario.horizon.months * MONTH_DAYS
    initial = float(initial_rows if initial_rows is not None else scenario.initial_backlog.size)
    with np.errstate(over="ignore", invalid="ignore"):
        new = float(np.sum(monthly_means(scenario.demand, scenario.horizon)))
    in_force = float(scenario.initial_backlog.authorisations_in_force)
    granted = 0.0
    outcomes = scenario.outcomes
    if outcomes.renewals and outcomes.granted_share > 0:
        # A granted authorisation comes back 28 days before it ends: at most one renewal per decision,
        # and at most one per person per authorisation cycle.
        cycle = max(min(outcomes.authorisation_days.mean, 365.0) - 28.0, 7.0)
        rounds = max(1.0, horizon_days / cycle)
        first = initial + new + in_force
        granted = outcomes.granted_share * min(_decisions_possible(scenario), first * rounds)
    if not math.isfinite(new):
        new = math.inf
    return Work(initial, new, in_force, granted, horizon_days)


def check(work: Work, limit: int, where: str = "the command line") -> None:
    """Refuse (one line, naming what to lower) a run above ``limit`` applications a replication."""
    if work.applications <= limit:
        return
    total = (
        "an unbounded number of"
        if not math.isfinite(work.applications)
        else f"about {work.applications:,.0f}"
    )
    renewals = work.renewals_in_force + work.renewals_granted
    raise ScenarioError(
        f"work budget: {total} applications in one replication (starting backlog {work.initial:,.0f}, "
        f"new requests {work.new_requests:,.0f}, renewals {renewals:,.0f}), more than the {limit:,} "
        f"allowed on {where}; lower {work.largest()}"
    )


def run_time_text(seconds: float) -> str:
    """``about 40 s``, ``about 12 min``, ``about 3.5 hours``."""
    if seconds < 90:
        return f"about {max(1, round(seconds)):,} s"
    if seconds < 90 * 60:
        return f"about {round(seconds / 60):,} min"
    return f"about {seconds / 3600:,.1f} hours"
