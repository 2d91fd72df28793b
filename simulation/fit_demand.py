"""Demand from a history: monthly arrivals with trend and seasonality, and the mix of what arrives.

Arrivals are fitted as the model makes them (:func:`simulation.arrivals.monthly_means`): a Poisson count
each calendar month with mean ``rate x season[month of year] x (1 + growth)^(years) x days / 30.44``. The
fit is a Poisson regression (log link, the days observed in each month as the offset) solved by iterated
weighted least squares: twelve month-of-year effects and a trend, or, with under 24 whole months, a
trend and no seasonality (a month seen once cannot tell season from chance). Standard errors come from
the Fisher information, scaled up by the Pearson dispersion when the counts vary more than Poisson (real
councils' do: a provider's batch of requests), never down.

The mix is shares of the requests received in the window, each with a Wilson interval; the screening
answers are the share of "yes" among the forms that answered the question, and ``blank_flag_share`` the
share of questions left blank (a renewal-only question is not counted on other requests).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from simulation.arrivals import add_months
from simulation.fit import MIN_EVENTS, Draft, log_normal_interval, refused, wilson
from simulation.scenario import MONTH_DAYS
from triage.screening import NO, UNKNOWN, YES
from triage.vocabulary import SUPPORT_REASONS

__all__ = ["MIN_MONTHS", "SEASON_MONTHS", "ArrivalFit", "fit_arrivals", "fit_mix"]

#: Under this many months of history, calibration is refused.
MIN_MONTHS = 12
#: Seasonality is fitted from this many whole months.
SEASON_MONTHS = 24
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class ArrivalFit:
    """Fitted arrivals: the rate in an average month at ``start``, growth a year, seasonality."""

    drafts: list[Draft]
    rate_at_start: float
    growth_pct: float
    seasonality: list[float]
    monthly: pd.DataFrame  # month, days observed, requests, fitted


def month_exposure(window_start: date, as_of: date) -> pd.DataFrame:
    """Calendar months from ``window_start`` to ``as_of`` (both included): first day, days observed,
    and the middle of the observed days (days from ``window_start``)."""
    rows = []
    first = date(window_start.year, window_start.month, 1)
    m = 0
    while True:
        lo = add_months(first, m)
        if lo > as_of:
            break
        hi = add_months(first, m + 1)
        begin, end = max(lo, window_start), min(hi, date.fromordinal(as_of.toordinal() + 1))
        days = (end - begin).days
        mid = (begin - window_start).days + days / 2
        rows.append({"month": lo, "days": days, "mid": mid, "moy": lo.month - 1})
        m += 1
    return pd.DataFrame(rows)


def _poisson_fit(y: np.ndarray, x: np.ndarray, offset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Poisson regression by iterated weighted least squares: coefficients and their covariance."""
    mean_rate = max(y.sum(), 1.0) / np.exp(offset).sum()
    beta = np.linalg.lstsq(x, np.full(len(y), math.log(mean_rate)), rcond=None)[0]
    for _ in range(100):
        eta = x @ beta + offset
        mu = np.exp(eta)
        z = eta - offset + (y - mu) / mu
        xtw = x.T * mu
        new = np.linalg.solve(xtw @ x, xtw @ z)
        if np.max(np.abs(new - beta)) < 1e-10:
            beta = new
            break
        beta = new
    mu = np.exp(x @ beta + offset)
    cov = np.linalg.inv((x.T * mu) @ x)
    dof = len(y) - x.shape[1]
    dispersion = float(np.sum((y - mu) ** 2 / mu) / dof) if dof > 0 else 1.0
    return beta, cov * max(1.0, dispersion)


