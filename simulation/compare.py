"""Paired comparison of two runs at the same seed (common random numbers).

Why paired: replication i of both runs drew the same arrivals, attributes and service times, so the
difference per replication has far less noise than two separate means; its t-interval tells a
commissioner whether an option really beats the baseline.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from simulation.experiment import t_interval
from simulation.metrics import KPI_CATALOGUE
from triage.errors import DolsSimError

#: What a comparison shows by default: the headline KPIs that have a better direction.
COMPARED_KPIS: tuple[str, ...] = tuple(k.name for k in KPI_CATALOGUE if k.headline and k.better)


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
