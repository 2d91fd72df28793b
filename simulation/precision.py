"""Precision mode: add replications until every named KPI's 95% CI is as narrow as asked (with a cap).

``--precision 0.05 --kpi weeks_to_clear,unauthorised_person_days``: stop at the first number of
replications at which, for every option and every KPI named, the CI's half-width is within 5% of the
mean. Why "the first number": that number depends only on the replications' values, which depend only
on the seed, so it is the same whichever executor ran them and however many ran ahead. Options that
are compared pair by pair (``compare``, a plan's finalists) move together, so they keep the same
replications.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulation.evaluator import Evaluator, KpiRow, Option
from simulation.experiment import CONFIDENCE
from simulation.metrics import kpi_info
from triage.errors import DolsSimError

DEFAULT_MAX_REPS = 500


@dataclass(frozen=True)
class Precision:
    """What precision mode aims for: the relative CI half-width, the KPIs it applies to, the cap."""

    target: float
    kpis: tuple[str, ...]
    max_reps: int = DEFAULT_MAX_REPS

    def __post_init__(self) -> None:
        if not 0 < self.target < 1:
            raise DolsSimError(f"--precision: must be between 0 and 1 (0.05 = within 5%), got {self.target}")
        if not self.kpis:
            raise DolsSimError("--kpi: name at least one KPI for --precision, e.g. --kpi cost_total")
        for name in self.kpis:
            try:
                kpi_info(name)
            except KeyError:
                raise DolsSimError(f"--kpi: {name!r} is not a KPI (see replications.csv's columns)") from None
        if self.max_reps < 2:
            raise DolsSimError(f"--max-reps: must be >= 2, got {self.max_reps}")


@dataclass(frozen=True)
class Settled:
    """Where precision mode stopped for a group of options: replications, reached or capped, and the
    widest relative half-width of each KPI there (across the group's options)."""

    reps: int
    reached: bool
    widths: dict[str, float]

    def sentence(self, target: float) -> str:
        kpis = ", ".join(self.widths)
        if self.reached:
            return f"precision {target:.0%} reached for {kpis} with {self.reps} replications"
        worst = ", ".join(f"{k} {_share(w)}" for k, w in self.widths.items() if not w <= target)
        return (
            f"precision {target:.0%} NOT reached: stopped at the cap of {self.reps} replications "
            f"(relative half-width {worst})"
        )


def _share(width: float) -> str:
    return "not estimable" if not math.isfinite(width) else f"{width:.1%}"


def prefix_widths(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Relative 95% CI half-width of the mean of the first n values, for n = 1..len(values).

    Missing values (a KPI a replication could not measure) are left out, as :func:`t_interval` does;
    fewer than two values, or a spread about a mean of 0, cannot be estimated (infinite); no spread
    about a mean of 0 is exact (0).
    """
    from scipy import stats

    x = np.asarray(values, dtype=float)
    ok = ~np.isnan(x)
    shift = x[ok][0] if ok.any() else 0.0  # sums about the first value keep the variance accurate
    d = np.where(ok, x - shift, 0.0)
    n = np.cumsum(ok)
    s1, s2 = np.cumsum(d), np.cumsum(d * d)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_d = s1 / n
        var = np.maximum(s2 - n * mean_d * mean_d, 0.0) / (n - 1)
        t = stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(n - 1, 1))
        half = t * np.sqrt(var) / np.sqrt(n)
        mean = np.abs(mean_d + shift)
        width = np.where(half == 0, 0.0, half / mean)
    width = np.where(n < 2, np.inf, width)
    return np.where(np.isnan(width), np.inf, width)


def _widths(rows: list[KpiRow], kpis: Sequence[str]) -> dict[str, np.ndarray]:
    return {k: prefix_widths([r.get(k, math.nan) for r in rows]) for k in kpis}


def first_reached(group_rows: Sequence[list[KpiRow]], precision: Precision, start: int) -> int | None:
    """The smallest n >= ``start`` (within the rows there are) at which every option of the group has
    every KPI within the target; None if there is none yet."""
    n_have = min(len(rows) for rows in group_rows)
    ok = np.ones(n_have, dtype=bool)
    for rows in group_rows:
        for width in _widths(rows[:n_have], precision.kpis).values():
            ok &= width <= precision.target
    hits = np.flatnonzero(ok[start - 1 :]) if n_have >= start else np.array([], dtype=int)
    return int(hits[0]) + start if hits.size else None


def widest(group_rows: Sequence[list[KpiRow]], kpis: Sequence[str], n: int) -> dict[str, float]:
    """Each KPI's widest relative half-width over the first ``n`` replications of the group's options."""
    out = {}
    for k in kpis:
        out[k] = max(float(prefix_widths([r.get(k, math.nan) for r in rows[:n]])[-1]) for rows in group_rows)
    return out


def next_reps(widest: dict[str, float], n: int, precision: Precision) -> int:
    """How many replications to have next: enough by the usual 1/sqrt(n) rule, at least one more."""
    ratio = max(widest.values())
    guess = n * 2 if not math.isfinite(ratio) else math.ceil(n * (ratio / precision.target) ** 2 * 1.05)
    return int(min(precision.max_reps, max(n + 1, guess)))


def settle(
    evaluator: Evaluator, groups: Sequence[Sequence[Option]], reps: int, precision: Precision
) -> list[Settled]:
    """Run each group of options until precision is reached (or the cap); returns where each stopped.

    Groups whose options must keep the same replications (a comparison) are one group; independent
    options (a sweep) are a group each. All groups still short run side by side.
    """
    start = min(max(reps, 2), precision.max_reps)
    have = [start] * len(groups)
    done: list[Settled | None] = [None] * len(groups)
    while True:
        evaluator.ensure(
            (o, i) for g, group in enumerate(groups) if done[g] is None for o in group for i in range(have[g])
        )
        for g, group in enumerate(groups):
            if done[g] is not None:
                continue
            rows = [evaluator.rows(o, have[g]) for o in group]
            n = first_reached(rows, precision, start)
            if n is not None or have[g] >= precision.max_reps:
                stop = n if n is not None else have[g]
                done[g] = Settled(stop, n is not None, widest(rows, precision.kpis, stop))
            else:
                have[g] = next_reps(widest(rows, precision.kpis, have[g]), have[g], precision)
        if all(d is not None for d in done):
            return [d for d in done if d is not None]
