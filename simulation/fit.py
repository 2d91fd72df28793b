"""What calibration reports for each figure: the estimate, its confidence interval, the rows it rests on.

Why the intervals are simultaneous: a calibrated scenario rests on forty-odd figures at once (arrivals,
trend, twelve seasonal multipliers, the mix, the screening answers, closure hazards, outcomes, capacity).
Forty separate 95% intervals would miss at least one true value most of the time; the report's intervals
hold *together* with 95% confidence (Bonferroni: each is a 1 - 0.05/K interval for K figures), so "every
figure inside its interval" is what the report promises, and what the recovery tests check.

Each estimator returns a :class:`Draft` whose interval is a function of the level, so the level can be
set once the number of figures is known (:func:`finalise`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "CONFIDENCE",
    "MIN_EVENTS",
    "Draft",
    "Estimate",
    "finalise",
    "poisson_rate",
    "refused",
    "wilson",
]

#: The report's intervals hold together with this confidence.
CONFIDENCE = 0.95
#: Fewer events than this of a kind (closures by a reason, decisions, ...) and the figure is refused.
MIN_EVENTS = 30

Interval = Callable[[float], tuple[float, float]]


@dataclass(frozen=True)
class Estimate:
    """One calibrated figure: ``key`` is its scenario key path (``demand.mix.urgent_share``)."""

    key: str
    label: str
    value: float
    low: float
    high: float
    rows: int
    unit: str
    note: str = ""
    #: True: too little data; the template's value is kept and ``note`` says why.
    refused: bool = False


@dataclass(frozen=True)
class Draft:
    """An estimate before its interval's level is known."""

    key: str
    label: str
    value: float
    rows: int
    unit: str
    interval: Interval | None
    note: str = ""
    refused: bool = False


def refused(key: str, label: str, unit: str, value: float, rows: int, why: str) -> Draft:
    """A figure not estimated (too little data): ``value`` is the template's, kept."""
    return Draft(key, label, value, rows, unit, None, why, refused=True)


def _z(alpha: float) -> float:
    from scipy import stats

    return float(stats.norm.ppf(1 - alpha / 2))


def wilson(successes: int, n: int) -> Interval:
    """Wilson's score interval for a share (good near 0 and 1, unlike the normal one)."""

    def at(alpha: float) -> tuple[float, float]:
        if n == 0:
            return math.nan, math.nan
        z = _z(alpha)
        p = successes / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
        # Exactly 0 (1) when none (all) say yes: centre - half is then 0 (1) only up to rounding.
        low = 0.0 if successes == 0 else max(0.0, centre - half)
        high = 1.0 if successes == n else min(1.0, centre + half)
        return low, high

    return at


def poisson_rate(events: int, exposure: float) -> Interval:
    """The exact (Garwood) interval for a rate from ``events`` in ``exposure`` (a daily hazard)."""

    def at(alpha: float) -> tuple[float, float]:
        from scipy import stats

        if exposure <= 0:
            return math.nan, math.nan
        low = stats.chi2.ppf(alpha / 2, 2 * events) / 2 if events > 0 else 0.0
        high = stats.chi2.ppf(1 - alpha / 2, 2 * events + 2) / 2
        return float(low) / exposure, float(high) / exposure

    return at


def log_normal_interval(value: float, se_log: float) -> Interval:
    """An interval for a positive figure whose log is about normal with standard error ``se_log``."""

    def at(alpha: float) -> tuple[float, float]:
        z = _z(alpha)
        return value * math.exp(-z * se_log), value * math.exp(z * se_log)

    return at


def normal_interval(value: float, se: float) -> Interval:
    def at(alpha: float) -> tuple[float, float]:
        z = _z(alpha)
        return value - z * se, value + z * se

    return at


def t_interval(values: np.ndarray) -> Interval:
    """A Student t interval for the mean of ``values`` (monthly counts)."""

    def at(alpha: float) -> tuple[float, float]:
        from scipy import stats

        n = len(values)
        mean = float(np.mean(values))
        if n < 2:
            return math.nan, math.nan
        half = float(stats.t.ppf(1 - alpha / 2, n - 1)) * float(np.std(values, ddof=1)) / math.sqrt(n)
        return mean - half, mean + half

    return at


def finalise(drafts: list[Draft], confidence: float = CONFIDENCE) -> list[Estimate]:
    """Intervals at the level that makes them hold together with ``confidence`` (see the docstring)."""
    k = max(1, sum(1 for d in drafts if d.interval is not None))
    alpha = (1 - confidence) / k
    out = []
    for d in drafts:
        low, high = d.interval(alpha) if d.interval is not None else (math.nan, math.nan)
        out.append(Estimate(d.key, d.label, d.value, low, high, d.rows, d.unit, d.note, d.refused))
    return out
