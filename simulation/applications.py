"""Simulated applications: when they arrive, what their forms say, their band, deadlines and queue keys.

Everything here is vectorised over a batch of applications (all new requests of a run at once, the
starting backlog at once, renewals a week at a time), because per-application Python in the setup would
cost more than the simulation itself. Each batch is banded by the real screening rules
(:func:`triage.screen`), given its statutory clock through :func:`triage.last_day_offset` (the one
counting convention) and ordered by :func:`triage.sort_keys` (the same policy code as the worklist).

Time is in days from the start of the horizon (day 0 = ``horizon.start_date``); an application arriving at
time ``t`` was received on day ``floor(t)``. A deadline "end" is the end of the last lawful day.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

import triage
from simulation.scenario import MONTH_DAYS, Demand, Distribution, Horizon, Scenario
from simulation.streams import GroupStreams
from triage.clock import extension_adds_days
from triage.vocabulary import REQUEST_TYPES, SETTINGS, SUPPORT_REASONS

if TYPE_CHECKING:
    from simulation.admission import Admitted

#: Support reasons as coded in the run log; a worklist may leave the reason blank.
SUPPORT_REASON_CODES: tuple[str, ...] = (*SUPPORT_REASONS, "not_recorded")
STANDARD, URGENT, RENEWAL = (REQUEST_TYPES.index(t) for t in ("standard", "urgent", "renewal"))

#: A renewal request arrives at least this many days after the decision that granted the authorisation
#: (renewals are gathered a week at a time, so their keys are computed in batches).
MIN_RENEWAL_DELAY_DAYS = 7.0


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


@dataclass(frozen=True)
class Draws:
    """Random numbers per application, each from its own stream (see :data:`streams.APP_STREAMS`)."""

    bia_hours: np.ndarray
    independent_days: np.ndarray
    mha_hours: np.ndarray
    sign_off_hours: np.ndarray
    lapse_unit: np.ndarray  # Exp(1): scaled by the setting's hazard
    outcome_u: np.ndarray  # U(0,1): granted when below granted_share
    authorisation_days: np.ndarray
    leaving_unit: np.ndarray  # Exp(1): time until the person leaves, scaled by the setting's hazard
    extension_u: np.ndarray  # U(0,1): urgent extension granted when below the share

    def take(self, start: int, stop: int) -> Draws:
        """Rows ``start:stop`` (the renewal pool hands them out in order)."""
        return Draws(**{k: v[start:stop] for k, v in self.__dict__.items()})


def draw_numbers(n: int, scenario: Scenario, streams: GroupStreams) -> Draws:
    """All per-application random numbers of a batch, in batch."""
    staffing, outcomes = scenario.staffing, scenario.outcomes
    return Draws(
        bia_hours=sample(staffing.bia_hours_per_assessment, streams["bia_hours"], n),
        independent_days=sample(staffing.independent_bia_days, streams["independent_days"], n),
        mha_hours=sample(staffing.mha_hours_per_assessment, streams["mha_hours"], n),
        sign_off_hours=sample(staffing.authoriser_hours_per_sign_off, streams["sign_off_hours"], n),
        lapse_unit=streams["lapse"].exponential(1.0, n),
        outcome_u=streams["outcome"].random(n),
        authorisation_days=sample(outcomes.authorisation_days, streams["authorisation"], n),
        leaving_unit=streams["leaving"].exponential(1.0, n),
        extension_u=streams["extension"].random(n),
    )


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


@dataclass
class Clock:
    """Statutory times of a batch, in days from the start (see the module docstring)."""

    deadline_day: np.ndarray  # last lawful day number (for queue keys; urgent: first expiry)
    urgent_expiry_day: np.ndarray  # last day of the urgent authorisation before any extension; NaN
    deadline_end: np.ndarray  # end of the last lawful day, with the extension when one is granted
    urgent_end: np.ndarray  # end of the urgent authorisation before any extension; NaN
    unauthorised_from: np.ndarray  # when an undecided person starts being deprived without authority


@dataclass
class AppBlock:
    """A batch of applications ready for the model: codes, times, service days and queue keys."""

    received: np.ndarray
    request_type: np.ndarray  # int8 code into REQUEST_TYPES
    setting: np.ndarray  # int8 code into SETTINGS
    support_reason: np.ndarray  # int8 code into SUPPORT_REASON_CODES
    band: np.ndarray  # int8 rank into criteria.all_bands
    deadline_end: np.ndarray
    urgent_end: np.ndarray
    extension_granted: np.ndarray  # bool
    unauthorised_from: np.ndarray
    bia_days: np.ndarray  # calendar days one full-time BIA spends on it
    independent_days: np.ndarray
    mha_days: np.ndarray
    sign_off_days: np.ndarray
    patience: np.ndarray  # days it can wait in queues before it lapses (inf: never)
    granted: np.ndarray  # bool: the decision, when made, is to grant
    authorisation_days: np.ndarray
    renewal_after: np.ndarray  # days from the decision to a renewal request (inf: none)
    keys: list[tuple[float, ...]]

    def __len__(self) -> int:
        return len(self.received)


def codes_of(values: np.ndarray, names: tuple[str, ...], what: str) -> np.ndarray:
    """Each value's index in ``names`` (int8), or ValueError naming an unexpected value."""
    lookup = {name: i for i, name in enumerate(names)}
    uniq, inverse = np.unique(np.asarray(values, dtype=object), return_inverse=True)
    bad = [u for u in uniq if u not in lookup]
    if bad:
        raise ValueError(f"{what}: unexpected value(s) {bad}, expected one of {list(names)}")
    return np.array([lookup[u] for u in uniq], dtype=np.int8)[inverse.reshape(-1)]


