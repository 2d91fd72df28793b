"""The KPI catalogue: what each KPI is called for people, its unit, whether it is a headline figure, which
way is better; and which staff group is the binding constraint.

One list the command line, the comparison, the page and the report label and format from, so they never
disagree. The published definitions (NHS England's DoLS statistics) are named as they are there:
``received``, ``completed`` (decided, or closed without a decision), ``closed_without_assessment``,
``open_at_end``, ``standard_completed_within_21_days_share`` and ``mean_days_to_complete``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import pandas as pd

Unit = Literal["count", "days", "weeks", "share", "money", "flag"]


@dataclass(frozen=True)
class Kpi:
    """What a KPI is called for people, its unit (which decides how it is shown), whether it is a
    headline figure (the CLI table, comparisons, the report), and which way is better (None: neither)."""

    name: str
    label: str
    unit: Unit
    headline: bool = False
    better: Literal["lower", "higher"] | None = None


#: Every KPI of :func:`simulation.metrics.kpis` and of the wait tables, in display order.
#: ``longest_wait_days_<band>`` (one per band of the criteria in use) is described by :func:`kpi_info`.
KPI_CATALOGUE: tuple[Kpi, ...] = (
    Kpi("initial_backlog", "Open at start", "count", headline=True),
    Kpi("received", "Requests received (incl. renewals)", "count", headline=True),
    Kpi("received_new", "New requests received", "count"),
    Kpi("received_renewal", "Renewal requests received", "count"),
    Kpi("urgent_share_of_received", "Requests received with an urgent authorisation", "share"),
    Kpi(
        "completed",
        "Completed (decided, or closed without a decision)",
        "count",
        headline=True,
        better="higher",
    ),
    Kpi("decided", "Decided (assessed and signed off)", "count", headline=True, better="higher"),
    Kpi("granted", "Granted", "count"),
    Kpi("closed_without_assessment", "Closed without assessment", "count", headline=True),
    Kpi("closed_at_screening", "Closed at screening on receipt", "count"),
    Kpi("closed_partly_assessed", "Closed while being assessed", "count"),
    Kpi("closed_before_decision", "Closed before a decision (all stages)", "count"),
    Kpi("closed", "Closed before a decision", "count"),
    Kpi("closed_died", "Closed: the person died", "count"),
    Kpi("closed_circumstances_changed", "Closed: circumstances changed (discharged, moved)", "count"),
    Kpi("open_at_end", "Open at end", "count", headline=True, better="lower"),
    Kpi("breached_open_at_end", "Open at end, past their statutory deadline", "count", better="lower"),
    Kpi("mean_backlog", "Mean open backlog", "count", better="lower"),
    Kpi(
        "weeks_to_clear",
        "Weeks until the backlog is below target (replications that got there)",
        "weeks",
        headline=True,
        better="lower",
    ),
    Kpi(
        "cleared_within_horizon",
        "Backlog below target within the horizon (share of replications)",
        "share",
        headline=True,
        better="higher",
    ),
    Kpi(
        "standard_completed_within_21_days_share",
        "Standard requests completed within 21 days (as published)",
        "share",
        headline=True,
        better="higher",
    ),
    Kpi(
        "mean_days_to_complete", "Mean days to complete (as published)", "days", headline=True, better="lower"
    ),
    Kpi("mean_wait_days", "Mean wait to decision (days)", "days", headline=True, better="lower"),
    Kpi("median_wait_days", "Median wait to decision (days)", "days", better="lower"),
    Kpi("p90_wait_days", "90th percentile wait to decision (days)", "days", better="lower"),
    Kpi(
        "within_statutory_share", "Decided within the statutory time", "share", headline=True, better="higher"
    ),
    Kpi("mean_days_open_at_end", "Mean days waited so far by those open at end", "days", better="lower"),
    Kpi("mean_waiting_list_days", "Mean time on the waiting list (days)", "days", better="lower"),
    Kpi("mean_time_in_system_days", "Mean time from receipt to decision or closure (days)", "days"),
    Kpi("closed_share", "Share of those leaving who closed without a decision", "share"),
    Kpi("urgent_extensions_requested", "Urgent authorisations needing an extension", "count", better="lower"),
    Kpi(
        "urgent_expired_undecided",
        "Urgent authorisations expired undecided",
        "count",
        headline=True,
        better="lower",
    ),
    Kpi(
        "urgent_expired_unextended", "Urgent authorisations expired, never extended", "count", better="lower"
    ),
    Kpi(
        "unauthorised_person_days",
        "Person-days deprived of liberty without authorisation",
        "count",
        headline=True,
        better="lower",
    ),
    Kpi("unauthorised_person_days_standard", "Person-days without authorisation: standard", "count"),
    Kpi("unauthorised_person_days_urgent", "Person-days without authorisation: urgent", "count"),
    Kpi("unauthorised_person_days_renewal", "Person-days without authorisation: renewal", "count"),
    Kpi(
        "person_days_past_statutory_period",
        "Person-days undecided past the statutory period",
        "count",
        better="lower",
    ),
    Kpi("longest_wait_days", "Longest wait (days)", "days", better="lower"),
    Kpi("utilisation_bia", "In-house BIA utilisation", "share", headline=True),
    Kpi("utilisation_mha", "Mental health assessor utilisation", "share", headline=True),
    Kpi("utilisation_sign_off", "Authoriser utilisation", "share", headline=True),
    Kpi("capacity_bia", "BIA assessments possible at full use (in-house + bought)", "count"),
    Kpi("capacity_mha", "Mental health assessments possible at full use", "count"),
    Kpi("capacity_sign_off", "Sign-offs possible at full use", "count"),
    Kpi("independent_assessments", "Independent BIA assessments bought", "count"),
    Kpi("mental_health_assessments", "Mental health assessments", "count"),
    Kpi("cost_in_house_bia", "Cost: in-house BIAs", "money"),
    Kpi("cost_independent_bia", "Cost: independent BIA assessments", "money"),
    Kpi("cost_mental_health", "Cost: mental health assessments", "money"),
    Kpi("cost_sign_off", "Cost: sign-off", "money"),
    Kpi("cost_total", "Total cost", "money", headline=True, better="lower"),
    Kpi("cost_per_decision", "Cost per decision", "money", headline=True, better="lower"),
)
_BY_NAME = {k.name: k for k in KPI_CATALOGUE}
_LONGEST = "longest_wait_days_"


def kpi_info(name: str) -> Kpi:
    """The catalogue entry of a KPI (a per-band longest wait is made up for its band)."""
    if name in _BY_NAME:
        return _BY_NAME[name]
    if name.startswith(_LONGEST):
        band = name.removeprefix(_LONGEST)
        return Kpi(name, f"Longest wait, {band} band (days)", "days", better="lower")
    raise KeyError(f"{name!r} is not a KPI in simulation.kpi_catalogue.KPI_CATALOGUE")


#: The values a KPI of each unit can take (a share is between 0 and 1; counts, days and money are not
#: negative): an interval for a mean is cut to them.
UNIT_BOUNDS: dict[str, tuple[float, float]] = {
    "share": (0.0, 1.0),
    "count": (0.0, math.inf),
    "days": (0.0, math.inf),
    "weeks": (0.0, math.inf),
    "money": (0.0, math.inf),
    "flag": (0.0, 1.0),
}


def bounds(name: str) -> tuple[float, float]:
    """The values KPI ``name`` can take (unbounded for a column that is not in the catalogue)."""
    try:
        return UNIT_BOUNDS[kpi_info(name).unit]
    except KeyError:
        return -math.inf, math.inf


def headline_kpis() -> tuple[str, ...]:
    """Names of the headline KPIs, in display order."""
    return tuple(k.name for k in KPI_CATALOGUE if k.headline)


#: Staff groups in the order an application meets them, with the names a commissioner uses.
STAFF_GROUPS: dict[str, str] = {
    "bia": "best interests assessors",
    "mha": "mental health assessors",
    "sign_off": "authorisers",
}
#: A staff group at least this busy is saturated: it can be what limits throughput. Not 0.95: a group
#: downstream of others idles while the first cases reach it and when cases close mid-assessment, so a
#: bottleneck with work always waiting shows about 90% over a run (the example council's mental health
#: assessors at 14 BIA FTE and 400 bought a month: 89.9%, deciding 90% of their capacity).
SATURATED = 0.85


def binding_staff_group(summary: pd.DataFrame) -> tuple[str, float] | None:
    """The staff group that limits how many applications are decided, and its utilisation; None when no
    group is saturated (capacity exceeds the work: demand, not staff, sets the pace).

    Why not simply the busiest: with a backlog, every group upstream of the bottleneck is busy too (BIAs
    keep assessing while the mental health assessors' list grows). The binding group is the saturated one
    with the least capacity (assessments it could do at full use over the run), so adding to any other
    group would not raise throughput.
    """
    means = summary.set_index("kpi")["mean"]
    candidates = [
        (float(means[f"capacity_{g}"]), g, float(means[f"utilisation_{g}"]))
        for g in STAFF_GROUPS
        if f"capacity_{g}" in means.index and not math.isnan(float(means[f"capacity_{g}"]))
    ]
    saturated = [c for c in candidates if c[2] >= SATURATED]
    if not saturated:
        return None
    _, group, utilisation = min(saturated)
    return group, utilisation


def binding_sentence(summary: pd.DataFrame) -> str:
    """What limits throughput, in words a commissioner can act on."""
    found = binding_staff_group(summary)
    if found is None:
        return "No staff group is saturated: capacity exceeds the work, so demand sets the pace."
    group, utilisation = found
    others = [name for g, name in STAFF_GROUPS.items() if g != group]
    return (
        f"The binding constraint is {STAFF_GROUPS[group]} ({utilisation:.0%} busy): adding "
        f"{' or '.join(others)} will not decide more applications; more {STAFF_GROUPS[group]}' time will."
    )
