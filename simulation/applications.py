"""Simulated applications made ready for the model: bands, deadlines, queue keys, work and closure times.

Everything here is vectorised over a batch (all new requests of a run at once, the starting backlog at
once, renewals a week at a time). Each batch is banded by the real screening rules (:func:`triage.screen`),
given its statutory clock through :func:`triage.deadline_days` and :func:`triage.authority_ends` (the one
counting convention) and ordered by :func:`triage.sort_keys` (the same policy code as the worklist).

A queue key can change with time (a request becomes breached, an urgent authorisation runs out, a request
is no longer decidable in time). The days it can change are known in advance
(:func:`triage.transition_days`), so each block carries its keys as they will be from each such day on:
the model re-keys a waiting request exactly then, at O(log n) a change.

Time is in days from the start of the horizon (day 0 = ``horizon.start_date``). A deadline "end" is the
end of the last lawful day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

import triage
from simulation.arrivals import RENEWAL, URGENT, leave_hazard, sample
from simulation.scenario import Distribution, Scenario
from simulation.streams import GroupStreams
from triage.arrays import distinct
from triage.clock import extension_adds_days
from triage.vocabulary import REQUEST_TYPES, SETTINGS, SUPPORT_REASONS

if TYPE_CHECKING:
    from simulation.admission import Admitted

#: Support reasons as coded in the run log; a worklist may leave the reason blank.
SUPPORT_REASON_CODES: tuple[str, ...] = (*SUPPORT_REASONS, "not_recorded")

#: A key change: (time, row in its block, main-list key, ring-fence key or None).
KeyChange = tuple[float, int, tuple[float, ...], tuple[float, ...] | None]


@dataclass(frozen=True)
class Draws:
    """Random numbers per application, each from its own stream (see :data:`streams.APP_STREAMS`)."""

    bia_hours: np.ndarray
    independent_days: np.ndarray
    mha_hours: np.ndarray
    sign_off_hours: np.ndarray
    closure_unit: np.ndarray  # Exp(1): hazard budget for closing while waiting
    outcome_u: np.ndarray  # U(0,1): granted when below granted_share
    authorisation_days: np.ndarray
    leaving_unit: np.ndarray  # Exp(1): time until the person leaves, scaled by the leaving hazard
    extension_u: np.ndarray  # U(0,1): urgent extension granted when below the share
    bia_turnaround: np.ndarray  # elapsed days from allocation to the BIA's report (0: none)
    ring_turnaround: np.ndarray  # the same for the ring-fenced (duty) team
    mha_turnaround: np.ndarray
    screen_hours: np.ndarray
    stay_days: np.ndarray  # days from receipt to leaving the setting (inf: no fixed stay)
    closure_reason_u: np.ndarray  # U(0,1): which published reason a hazard closure is
    screen_close_u: np.ndarray  # U(0,1): closed at screening when below the setting's share
    deprived_u: np.ndarray  # U(0,1): a standard request's person already deprived when below the share

    def take(self, start: int, stop: int) -> Draws:
        """Rows ``start:stop`` (the renewal pool hands them out in order)."""
        return Draws(**{k: v[start:stop] for k, v in self.__dict__.items()})


def _optional(dist: Distribution | None, rng: np.random.Generator, n: int) -> np.ndarray:
    return sample(dist, rng, n) if dist is not None else np.zeros(n)


def draw_numbers(n: int, scenario: Scenario, streams: GroupStreams) -> Draws:
    """All per-application random numbers of a batch, in batch."""
    staffing, outcomes = scenario.staffing, scenario.outcomes
    hospital_stay = scenario.closure.hospital.stay_days
    return Draws(
        bia_hours=sample(staffing.bia_hours_per_assessment, streams["bia_hours"], n),
        independent_days=sample(staffing.independent_bia_days, streams["independent_days"], n),
        mha_hours=sample(staffing.mha_hours_per_assessment, streams["mha_hours"], n),
        sign_off_hours=sample(staffing.authoriser_hours_per_sign_off, streams["sign_off_hours"], n),
        closure_unit=streams["lapse"].exponential(1.0, n),
        outcome_u=streams["outcome"].random(n),
        authorisation_days=sample(outcomes.authorisation_days, streams["authorisation"], n),
        leaving_unit=streams["leaving"].exponential(1.0, n),
        extension_u=streams["extension"].random(n),
        bia_turnaround=_optional(staffing.bia_turnaround_days, streams["bia_turnaround"], n),
        ring_turnaround=_optional(
            scenario.queue.ring_fenced_turnaround_days or staffing.bia_turnaround_days,
            streams["ring_turnaround"],
            n,
        ),
        mha_turnaround=_optional(staffing.mha_turnaround_days, streams["mha_turnaround"], n),
        screen_hours=sample(scenario.screening.hours_per_request, streams["screen_hours"], n),
        stay_days=sample(hospital_stay, streams["stay"], n) if hospital_stay else np.full(n, np.inf),
        closure_reason_u=streams["closure_reason"].random(n),
        screen_close_u=streams["screen_close"].random(n),
        deprived_u=streams["already_deprived"].random(n),
    )


@dataclass
class Clock:
    """Statutory times of a batch, in days from the start (see the module docstring)."""

    deadline_day: np.ndarray  # last lawful day number (for queue keys; urgent: first expiry)
    urgent_expiry_day: np.ndarray  # last day of the urgent authorisation before any extension; NaN
    deadline_end: np.ndarray  # end of the last lawful day, with the extension when one is granted
    urgent_end: np.ndarray  # end of the urgent authorisation before any extension; NaN
    unauthorised_from: np.ndarray  # when an undecided person starts being deprived without authority
    authorisation_end: np.ndarray  # a renewal's standing authorisation ends (time); NaN


@dataclass
class AppBlock:
    """A batch of applications ready for the model: codes, times, work, closures and queue keys."""

    received: np.ndarray
    request_type: np.ndarray  # int8 code into REQUEST_TYPES
    setting: np.ndarray  # int8 code into SETTINGS
    support_reason: np.ndarray  # int8 code into SUPPORT_REASON_CODES
    band: np.ndarray  # int8 rank into criteria.all_bands
    deadline_end: np.ndarray
    urgent_end: np.ndarray
    extension_granted: np.ndarray  # bool
    unauthorised_from: np.ndarray
    bia_days: np.ndarray  # calendar days of one full-time BIA's work on it
    independent_days: np.ndarray
    mha_days: np.ndarray
    sign_off_days: np.ndarray
    screen_days: np.ndarray  # a full-time coordinator's days to screen it
    bia_turnaround: np.ndarray  # elapsed days from allocation to report (at least the work)
    ring_turnaround: np.ndarray
    mha_turnaround: np.ndarray
    patience: np.ndarray  # days it can wait before a hazard closes it (inf: never)
    stay_end: np.ndarray  # when the person leaves the setting, whatever the stage (inf: no fixed stay)
    died: np.ndarray  # bool: a hazard closure is a death (else circumstances changed)
    closes_at_screening: np.ndarray  # bool
    granted: np.ndarray  # bool: the decision, when made, is to grant
    authorisation_days: np.ndarray
    renewal_after: np.ndarray  # days from the decision to a renewal request (inf: none)
    keys: list[tuple[float, ...]]  # main-list key as of arrival
    ring_keys: list[tuple[float, ...]] | None  # ring-fence key as of arrival (tier inf: not ring-fenced)
    key_changes: list[KeyChange]

    def __len__(self) -> int:
        return len(self.received)


def codes_of(values: np.ndarray, names: tuple[str, ...], what: str) -> np.ndarray:
    """Each value's index in ``names`` (int8), or ValueError naming an unexpected value."""
    lookup = {name: i for i, name in enumerate(names)}
    inverse, uniq = distinct(values)
    bad = [u for u in uniq if u not in lookup]
    if bad:
        raise ValueError(f"{what}: unexpected value(s) {bad}, expected one of {list(names)}")
    return np.array([lookup[u] for u in uniq], dtype=np.int8)[inverse]


