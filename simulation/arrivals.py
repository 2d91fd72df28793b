"""When requests arrive and what their forms say: monthly Poisson arrivals, the mix of request types,
settings and support reasons, the screening answers, and the age and setting of a generated backlog.

Vectorised over a batch (all new requests of a run at once): per-application Python in the setup would
cost more than the simulation itself. Time is in days from the start of the horizon (day 0 =
``horizon.start_date``); an application arriving at time ``t`` was received on day ``floor(t)``.
"""

from __future__ import annotations

import calendar
from datetime import date

import numpy as np

import triage
from simulation.scenario import MONTH_DAYS, Demand, Distribution, Horizon, Scenario, SettingClosure
from triage.vocabulary import REQUEST_TYPES, SUPPORT_REASONS

STANDARD, URGENT, RENEWAL = (REQUEST_TYPES.index(t) for t in ("standard", "urgent", "renewal"))


def add_months(start: date, months: int) -> date:
    """``start`` moved on by whole calendar months (31 Jan + 1 month = 28/29 Feb)."""
    y, m = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def month_edges(horizon: Horizon) -> np.ndarray:
    """Day offsets of the start of each month of the horizon, and of its end (``months + 1`` values)."""
    start = horizon.start_date
    return np.array(
        [(add_months(start, m) - start).days for m in range(horizon.months + 1)], dtype=np.float64
    )


def monthly_means(demand: Demand, horizon: Horizon) -> np.ndarray:
    """Expected new requests in each month of the horizon (trend, seasonality or observed counts)."""
    edges = month_edges(horizon)
    days = np.diff(edges)
    mid = edges[:-1] + days / 2
    growth = (1 + demand.growth_pct_per_year / 100) ** (mid / 365.25)
    if demand.observed_monthly_counts:
        counts = np.asarray(demand.observed_monthly_counts, dtype=float)
        return counts[np.arange(horizon.months) % len(counts)] * growth
    season = np.asarray(demand.seasonality, dtype=float)
    season = season / season.mean()
    start = horizon.start_date
    month_of_year = np.array([add_months(start, m).month - 1 for m in range(horizon.months)])
    return demand.applications_per_month * season[month_of_year] * growth * days / MONTH_DAYS


def arrival_times(demand: Demand, horizon: Horizon, rng: np.random.Generator) -> np.ndarray:
    """Sorted arrival times of new requests: Poisson counts per month, uniform within the month.

    With a constant rate this is exactly a homogeneous Poisson process (the textbook M/M/c input).
    """
    edges = month_edges(horizon)
    counts = rng.poisson(monthly_means(demand, horizon))
    starts = np.repeat(edges[:-1], counts)
    widths = np.repeat(np.diff(edges), counts)
    times = starts + rng.random(int(counts.sum())) * widths
    times.sort()
    return times


def sample(dist: Distribution, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` draws of a positive quantity with the distribution's mean (and sd)."""
    if dist.kind == "fixed":
        return np.full(n, dist.mean)
    if dist.kind == "exponential":
        return rng.exponential(dist.mean, n)
    if dist.kind == "lognormal":
        sigma2 = np.log1p((dist.sd / dist.mean) ** 2)
        return rng.lognormal(np.log(dist.mean) - sigma2 / 2, np.sqrt(sigma2), n)
    shape = (dist.mean / dist.sd) ** 2
    return rng.gamma(shape, dist.sd**2 / dist.mean, n)


def draw_request_columns(
    n: int,
    demand: Demand,
    criteria: triage.Criteria,
    rng: np.random.Generator,
    *,
    request_type: np.ndarray | None = None,
    setting: np.ndarray | None = None,
    support_reason: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """What the managing authorities' forms say, as the screening columns :func:`triage.screen` reads.

    Request type, setting and support reason are drawn from the mix unless given (a renewal keeps its
    person's setting and support reason). Each screening flag is "yes" with its prevalence and blank
    with ``blank_flag_share``; renewal-only flags are blank on other requests, as on a real form.
    """
    mix = demand.mix
    u_type, u_setting, u_reason = rng.random(n), rng.random(n), rng.random(n)
    if request_type is None:
        codes = np.where(
            u_type < mix.urgent_share,
            URGENT,
            np.where(u_type < mix.urgent_share + mix.renewal_share, RENEWAL, STANDARD),
        )
        request_type = np.asarray(REQUEST_TYPES, dtype=object)[codes]
    if setting is None:
        setting = np.where(u_setting < mix.hospital_share, "hospital", "care_home").astype(object)
    if support_reason is None:
        cum = np.cumsum(mix.primary_support_reason.as_tuple())
        idx = np.minimum(np.searchsorted(cum, u_reason * cum[-1], side="right"), len(cum) - 1)
        support_reason = np.asarray(SUPPORT_REASONS, dtype=object)[idx]
    columns: dict[str, np.ndarray] = {
        "request_type": request_type,
        "setting": setting,
        "primary_support_reason": support_reason,
    }
    is_renewal = np.asarray(request_type, dtype=object) == "renewal"
    for flag in criteria.inputs.flags:
        yes = rng.random(n) < demand.flags.get(flag, 0.0)
        blank = rng.random(n) < demand.blank_flag_share
        values = np.where(blank, triage.UNKNOWN, np.where(yes, triage.YES, triage.NO)).astype(np.int8)
        if flag in criteria.inputs.renewal_only:
            values[~is_renewal] = triage.UNKNOWN
        columns[flag] = values
    return columns


def leave_hazard(closure: SettingClosure) -> float:
    """The daily hazard that a person leaves a setting (dies, or circumstances change), a fixed stay
    counted as its mean's reciprocal: what decides whether they are still there for a renewal."""
    stay = 1 / closure.stay_days.mean if closure.stay_days is not None else 0.0
    return closure.died_per_day + closure.circumstances_changed_per_day + stay


def still_waiting(closure: SettingClosure, ages: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The chance that a request of this age has not yet closed (for who is still in a backlog)."""
    alive = np.exp(-(closure.died_per_day + closure.circumstances_changed_per_day) * ages)
    if closure.stay_days is not None:
        stays = np.sort(sample(closure.stay_days, rng, 4096))
        alive *= 1 - np.searchsorted(stays, ages, side="right") / len(stays)
    return alive


def backlog_settings(scenario: Scenario, ages: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Settings of a generated backlog, given how long each application has waited.

    The backlog is who is *still* waiting: of requests received ``a`` days ago, hospital ones survive
    (have not closed: a short stay, a higher hazard) far less often than care home ones, so an old
    backlog is mostly care homes.
    """
    share = scenario.demand.mix.hospital_share
    closure = scenario.closure
    hospital = share * still_waiting(closure.hospital, ages, rng)
    care_home = (1 - share) * still_waiting(closure.care_home, ages, rng)
    total = hospital + care_home
    p_hospital = np.divide(hospital, total, out=np.zeros_like(total), where=total > 0)
    return np.where(rng.random(len(ages)) < p_hospital, "hospital", "care_home").astype(object)


def generated_backlog_ages(scenario: Scenario, rng: np.random.Generator) -> np.ndarray:
    """Days already waited by each application of a generated starting backlog (uniform within bands)."""
    backlog = scenario.initial_backlog
    n = backlog.size
    upper = np.array([b.up_to_days for b in backlog.age_profile])
    lower = np.concatenate([[0.0], upper[:-1]])
    shares = np.array([b.share for b in backlog.age_profile])
    band = rng.choice(len(shares), size=n, p=shares / shares.sum())
    return lower[band] + rng.random(n) * (upper[band] - lower[band])