def fit_arrivals(received: pd.Series, window_start: date, as_of: date, start: date) -> ArrivalFit:
    """Fit monthly arrivals of the requests ``received`` in ``[window_start, as_of]``; the rate is given
    for an average month at ``start`` (the calibrated scenario's start date), along the fitted trend."""
    months = month_exposure(window_start, as_of)
    months = months.loc[months["days"] > 0].reset_index(drop=True)
    day = (received - pd.Timestamp(window_start)).dt.days.to_numpy()
    month_index = np.searchsorted(
        np.array([(m - window_start).days for m in months["month"]]), np.maximum(day, 0), side="right"
    )
    months["requests"] = np.bincount(month_index - 1, minlength=len(months))[: len(months)]
    whole = int((months["days"] >= 28).sum())
    seasonal = whole >= SEASON_MONTHS
    ref = float(months["mid"].mean())
    years = (months["mid"].to_numpy() - ref) / 365.25
    y = months["requests"].to_numpy(dtype=float)
    offset = np.log(months["days"].to_numpy() / MONTH_DAYS)
    if seasonal:
        x = np.column_stack([np.eye(12)[months["moy"].to_numpy()], years])
    else:
        x = np.column_stack([np.ones(len(y)), years])
    beta, cov = _poisson_fit(y, x, offset)
    effects, b = beta[:-1], float(beta[-1])
    weights = np.exp(effects) / np.exp(effects).sum()
    shift = ((start - window_start).days - ref) / 365.25
    log_rate = math.log(float(np.mean(np.exp(effects)))) + b * shift
    grad = np.concatenate([weights, [shift]])
    se_rate = math.sqrt(float(grad @ cov @ grad))
    rate = math.exp(log_rate)
    n = int(y.sum())
    span = f"{months['month'].iloc[0]:%Y-%m} to {months['month'].iloc[-1]:%Y-%m}"
    drafts = [
        Draft(
            "demand.applications_per_month",
            f"Requests a month (average month, at {start.isoformat()})",
            rate,
            n,
            "per_month",
            log_normal_interval(rate, se_rate),
            f"Poisson regression on {len(months)} months, {span}",
        ),
    ]
    se_b = math.sqrt(float(cov[-1, -1]))
    growth = 100 * (math.exp(b) - 1)

    def growth_interval(alpha: float) -> tuple[float, float]:
        from scipy import stats

        z = float(stats.norm.ppf(1 - alpha / 2))
        return 100 * (math.exp(b - z * se_b) - 1), 100 * (math.exp(b + z * se_b) - 1)

    drafts.append(Draft("demand.growth_pct_per_year", "Growth (% a year)", growth, n, "pct", growth_interval))
    season = [1.0] * 12
    if seasonal:
        season = [float(w * 12) for w in weights]
        for j in range(12):
            grad_j = -weights.copy()
            grad_j[j] += 1.0
            se_j = math.sqrt(float(grad_j @ cov[:-1, :-1] @ grad_j))
            rows_j = int(y[months["moy"].to_numpy() == j].sum())
            drafts.append(
                Draft(
                    f"demand.seasonality[{j}]",
                    f"Seasonal multiplier, {MONTH_NAMES[j]}",
                    season[j],
                    rows_j,
                    "multiplier",
                    log_normal_interval(season[j], se_j),
                )
            )
    else:
        drafts.append(
            refused(
                "demand.seasonality",
                "Seasonal multipliers",
                "multiplier",
                1.0,
                n,
                f"not fitted: needs {SEASON_MONTHS} whole months, got {whole}; flat",
            )
        )
    months["fitted"] = np.exp(x @ beta + offset)
    return ArrivalFit(drafts, rate, growth, season, months)


def _share(key: str, label: str, yes: int, n: int) -> Draft:
    return Draft(key, label, yes / n if n else math.nan, n, "share", wilson(yes, n))


def fit_mix(
    new: pd.DataFrame, arrivals: pd.DataFrame, flags: tuple[str, ...], renewal_only: tuple[str, ...]
) -> list[Draft]:
    """Shares of setting, urgent authorisations and support reason among the ``new`` requests (renewals
    are the model's own: it makes one for each authorisation it grants, in the person's setting), and of
    the screening answers among all ``arrivals`` (renewal-only questions among renewals)."""
    n = len(new)
    rtype = new["request_type"].to_numpy()
    drafts = [
        _share("demand.mix.hospital_share", "Share from hospitals (new requests)",
               int((new["setting"] == "hospital").sum()), n),
        _share("demand.mix.urgent_share", "Share with an urgent authorisation (new requests)",
               int((rtype == "urgent").sum()), n),
    ]  # fmt: skip
    reason = new["primary_support_reason"].to_numpy()
    known = np.isin(reason, SUPPORT_REASONS)
    for name in SUPPORT_REASONS:
        drafts.append(
            _share(
                f"demand.mix.primary_support_reason.{name}",
                f"Support reason: {name.replace('_', ' ')}",
                int((reason == name).sum()),
                int(known.sum()),
            )
        )
    blanks = asked = 0
    everyone = len(arrivals)
    is_renewal = arrivals["request_type"].to_numpy() == "renewal"
    for flag in flags:
        values = arrivals[flag].to_numpy() if flag in arrivals.columns else np.full(everyone, UNKNOWN)
        on = is_renewal if flag in renewal_only else np.ones(everyone, dtype=bool)
        yes, no = int((values[on] == YES).sum()), int((values[on] == NO).sum())
        blanks += int((values[on] == UNKNOWN).sum())
        asked += int(on.sum())
        drafts.append(
            _share(f"demand.flags.{flag}", f"Form says yes: {flag.replace('_', ' ')}", yes, yes + no)
        )
    drafts.append(_share("demand.blank_flag_share", "Screening questions left blank", blanks, asked))
    return [d if d.rows >= MIN_EVENTS else _too_few(d) for d in drafts]


def _too_few(d: Draft) -> Draft:
    return refused(d.key, d.label, d.unit, math.nan, d.rows, f"only {d.rows} rows (need {MIN_EVENTS})")
