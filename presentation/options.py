"""Sweeps, comparisons and plans for people: options in words, KPIs with their CIs, a plan's answer.

Shared by the command line (printed as rich tables) and the page, so both say the same thing the same
way. Numbers go through :mod:`presentation.formats`; KPI labels come from the catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from presentation.formats import format_value, money, number, plural
from presentation.tables import ci_text
from simulation.metrics import STAFF_GROUPS, kpi_info

if TYPE_CHECKING:
    from simulation.plan import Evaluation, PlanResult, PostCost

#: What a sweep's table shows per option by default (the commissioner's questions).
SWEEP_KPIS: tuple[str, ...] = ("cleared_within_horizon", "unauthorised_person_days", "cost_total")


def show(value: Any) -> str:
    """A varied value as a person reads it: 6 not 6.0, thousands separated."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return number(value, 0 if float(value).is_integer() else None)


def option_text(values: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> str:
    """``staffing.bia_fte 8, staffing.independent_bia_per_month 150`` (or with the given labels)."""
    names = labels or {}
    return ", ".join(f"{names.get(k, k)} {show(v)}" for k, v in values.items()) or "as the scenario"


def sweep_table(
    summary: pd.DataFrame, keys: Sequence[str], kpis: Sequence[str] = SWEEP_KPIS, currency: str = "GBP"
) -> pd.DataFrame:
    """One row per option: the varied keys, then each KPI's mean (95% CI) under its label."""
    rows = []
    for values, part in summary.groupby(list(keys), sort=False):
        values = values if isinstance(values, tuple) else (values,)
        row = {k: show(v) for k, v in zip(keys, values, strict=True)}
        for kpi in kpis:
            if kpi in set(part["kpi"]):
                row[kpi_info(kpi).label] = ci_text(part, kpi, currency)
        rows.append(row)
    return pd.DataFrame(rows)


def _chance(e: Evaluation, reps: int) -> str:
    """``95% (19 of 20 replications)``; ``100% (20 of 20, 12 inferred)`` when some outcomes were carried
    over from a smaller option; for an option run only until it surely clears, the least it can be:
    ``at least 90% (18 of 20 known)``."""
    if e.complete:
        return f"{e.probability:.0%} ({e.cleared} of {plural(e.reps, 'replication')})"
    if e.reps >= reps:
        return f"{e.probability:.0%} ({e.cleared} of {e.reps}, {len(e.inferred)} inferred)"
    return f"at least {e.cleared / reps:.0%} ({e.cleared} of {reps} known)"


def plan_table(
    result: PlanResult, currency: str = "GBP", labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The answer and its runners-up: option, chance of clearing by the date, cost in all and a year."""
    rows = []
    roles = [("cheapest", result.answer)] if result.answer else []
    roles += [("runner-up", e) for e in result.runners_up]
    for role, e in roles:
        if e is None:
            continue
        cost = e.mean("cost_total")
        names = labels or {}
        rows.append(
            {
                "": role,
                **{names.get(k, k): show(v) for k, v in e.option.as_dict.items()},
                "chance of clearing by the date": _chance(e, result.reps),
                f"cost over {plural(result.run_months, 'month')}": money(cost, currency),
                "cost a year": money(result.per_year(cost), currency),
            }
        )
    return pd.DataFrame(rows)


def plan_headline(result: PlanResult, currency: str = "GBP", labels: Mapping[str, str] | None = None) -> str:
    """The answer in one sentence, or the plain statement that nothing in the ranges does."""
    goal = (
        f"below {number(result.target, 0)} open by {result.clear_by} in at least "
        f"{result.confidence:.0%} of replications"
    )
    if result.answer is None:
        group = result.binding_staff_group
        binds = f"; {STAFF_GROUPS[group]} then bind" if group else ""
        top = result.top
        return (
            f"Nothing in the ranges gets the backlog {goal}: even the biggest option "
            f"({option_text(top.option.as_dict, labels)}) clears in {_chance(top, result.reps)}{binds}."
        )
    e = result.answer
    cost = e.mean("cost_total")
    months = plural(result.run_months, "month")
    return (
        f"Cheapest option that gets the backlog {goal}: {option_text(e.option.as_dict, labels)}. "
        f"Chance {_chance(e, result.reps)}; cost {money(cost, currency)} over {months} "
        f"from {result.start} (about {money(result.per_year(cost), currency)} a year)."
    )


def relief_sentence(result: PlanResult) -> str:
    """The relief capacity beside what the simulation needed, and why they may differ."""
    r = result.relief
    which = "the cheapest option" if result.answer else "the biggest option"
    return (
        f"Relief capacity (NHS waiting-list formula): {number(r['relief_capacity'], 0)} a month = demand "
        f"{number(r['demand_per_month'], 0)} + ({number(r['backlog_at_start'], 0)} open − target "
        f"{number(r['backlog_target'], 0)}) / {number(r['months_to_date'], 1)} months. In the simulation "
        f"{which} can do {number(r['option_bia_capacity_per_month'], 0)} BIA assessments a month and "
        f"decides {number(r['option_decided_per_month'], 0)}, while "
        f"{number(r['option_closed_per_month'], 0)} a month close without one (discharged, moved, died)."
    )


def search_sentence(result: PlanResult) -> str:
    """How much of the grid the search ran, and whether clearing behaved as it assumes."""
    m = result.monotonicity
    broken = m["bigger_did_worse"] + len(m["expected_to_clear_but_did_not"])
    pairs = plural(m["pairs_checked"], "pair")
    checked = (
        "nothing to cross-check"
        if not m["pairs_checked"]
        else f"clearing rose with capacity in every pair of options checked ({pairs})"
        if not broken
        else f"WARNING: in {broken} of {number(m['pairs_checked'], 0)} pairs a bigger option cleared less "
        "often (listed in plan.json): a sweep around the answer settles it"
    )
    return (
        f"Searched {plural(len(result.evaluated), 'option')} of {number(result.grid_size, 0)} in the "
        f"ranges ({plural(result.replications, 'replication')}); {checked}."
    )


def heat_frame(evaluations: Sequence[Evaluation], keys: Sequence[str], currency: str = "GBP") -> pd.DataFrame:
    """One row per grid option for a heat map: its keys, chance of clearing by the date, mean cost and
    unauthorised person-days, each with its text for people."""
    rows = []
    for e in evaluations:
        cost, days = e.mean("cost_total"), e.mean("unauthorised_person_days")
        rows.append(
            {
                **{k: e.option.as_dict[k] for k in keys},
                "chance": e.probability,
                "chance_text": f"{e.probability:.0%}",
                "cost": cost,
                "cost_text": money(cost, currency),
                "unauthorised": days,
                "unauthorised_text": format_value(days, "count"),
            }
        )
    return pd.DataFrame(rows)


def added_staff_said(
    added: Mapping[str, tuple[float, float]],
    costs: Sequence[PostCost],
    currency: str = "GBP",
    labels: Mapping[str, str] | None = None,
) -> str:
    """What a plan assumed beyond the ranges searched: the staff raised to keep up with the biggest
    option, and what they cost as posts (a commissioner must not read the answer's cost as covering
    posts it prices only per piece of work). '' when nothing was added."""
    if not added:
        return ""
    names = labels or {}
    priced = {c.key: c for c in costs}
    parts = []
    for key, (before, after) in added.items():
        part = f"{names.get(key, key)} {show(before)} → {show(after)}"
        cost = priced.get(key)
        if cost is not None:
            part += (
                f": {money(cost.per_year, currency)} a year as posts ({show(round(cost.added, 2))} × "
                f"{number(cost.hours_a_year, 0)} productive hours at {money(cost.per_hour, currency)} an "
                "hour, the scenario's fee over the hours the work takes)"
            )
        parts.append(part)
    total = sum(c.per_year for c in costs)
    said = "To keep up with the biggest option, the search also raised " + "; ".join(parts) + "."
    if total > 0:
        said += (
            f" The option's cost counts their work at the fee; funding them as posts adds up to "
            f"{money(total, currency)} a year."
        )
    return said
