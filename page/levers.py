"""The Scenario tab's levers: which scenario keys a user can set on the page, with help for each.

Values go through :func:`simulation.scenario_file.with_values`, so they are validated exactly like a
scenario file and a mistake names the key path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import streamlit as st

from page.keep import follows, kept_widget, reset
from simulation.scenario import Scenario
from simulation.scenario_file import value_at


@dataclass(frozen=True)
class Lever:
    """One number or date on the form: its key path, label, step and the help shown beside it."""

    path: str
    label: str
    help: str
    step: float = 1.0
    whole: bool = False  # a whole number (months, applications)
    format: str = "%.1f"  # how the field shows it (money: whole units)


LEVERS: tuple[Lever, ...] = (
    Lever(
        "horizon.start_date", "Start date", "Day 1 of the simulation (with today's worklist: its as-of date)."
    ),
    Lever("horizon.months", "Months to simulate", "Length of the run, 1-600 months.", 1, whole=True),
    Lever(
        "targets.backlog_target",
        "Backlog target (open applications)",
        "'Cleared' means fewer than this many open; the chart draws it as a dashed line.",
        10,
        whole=True,
    ),
    Lever(
        "demand.applications_per_month",
        "New requests a month",
        "From care homes and hospitals; renewals of authorisations the model grants come on top.",
        10,
        format="%.0f",
    ),
    Lever("demand.growth_pct_per_year", "Demand growth (% a year)", "Compound trend in new requests.", 1),
    Lever(
        "staffing.bia_fte",
        "In-house BIAs (FTE)",
        "Funded best interests assessor posts, in full-time equivalents.",
        0.5,
    ),
    Lever(
        "staffing.vacancies.bia_vacant_fte_at_start",
        "BIA posts vacant at start (FTE)",
        "Funded but unfilled on the start date; each is filled within the hiring lag.",
        0.5,
    ),
    Lever(
        "staffing.independent_bia_per_month",
        "Independent BIA assessments bought a month",
        "Assessments bought from independent BIAs, spread evenly over the month.",
        10,
        format="%.0f",
    ),
    Lever(
        "staffing.mental_health_assessors",
        "Mental health assessors (FTE)",
        "Section 12 doctors' DoLS time, in full-time equivalents: every request needs one assessment.",
        0.5,
    ),
    Lever(
        "staffing.authorisers",
        "Authorisers (people)",
        "Managers who sign off decisions (their DoLS hours are in the scenario file).",
        0.5,
    ),
    Lever(
        "costs.bia_fte_per_year", "Cost of a BIA FTE a year", "Salary with on-costs, per filled post.", 1000
    ),
    Lever(
        "costs.independent_bia_per_assessment",
        "Cost of an independent BIA assessment",
        "Fee per bought assessment (not published nationally: use your own).",
        10,
        format="%.0f",
    ),
    Lever(
        "costs.mental_health_assessment",
        "Cost of a mental health assessment",
        "Fee per assessment by a section 12 doctor.",
        10,
        format="%.0f",
    ),
)


def lever_key(path: str) -> str:
    return f"lever_{path}"


def _shown(lever: Lever, value: Any) -> Any:
    """A scenario's value as its form field holds it (whole numbers as int, the rest as float)."""
    if isinstance(value, date):
        return value
    return int(value) if lever.whole else float(value)


def follow_base(base: Scenario, identity: str, start_date: date | None = None) -> None:
    """Every lever shows ``base``'s values when the base scenario (``identity``: shipped, uploaded,
    calibrated, from today's worklist) changes; otherwise the user's own values stand. ``start_date``:
    a start date fixed from outside (today's worklist's as-of date)."""
    if not follows("levers", identity):
        return
    for lever in LEVERS:
        reset(lever_key(lever.path), _shown(lever, value_at(base, lever.path)))
    if start_date is not None:
        reset(lever_key("horizon.start_date"), start_date)
    reset("lever_policy", base.queue.policy)
    reset("lever_proportionate", base.assessment.proportionate)


def lever_inputs(base: Scenario, columns: int = 4, start_fixed: bool = False) -> dict[str, Any]:
    """The levers as form inputs, showing the base's values until the user changes them (call
    :func:`follow_base` first); returns {key path: value as entered}. ``start_fixed``: the start date is
    the worklist's as-of date, shown and not editable."""
    cols = st.columns(columns)
    values: dict[str, Any] = {}
    for i, lever in enumerate(LEVERS):
        col = cols[i % columns]
        key = lever_key(lever.path)
        default = _shown(lever, value_at(base, lever.path))
        if isinstance(default, date):
            values[lever.path] = kept_widget(
                col.date_input,
                lever.label,
                key,
                default,
                help=lever.help,
                format="YYYY-MM-DD",
                disabled=start_fixed and lever.path == "horizon.start_date",
            )
        elif lever.whole:
            values[lever.path] = int(
                kept_widget(
                    col.number_input, lever.label, key, default, step=int(lever.step), help=lever.help
                )
            )
        else:
            values[lever.path] = kept_widget(
                col.number_input,
                lever.label,
                key,
                default,
                step=float(lever.step),
                help=lever.help,
                format=lever.format,
            )
    return values
