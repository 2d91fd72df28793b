"""The statutory clock: deadlines and waits per application, as of a date (rules in rules/timescales.toml).

The counting convention lives in exactly one function, :func:`last_day_offset`; everything else (the
21-day standard period, urgent 7 and 7+7, the simulation's deadlines) goes through it, so a council that
counts "given date + 7" changes one setting in ``rules/timescales.toml`` and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from triage.rulebook import Timescales

Counting = Literal["day_one", "day_after"]

#: Columns this module adds to an application table.
CLOCK_COLUMNS = [
    "statutory_deadline",
    "days_waiting",
    "days_to_deadline",
    "breached",
    "urgent_expiry",
    "urgent_expiring_soon",
    "extension_due",
    "authorisation_expiry",
]


def last_day_offset(period_days: int, counting: Counting) -> int:
    """Days from the first day of an N-day period to its last lawful day.

    ``day_one`` (the default, SI 2008/1858 reg 13(1) "beginning with the date ... receives"): the first
    day is day 1, so a 21-day period starting 1 March ends on 21 March (offset 20) and a 7-day urgent
    authorisation given on 1 March ends at the end of 7 March (offset 6). ``day_after``: the period ends
    on first day + N (offset N).
    """
    if period_days < 0:
        raise ValueError(f"period_days must be >= 0, got {period_days}")
    if counting == "day_one":
        return max(period_days - 1, 0)
    if counting == "day_after":
        return period_days
    raise ValueError(f"counting must be 'day_one' or 'day_after', got {counting!r}")


def extension_adds_days(timescales: Timescales) -> int:
    """How many days the one extension of an urgent authorisation adds to its last day."""
    urgent = timescales.urgent
    return last_day_offset(urgent.period_days + urgent.max_extension_days, timescales.counting.urgent) - (
        last_day_offset(urgent.period_days, timescales.counting.urgent)
    )


@dataclass(frozen=True)
class DeadlineDays:
    """Deadlines as day numbers (any common origin; NaN where not applicable)."""

    standard_last_day: np.ndarray  # day 21 of the standard clock (counting as set)
    urgent_expiry_day: (
        np.ndarray
    )  # last day of the urgent authorisation, with its extension; NaN if not urgent
    deadline_day: np.ndarray  # the statutory deadline: see deadline_days


def deadline_days(
    timescales: Timescales,
    *,
    is_urgent: np.ndarray,
    is_renewal: np.ndarray,
    received_day: np.ndarray,
    urgent_start_day: np.ndarray,
    extended_days: np.ndarray,
    authorisation_expiry_day: np.ndarray,
    is_review: np.ndarray | None = None,
) -> DeadlineDays:
    """The one place reg 13's deadline is composed (the triage worklist and the simulation call it).

    - standard, and renewal (a further request is a request like any other, Sch A1 para 24): the last
      day of the 21-day period beginning on the day of receipt (reg 13(1)). When a renewal's standing
      authorisation ends is a separate fact (:mod:`triage.authority`), not its deadline;
    - urgent: the last day of the urgent authorisation, 7 days plus any extension (Sch A1 paras 78,
      84-86), which is when the assessments are due while it is in force (reg 13(2)); an urgent
      authorisation that had ended before the request arrived was never in force during it, so reg 13(2)
      does not apply and the deadline is day 21;
    - review (Part 8): no statutory period (NaN).

    ``is_renewal`` and ``authorisation_expiry_day`` are kept for callers' symmetry; a renewal's deadline
    no longer depends on the expiry.
    """
    del is_renewal, authorisation_expiry_day
    received = np.asarray(received_day, dtype=float)
    extended = np.asarray(extended_days, dtype=np.int64)
    top = max(int(extended.max(initial=0)), timescales.urgent.max_extension_days)
    # one lookup per possible extension, each through last_day_offset (the one counting function)
    offsets = np.array(
        [
            last_day_offset(timescales.urgent.period_days + e, timescales.counting.urgent)
            for e in range(top + 1)
        ],
        dtype=float,
    )
    standard_off = last_day_offset(timescales.standard.assessment_period_days, timescales.counting.standard)
    standard_last = received + standard_off
    urgent = np.asarray(is_urgent, dtype=bool)
    urgent_expiry = np.where(
        urgent, np.asarray(urgent_start_day, dtype=float) + offsets[np.clip(extended, 0, top)], np.nan
    )
    with np.errstate(invalid="ignore"):
        in_force_on_receipt = urgent & (urgent_expiry >= received)
    deadline = np.where(in_force_on_receipt, urgent_expiry, standard_last)
    if is_review is not None:
        deadline = np.where(np.asarray(is_review, dtype=bool), np.nan, deadline)
    return DeadlineDays(standard_last, urgent_expiry, deadline)


@dataclass(frozen=True)
class AuthorityEnds:
    """When the time for a decision runs out, and when an undecided person has no authority, as times
    (a day number ``d`` ends at time ``d + 1``; any common origin)."""

    decision_due: np.ndarray  # end of the last lawful day for the decision
    unauthorised_from: np.ndarray  # from then on, an undecided person is deprived without authority


def authority_ends(
    *,
    deadline_day: np.ndarray,
    is_urgent: np.ndarray,
    urgent_expiry_day: np.ndarray,
    extension_granted: np.ndarray,
    extension_adds: int,
    is_renewal: np.ndarray,
    authorisation_end: np.ndarray,
    received: np.ndarray,
    already_deprived: np.ndarray,
) -> AuthorityEnds:
    """The simulation's clock of a batch: when the decision is due and when authority runs out.

    - decision due: the end of the deadline day (for an urgent authorisation, of its last day with the
      extension where it was granted);
    - without authority from: :func:`triage.authority.authority_times`, the worklist's own rule (an urgent
      authorisation's end; a standing authorisation's end, ``authorisation_end``, a time; a standard
      request's receipt when the person is ``already_deprived``, else never).
    """
    from triage.authority import authority_times  # (authority imports this module)

    urgent = np.asarray(is_urgent, dtype=bool)
    extended = urgent & np.asarray(extension_granted, dtype=bool)
    urgent_last = np.asarray(urgent_expiry_day, dtype=float) + np.where(extended, extension_adds, 0)
    due = np.where(extended, urgent_last, deadline_day) + 1
    times = authority_times(
        is_urgent=urgent,
        is_further=np.asarray(is_renewal, dtype=bool),
        received=np.asarray(received, dtype=float),
        urgent_end=urgent_last + 1,
        standing_end=np.asarray(authorisation_end, dtype=float),
        already_deprived=already_deprived,
    )
    return AuthorityEnds(due, times.without_authority_from)


def apply_clock(apps: pd.DataFrame, as_of: date, timescales: Timescales) -> pd.DataFrame:
    """Add the clock columns to a validated application table (vectorised; no row loops).

    Expects ``received_date``, ``request_type``, ``urgent_start``, ``urgent_extended_days`` and
    ``current_authorisation_expiry`` as parsed by :mod:`triage.validate` (dates as datetime64, NaT when
    not given). Returns a new frame with :data:`CLOCK_COLUMNS` added:

    - ``urgent_expiry``: urgent start + 7 (+ extension) under the urgent counting; NaT if not urgent.
    - ``statutory_deadline``: reg 13's deadline (:func:`deadline_days`): the urgent expiry when an urgent
      authorisation was in force on receipt (reg 13(2)), else day 21 of the standard clock (renewals
      too); none for a review (Part 8 sets no period).
    - ``days_waiting``: whole days since receipt (0 on the day of receipt).
    - ``days_to_deadline``: days left to the deadline (0 = today is the last day; negative = past;
      blank for a review).
    - ``breached``: past its deadline and not decided.
    - ``urgent_expiring_soon``: urgent, not yet expired, ending within the alert window.
    - ``extension_due``: urgent, no extension yet, not yet expired, ending within the extension window.
    - ``authorisation_expiry``: the standing authorisation's expiry, for renewals and reviews.
    """
    out = apps.copy()
    as_of_ts = pd.Timestamp(as_of)
    is_urgent = (out["request_type"] == "urgent").to_numpy()
    is_renewal = (out["request_type"] == "renewal").to_numpy()
    is_review = (out["request_type"] == "review").to_numpy()
    extended = out["urgent_extended_days"].fillna(0).astype("int64").to_numpy()
    d = deadline_days(
        timescales,
        is_urgent=is_urgent,
        is_renewal=is_renewal,
        received_day=day_numbers(out["received_date"]),
        urgent_start_day=day_numbers(out["urgent_start"]),
        extended_days=extended,
        authorisation_expiry_day=day_numbers(out["current_authorisation_expiry"]),
        is_review=is_review,
    )
    u_expiry = from_day_numbers(d.urgent_expiry_day, out.index)
    deadline = from_day_numbers(d.deadline_day, out.index)
    auth_expiry = out["current_authorisation_expiry"].where(is_renewal | is_review)
    received = out["received_date"]

    days_to_deadline = (deadline - as_of_ts).dt.days
    days_to_expiry = (u_expiry - as_of_ts).dt.days

    out["statutory_deadline"] = deadline
    out["days_waiting"] = (as_of_ts - received).dt.days.astype("int64")
    out["days_to_deadline"] = days_to_deadline.astype("Int64" if is_review.any() else "int64")
    out["breached"] = (days_to_deadline < 0).fillna(False).to_numpy(dtype=bool)
    out["urgent_expiry"] = u_expiry
    not_expired = (days_to_expiry >= 0).fillna(False).to_numpy(dtype=bool)
    out["urgent_expiring_soon"] = (
        is_urgent
        & not_expired
        & (days_to_expiry <= timescales.alerts.urgent_expiring_within_days).fillna(False).to_numpy(bool)
    )
    out["extension_due"] = (
        is_urgent
        & (extended == 0)
        & not_expired
        & (days_to_expiry <= timescales.alerts.extension_decision_within_days).fillna(False).to_numpy(bool)
    )
    out["authorisation_expiry"] = auth_expiry
    return out


def from_day_numbers(days: np.ndarray, index: pd.Index) -> pd.Series:
    """Day numbers back to dates (NaN -> NaT)."""
    return pd.Series(pd.to_datetime(days, unit="D", origin="unix"), index=index)


def day_numbers(dates: pd.Series) -> np.ndarray:
    """Dates as float day numbers since 1970-01-01 (NaN when missing): the unit queue policies sort on."""
    values = dates.to_numpy(dtype="datetime64[ns]")
    out = values.astype("datetime64[D]").astype("int64").astype("float64")
    out[np.isnat(values)] = np.nan
    return out