def _tuples(keys: np.ndarray) -> list[tuple[float, ...]]:
    """Rows as tuples (the heap's keys): zipping the columns is twice as fast as a tuple per row."""
    return list(zip(*keys.T.tolist(), strict=True))


class BlockBuilder:
    """Turns a batch's screening columns and draws into an :class:`AppBlock` (rules applied once, here)."""

    def __init__(self, admitted: Admitted):
        scenario, rules = admitted.scenario, admitted.rules
        self.scenario = scenario
        self.rules = rules
        self.policy = admitted.policy
        self.ring_policy = admitted.ring_policy
        self.policies = admitted.policies
        ts = rules.timescales
        self.timescales = ts
        self.extension_adds = extension_adds_days(ts)
        self.can_extend = ts.urgent.max_extension_days > 0
        self.renewal_window = float(ts.standard_authorisation.renewal_request_window_days)
        self.max_authorisation = float(ts.standard_authorisation.max_days)
        #: Days from the day of receipt to the end of the standard period (21 under day-one counting).
        self.standard_period_days = (
            triage.last_day_offset(ts.standard.assessment_period_days, ts.counting.standard) + 1
        )
        closure = scenario.closure
        by_setting = [getattr(closure, name) for name in SETTINGS]
        self.wait_hazard = np.array([c.died_per_day + c.circumstances_changed_per_day for c in by_setting])
        self.died_share = np.array(
            [c.died_per_day / h if h > 0 else 0.0 for c, h in zip(by_setting, self.wait_hazard, strict=True)]
        )
        self.has_stay = np.array([c.stay_days is not None for c in by_setting])
        self.leave_hazard = np.array([leave_hazard(c) for c in by_setting])
        shares = scenario.screening.closed_on_receipt_share
        self.screen_close_share = np.array([getattr(shares, name) for name in SETTINGS])
        # who is already deprived of liberty when a standard request is made (triage.authority's rule)
        deprived = scenario.demand.mix.already_deprived_share
        defaults = ts.authority.already_deprived_by_setting
        self.deprived_share = np.array(
            [getattr(deprived, name) if deprived else float(defaults[name]) for name in SETTINGS]
        )
        self.bands = tuple(rules.criteria.all_bands)

    def clock(
        self,
        received: np.ndarray,
        request_type: np.ndarray,
        extension_granted: np.ndarray,
        authorisation_expiry: np.ndarray | None = None,
        already_deprived: np.ndarray | None = None,
    ) -> Clock:
        """Deadlines by the rules' counting convention; ``authorisation_expiry`` (time) for renewals;
        ``already_deprived``: a standard request's person is deprived from receipt (default: all)."""
        day = np.floor(received)
        urgent = request_type == URGENT
        renewal = request_type == RENEWAL
        expiry = np.full(len(day), np.nan)
        if renewal.any():
            expiry = received + self.renewal_window if authorisation_expiry is None else authorisation_expiry
            expiry = np.where(renewal, expiry, np.nan)
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
            already_deprived=np.ones(len(day), bool) if already_deprived is None else already_deprived,
        )
        return Clock(
            deadline_day, urgent_last, ends.decision_due, urgent_last + 1, ends.unauthorised_from, expiry
        )

    def build(
        self,
        columns: Mapping[str, np.ndarray],
        received: np.ndarray,
        draws: Draws,
        *,
        authorisation_expiry: np.ndarray | None = None,
        band: np.ndarray | None = None,
        clock: Clock | None = None,
        screened: bool = False,
        prior_length: np.ndarray | None = None,
    ) -> AppBlock:
        """Screen (unless ``band`` is given), clock (unless given), key and cost a batch.

        ``screened``: already through screening on receipt (the starting backlog), so never closed there.
        ``prior_length``: a renewal's standing authorisation's length in days (NaN or None: not known,
        taken as long enough for a proportionate assessment).
        """
        scenario = self.scenario
        n = len(received)
        order_band = None
        if band is None:
            screening = triage.screen(columns, self.rules.criteria)
            band, order_band = screening.band, screening.order_band
        band = np.asarray(band, dtype=object)
        order_band = band if order_band is None else np.asarray(order_band, dtype=object)
        rtype = codes_of(columns["request_type"], REQUEST_TYPES, "request_type")
        setting = codes_of(columns["setting"], SETTINGS, "setting")
        reason = codes_of(columns["primary_support_reason"], SUPPORT_REASON_CODES, "primary_support_reason")
        band_code = codes_of(band, self.bands, "band")

        if clock is None:
            extension = (
                draws.extension_u < scenario.outcomes.urgent_extension_granted_share
            ) & self.can_extend
            deprived = draws.deprived_u < self.deprived_share[setting]
            clock = self.clock(received, rtype, extension & (rtype == URGENT), authorisation_expiry, deprived)
        # An urgent authorisation is extended when its lawful period outlasts the first expiry.
        with np.errstate(invalid="ignore"):
            extension = (rtype == URGENT) & (clock.deadline_end > clock.urgent_end)

        staffing, assessment = scenario.staffing, scenario.assessment
        factor = np.ones(n)
        if assessment.proportionate:
            # ADASS (2016): desk-based assessments for the bands the scenario names, and for renewals of
            # authorisations of 6 months or more (a shorter one was short for a reason)
            desk = np.isin(band, assessment.proportionate_bands)
            if assessment.proportionate_renewals:
                length = np.full(n, np.nan) if prior_length is None else np.asarray(prior_length, float)
                long_enough = np.isnan(length) | (length >= PROPORTIONATE_RENEWAL_MIN_DAYS)
                desk |= (rtype == RENEWAL) & long_enough
            factor[desk] = assessment.proportionate_hours_factor
        bia_days = draws.bia_hours * factor / (staffing.bia_productive_hours_per_week / 7)
        mha_days = draws.mha_hours / (staffing.mha_productive_hours_per_week / 7)
        sign_off_days = draws.sign_off_hours / (staffing.authoriser_productive_hours_per_week / 7)
        screen_days = draws.screen_hours / (scenario.screening.coordinator_productive_hours_per_week / 7)

        hazard = self.wait_hazard[setting]
        with np.errstate(divide="ignore"):
            patience = np.where(hazard > 0, draws.closure_unit / np.where(hazard > 0, hazard, 1), np.inf)
            leaving = self.leave_hazard[setting]
            stays = np.where(leaving > 0, draws.leaving_unit / np.where(leaving > 0, leaving, 1), np.inf)
        stay_end = np.where(self.has_stay[setting], received + draws.stay_days, np.inf)
        # A backlog request received before the start whose stay would already be over is one still
        # there: its remaining stay is a share of a fresh one (the stay's residual, roughly).
        # (the starting backlog is already screened, so its screening draw is free to give that share)
        over = stay_end <= 0
        stay_end[over] = draws.stay_days[over] * draws.screen_close_u[over]
        died = draws.closure_reason_u < self.died_share[setting]
        if screened:
            closes = np.zeros(n, dtype=bool)
        else:
            closes = draws.screen_close_u < self.screen_close_share[setting]
        granted = draws.outcome_u < scenario.outcomes.granted_share
        length = np.clip(draws.authorisation_days, 1.0, self.max_authorisation)
        after = np.maximum(length - self.renewal_window, MIN_RENEWAL_DELAY_DAYS)
        renews = granted & (stays > after) & scenario.outcomes.renewals
        renewal_after = np.where(renews, after, np.inf)

        keys, ring_keys, changes = self._keys(rtype, order_band, received, clock)
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
            screen_days=screen_days,
            bia_turnaround=draws.bia_turnaround,
            ring_turnaround=draws.ring_turnaround,
            mha_turnaround=draws.mha_turnaround,
            patience=patience,
            stay_end=stay_end,
            died=died,
            closes_at_screening=closes,
            granted=granted,
            authorisation_days=length,
            renewal_after=renewal_after,
            keys=keys,
            ring_keys=ring_keys,
            key_changes=changes,
        )

    def _keys(
        self, rtype: np.ndarray, band: np.ndarray, received: np.ndarray, clock: Clock
    ) -> tuple[list[tuple[float, ...]], list[tuple[float, ...]] | None, list[KeyChange]]:
        """Main and ring-fence keys as of arrival, and every later change (see the module docstring).

        The queue sees the deadline as the last lawful day with any extension that will be granted (an
        urgent authorisation is in force until then), and a renewal's standing authorisation's last day.
        """
        last_day = np.ceil(clock.deadline_end) - 1
        fields = {
            "request_type": np.asarray(REQUEST_TYPES, dtype=object)[rtype],
            "band": band,
            "received_date": received,
            "statutory_deadline": last_day,
            "urgent_expiry": np.where(rtype == URGENT, last_day, np.nan),
            "authorisation_expiry": np.ceil(clock.authorisation_end) - 1,
        }
        dated = {
            k: fields[k]
            for k in ("statutory_deadline", "urgent_expiry", "authorisation_expiry", "received_date")
        }
        arrival_day = np.floor(np.maximum(received, 0.0))
        policies = [p for p in (self.policy, self.ring_policy) if p is not None]
        flips = np.column_stack(
            [triage.transition_days(p, self.policies, **dated) for p in policies]
            + [np.full(len(received), np.nan)]
        )
        flips = np.where(flips > arrival_day[:, None], flips, np.nan)
        flips.sort(axis=1)  # NaN last
        flips = flips[:, : max(1, int((~np.isnan(flips)).sum(axis=1).max(initial=0)))]

        def at(day: np.ndarray) -> list[np.ndarray]:
            return [triage.sort_keys(p, self.policies, **fields, as_of=day) for p in policies]

        now = at(arrival_day)
        keys = _tuples(now[0])
        ring_keys = _tuples(now[1]) if self.ring_policy is not None else None
        changes: list[KeyChange] = []
        for col in range(flips.shape[1]):
            day = flips[:, col]
            rows = np.flatnonzero(~np.isnan(day))
            if not rows.size:
                continue
            later = at(np.where(np.isnan(day), arrival_day, day))
            moved = np.zeros(len(day), dtype=bool)
            for before, after in zip(now, later, strict=True):
                moved |= (before != after).any(axis=1)
            moved &= ~np.isnan(day)
            rows_moved = np.flatnonzero(moved)
            main = _tuples(later[0][rows_moved])
            ring: list[tuple[float, ...] | None] = [None] * len(main)
            if self.ring_policy is not None:
                ring = list(_tuples(later[1][rows_moved]))
            changes.extend(zip(day[rows_moved].tolist(), rows_moved.tolist(), main, ring, strict=True))
            now = [np.where(moved[:, None], a, b) for a, b in zip(later, now, strict=True)]
        return keys, ring_keys, changes


#: A renewal request arrives at least this many days after the decision that granted the authorisation
#: (renewals are gathered a week at a time, so their keys are computed in batches).
MIN_RENEWAL_DELAY_DAYS = 7.0
#: ADASS (2016): a renewal may be assessed proportionately when the authorisation was 6 months or more.
PROPORTIONATE_RENEWAL_MIN_DAYS = 182.0