class BlockBuilder:
    """Turns a batch's screening columns and draws into an :class:`AppBlock` (rules applied once, here)."""

    def __init__(self, admitted: Admitted):
        scenario, rules = admitted.scenario, admitted.rules
        self.scenario = scenario
        self.rules = rules
        self.policy = admitted.policy
        self.policies = admitted.policies
        ts = rules.timescales
        self.timescales = ts
        self.extension_adds = extension_adds_days(ts)
        self.can_extend = ts.urgent.max_extension_days > 0
        self.renewal_window = float(ts.standard_authorisation.renewal_request_window_days)
        self.max_authorisation = float(ts.standard_authorisation.max_days)
        lapse = scenario.lapse
        self.hazard = np.array([lapse.care_home_hazard_per_day, lapse.hospital_hazard_per_day])
        self.bands = tuple(rules.criteria.all_bands)

    def clock(
        self,
        received: np.ndarray,
        request_type: np.ndarray,
        extension_granted: np.ndarray,
        authorisation_expiry: np.ndarray | None = None,
    ) -> Clock:
        """Deadlines by the rules' counting convention; ``authorisation_expiry`` (time) for renewals."""
        day = np.floor(received)
        urgent = request_type == URGENT
        renewal = request_type == RENEWAL
        expiry = np.full(len(day), np.nan)
        if renewal.any():
            expiry = received + self.renewal_window if authorisation_expiry is None else authorisation_expiry
        # The law's deadlines, composed in one place (triage.clock.deadline_days): the deadline the
        # queue orders by counts the urgent authorisation without a later extension ...
        base = triage.deadline_days(
            self.timescales,
            is_urgent=urgent,
            is_renewal=renewal,
            received_day=day,
            urgent_start_day=day,
            extended_days=np.zeros(len(day), dtype=np.int64),
            authorisation_expiry_day=np.floor(expiry),
        )
        deadline_day, urgent_last = base.deadline_day, base.urgent_expiry_day
        # ... and authority runs out at the end of the last day, extension included where granted.
        ends = triage.authority_ends(
            deadline_day=np.where(urgent, urgent_last, base.standard_last_day),
            is_urgent=urgent,
            urgent_expiry_day=urgent_last,
            extension_granted=extension_granted,
            extension_adds=self.extension_adds,
            is_renewal=renewal,
            authorisation_end=expiry,
            received=received,
        )
        return Clock(deadline_day, urgent_last, ends.decision_due, urgent_last + 1, ends.unauthorised_from)

    def build(
        self,
        columns: Mapping[str, np.ndarray],
        received: np.ndarray,
        draws: Draws,
        *,
        authorisation_expiry: np.ndarray | None = None,
        band: np.ndarray | None = None,
        clock: Clock | None = None,
    ) -> AppBlock:
        """Screen (unless ``band`` is given), clock (unless given), key and cost a batch."""
        scenario = self.scenario
        n = len(received)
        if band is None:
            band = triage.screen(columns, self.rules.criteria).band
        band = np.asarray(band, dtype=object)
        rtype = codes_of(columns["request_type"], REQUEST_TYPES, "request_type")
        setting = codes_of(columns["setting"], SETTINGS, "setting")
        reason = codes_of(columns["primary_support_reason"], SUPPORT_REASON_CODES, "primary_support_reason")
        band_code = codes_of(band, self.bands, "band")

        if clock is None:
            extension = (
                draws.extension_u < scenario.outcomes.urgent_extension_granted_share
            ) & self.can_extend
            clock = self.clock(received, rtype, extension & (rtype == URGENT), authorisation_expiry)
        # An urgent authorisation is extended when its lawful period outlasts the first expiry.
        with np.errstate(invalid="ignore"):
            extension = (rtype == URGENT) & (clock.deadline_end > clock.urgent_end)

        staffing, assessment = scenario.staffing, scenario.assessment
        factor = np.ones(n)
        if assessment.proportionate:
            desk = np.isin(band, assessment.proportionate_bands)
            if assessment.proportionate_renewals:
                desk |= rtype == RENEWAL
            factor[desk] = assessment.proportionate_hours_factor
        bia_days = draws.bia_hours * factor / (staffing.bia_productive_hours_per_week / 7)
        mha_days = draws.mha_hours / (staffing.mha_productive_hours_per_week / 7)
        sign_off_days = draws.sign_off_hours / (staffing.authoriser_productive_hours_per_week / 7)

        hazard = self.hazard[setting]
        with np.errstate(divide="ignore"):
            patience = np.where(hazard > 0, draws.lapse_unit / np.where(hazard > 0, hazard, 1), np.inf)
            stays = np.where(hazard > 0, draws.leaving_unit / np.where(hazard > 0, hazard, 1), np.inf)
        granted = draws.outcome_u < scenario.outcomes.granted_share
        length = np.clip(draws.authorisation_days, 1.0, self.max_authorisation)
        after = np.maximum(length - self.renewal_window, MIN_RENEWAL_DELAY_DAYS)
        renews = granted & (stays > after) & scenario.outcomes.renewals
        renewal_after = np.where(renews, after, np.inf)

        keys = triage.sort_keys(
            self.policy,
            self.policies,
            request_type=np.asarray(REQUEST_TYPES, dtype=object)[rtype],
            band=band,
            received_date=received,
            statutory_deadline=clock.deadline_day,
            urgent_expiry=clock.urgent_expiry_day,
        )
        return AppBlock(
            received=np.asarray(received, dtype=np.float64),
            request_type=rtype,
            setting=setting,
            support_reason=reason,
            band=band_code,
            deadline_end=clock.deadline_end,
            urgent_end=clock.urgent_end,
            extension_granted=extension,
            unauthorised_from=clock.unauthorised_from,
            bia_days=bia_days,
            independent_days=draws.independent_days,
            mha_days=mha_days,
            sign_off_days=sign_off_days,
            patience=patience,
            granted=granted,
            authorisation_days=length,
            renewal_after=renewal_after,
            keys=list(map(tuple, keys.tolist())),
        )


def backlog_settings(scenario: Scenario, ages: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Settings of a generated backlog, given how long each application has waited.

    The backlog is who is *still* waiting: of requests received ``a`` days ago, hospital ones survive
    (have not lapsed) with probability ``exp(-hazard * a)``, so an old backlog is mostly care homes.
    """
    share = scenario.demand.mix.hospital_share
    lapse = scenario.lapse
    hospital = share * np.exp(-lapse.hospital_hazard_per_day * ages)
    care_home = (1 - share) * np.exp(-lapse.care_home_hazard_per_day * ages)
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
