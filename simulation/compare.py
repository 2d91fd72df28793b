"""Paired comparison of two runs at the same seed (common random numbers).

Why paired: replication i of both runs drew the same arrivals, attributes and service times, so the
difference per replication has far less noise than two separate means; its t-interval tells a
commissioner whether an option really beats the baseline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from simulation.experiment import CONFIDENCE, t_interval
from simulation.metrics import KPI_CATALOGUE, kpi_info
from triage.errors import DolsSimError

#: What a comparison shows by default: the headline KPIs that have a better direction.
COMPARED_KPIS: tuple[str, ...] = tuple(k.name for k in KPI_CATALOGUE if k.headline and k.better)


def verdict(kpi: str, low: float, high: float) -> str:
    """``better`` or ``worse`` with 95% confidence (the CI of the paired difference is on one side of 0),
    else ``no clear difference``; empty for a KPI with no better direction."""
    better = kpi_info(kpi).better
    if better is None:
        return ""
    if pd.isna(low) or pd.isna(high) or low <= 0 <= high:
        return "no clear difference"
    return "better" if (low > 0) == (better == "higher") else "worse"


def paired_comparison(
    baseline: pd.DataFrame, option: pd.DataFrame, kpis: Sequence[str] = COMPARED_KPIS
) -> pd.DataFrame:
    """Per KPI: baseline mean, option mean, mean difference (option - baseline) and its 95% CI.

    Both frames are ``Results.replications`` from runs with the same seed and number of replications.
    """
    if len(baseline) != len(option) or list(baseline["replication"]) != list(option["replication"]):
        raise DolsSimError(
            "paired comparison needs the same replications in both runs (same seed and --reps): "
            f"got {len(baseline)} and {len(option)}"
        )
    rows = []
    for kpi in kpis:
        if kpi not in baseline.columns or kpi not in option.columns:
            continue
        diff = option[kpi].to_numpy(dtype=float) - baseline[kpi].to_numpy(dtype=float)
        mean, low, high, _ = t_interval(diff)
        rows.append(
            {
                "kpi": kpi,
                "baseline": float(baseline[kpi].mean()),
                "option": float(option[kpi].mean()),
                "difference": mean,
                "ci_low": low,
                "ci_high": high,
            }
        )
    return pd.DataFrame(rows)


def unpaired_interval(
    baseline: Sequence[float] | np.ndarray, option: Sequence[float] | np.ndarray
) -> tuple[float, float, float]:
    """(difference of means, low, high): Welch's 95% t-interval, as if the runs shared no random numbers.

    Beside the paired interval it shows what common random numbers bought: the paired one is narrower
    when the two runs' replications move together.
    """
    from scipy import stats

    a = np.asarray(baseline, dtype=float)
    b = np.asarray(option, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size < 2 or b.size < 2:
        return math.nan, math.nan, math.nan
    diff = float(b.mean() - a.mean())
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0:
        return diff, diff, diff
    dof = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, dof)) * se
    return diff, diff - half, diff + half


#: The KPIs :func:`why_it_moves` reads (a run's replications have them all).
_WHY_KPIS = (
    "completed", "decided", "open_at_end", "mean_days_to_complete", "standard_completed_within_21_days_share",
    *(f"{k}_{g}" for k in ("capacity", "utilisation") for g in ("bia", "mha", "sign_off")),
)  # fmt: skip


def why_it_moves(baseline: pd.DataFrame, option: pd.DataFrame) -> list[str]:
    """A short "why" for each difference that moves against intuition (the runs' replications, paired).

    Why: a commissioner who funds more assessors and sees "mean days to complete" rise, or the share
    completed within 21 days fall, will think the model wrong. Both are the published definitions: they
    are measured over completions, and an option that clears old requests completes many long waits, so
    they get worse before they get better. And more BIA time with no more decisions is another staff
    group binding. Each sentence is said only when the paired 95% intervals show it.
    """
    from simulation.kpi_catalogue import binding_sentence, binding_staff_group

    kpis = [k for k in _WHY_KPIS if k in baseline.columns and k in option.columns]
    c = paired_comparison(baseline, option, kpis)
    diff, low, high = (
        dict(zip(c["kpi"], c[col].to_numpy(dtype=float), strict=True))
        for col in ("difference", "ci_low", "ci_high")
    )

    def clearly(kpi: str, way: str) -> bool:
        if kpi not in diff:
            return False
        return low[kpi] > 0 if way == "up" else high[kpi] < 0

    said = []
    more_done = clearly("completed", "up")
    done = f"{diff.get('completed', 0.0):,.0f} more completed"
    clearing = more_done and clearly("open_at_end", "down")  # old requests cleared, not a busier year
    if clearing and clearly("mean_days_to_complete", "up"):
        said.append(
            f"Mean days to complete rises ({diff['mean_days_to_complete']:+,.0f} days) with {done}: the "
            "published figure is the wait of each request completed, so clearing old requests raises it "
            "until they are gone."
        )
    if clearing and clearly("standard_completed_within_21_days_share", "down"):
        drop = diff["standard_completed_within_21_days_share"] * 100
        said.append(
            f"The share completed within 21 days falls ({drop:+.1f} points) with {done}: the published "
            "share is of completions, and the old requests an option clears were past 21 days long ago."
        )
    if clearly("capacity_bia", "up") and "decided" in low and low["decided"] <= 0:
        means = option[[k for k in kpis if k.startswith(("capacity_", "utilisation_"))]].mean()
        summary = pd.DataFrame({"kpi": means.index, "mean": means.to_numpy(dtype=float)})
        binding = binding_staff_group(summary)
        if binding is None or binding[0] != "bia":
            why = binding_sentence(summary)
            said.append(f"More BIA time, and no more decided: {why[0].lower()}{why[1:]}")
    return said
