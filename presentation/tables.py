"""Result tables for people: KPI labels from the catalogue, values formatted by unit, CIs beside means.

The CSV files keep the raw names and full precision (scripts read them); these are what a person reads on
the page, in the terminal and in the report.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from presentation.formats import format_value, format_with_ci
from simulation.compare import verdict
from simulation.metrics import kpi_info


def estimate(summary: pd.DataFrame, kpi: str) -> tuple[float, float, float]:
    """(mean, ci_low, ci_high) of one KPI in a summary.

    A position lookup, not a boolean mask: the page's results call this for every KPI on every rerun,
    and a mask costs pandas about 3 ms a call (a quarter of a second for the tables).
    """
    try:
        i = summary["kpi"].tolist().index(kpi)
    except ValueError:
        raise KeyError(f"{kpi!r} is not in the summary") from None
    mean, low, high = (
        float(summary[column].to_numpy(dtype=float)[i]) for column in ("mean", "ci_low", "ci_high")
    )
    return mean, low, high


def ci_text(summary: pd.DataFrame, kpi: str, currency: str = "GBP") -> str:
    """One KPI of a summary as ``mean (low–high)``, formatted by its unit.

    ``weeks_to_clear`` is a mean over the replications that cleared: it says so when some did not, and is
    "not within the horizon" when none did (a horizon is never shown as if it were a result).
    """
    if kpi == "weeks_to_clear":
        return clear_text(summary)
    return format_with_ci(*estimate(summary, kpi), kpi_info(kpi).unit, currency)


def clear_text(summary: pd.DataFrame) -> str:
    """Weeks until the backlog is below target, honest about replications that never got there."""
    reps = dict(zip(summary["kpi"], summary["reps"].to_numpy(dtype=int), strict=True))
    cleared, total = reps.get("weeks_to_clear", 0), reps["cleared_within_horizon"]
    if cleared == 0:
        return "not within the horizon"
    shown = format_with_ci(*estimate(summary, "weeks_to_clear"), "weeks")
    return (
        shown
        if cleared == total
        else f"{shown} in {cleared} of {total} replications; not within the horizon in the rest"
    )


def kpi_table(
    summary: pd.DataFrame, names: Sequence[str] | None = None, currency: str = "GBP"
) -> pd.DataFrame:
    """``KPI`` (its label) and ``mean (95% CI)`` for the KPIs named (all in ``summary`` if None)."""
    present = list(summary["kpi"])
    rows = [
        {"KPI": kpi_info(name).label, "mean (95% CI)": ci_text(summary, name, currency)}
        for name in (names if names is not None else present)
        if name in present
    ]
    return pd.DataFrame(rows, columns=["KPI", "mean (95% CI)"])


def difference_unit(unit: str) -> str:
    """The unit of a difference: two shares differ by percentage points (54.0% against 50.0% is +4.0
    points, not 4.0% or 8%); anything else keeps its unit."""
    return "points" if unit == "share" else unit


def comparison_table(comparison: pd.DataFrame, currency: str = "GBP") -> pd.DataFrame:
    """A paired comparison (:func:`simulation.compare.paired_comparison`) for people."""
    rows = []
    numbers = comparison[["baseline", "option", "difference", "ci_low", "ci_high"]].to_numpy(dtype=float)
    for kpi, (baseline, option, difference, low, high) in zip(comparison["kpi"], numbers, strict=True):
        info = kpi_info(str(kpi))
        rows.append(
            {
                "KPI": info.label,
                "baseline": format_value(baseline, info.unit, currency),
                "option": format_value(option, info.unit, currency),
                "difference (95% CI)": format_with_ci(
                    difference, low, high, difference_unit(info.unit), currency
                ),
                "option is": verdict(str(kpi), low, high),
            }
        )
    return pd.DataFrame(rows, columns=["KPI", "baseline", "option", "difference (95% CI)", "option is"])


def waits_table(waits: pd.DataFrame, group_by: str) -> pd.DataFrame:
    """The wait table of one grouping (band, setting, ...): a row per group, a column per wait KPI."""
    part = waits.loc[waits["group_by"] == group_by]
    groups = list(dict.fromkeys(part["group"]))
    mean = dict(
        zip(zip(part["group"], part["kpi"], strict=True), part["mean"].to_numpy(dtype=float), strict=True)
    )
    out = pd.DataFrame({"group": groups})
    for kpi in dict.fromkeys(part["kpi"]):
        info = kpi_info(kpi)
        out[info.label] = [format_value(mean.get((g, kpi), float("nan")), info.unit) for g in groups]
    return out
