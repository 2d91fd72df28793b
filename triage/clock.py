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
) -> DeadlineDays:
    """The one place the law's deadlines are composed (the triage worklist and the simulation call it).

    - standard: the last day of the 21-day period beginning on the day of receipt (reg 13(1));
    - urgent: the last day of the urgent authorisation, 7 days plus any extension (Sch A1 paras 78, 84-86),
      which is when the assessments are due while it is in force (reg 13(2));
    - renewal: the earlier of day 21 and the end of the standing authorisation (a gap after it is an
      unauthorised deprivation).
    """
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
    deadline = np.where(urgent, urgent_expiry, standard_last)
    renewal = np.asarray(is_renewal, dtype=bool)
    deadline = np.where(
        renewal, np.fmin(standard_last, np.asarray(authorisation_expiry_day, dtype=float)), deadline
    )
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
) -> AuthorityEnds:
    """The one place that says when authority ends (the simulation's new requests and its starting
    worklist both use it).

    - urgent: the end of the urgent authorisation's last day, with the extension where it was granted;
    - standard: the end of its deadline day (day 21);
    - renewal: the earlier of the end of its deadline day and the end of the standing authorisation
      (``authorisation_end``, a time; NaN if not known); the person stays authorised until that ends,
      counted from receipt at the earliest (a gap before the request is not this request's).
    """
    urgent = np.asarray(is_urgent, dtype=bool)
    renewal = np.asarray(is_renewal, dtype=bool)
    extended = urgent & np.asarray(extension_granted, dtype=bool)
    due = np.where(extended, np.asarray(urgent_expiry_day, dtype=float) + extension_adds, deadline_day) + 1
    end = np.asarray(authorisation_end, dtype=float)
    known = renewal & ~np.isnan(end)
    unauthorised = np.where(known, np.maximum(end, np.asarray(received, dtype=float)), due)
    return AuthorityEnds(np.where(renewal, np.fmin(due, end), due), unauthorised)


def apply_clock(apps: pd.DataFrame, as_of: date, timescales: Timescales) -> pd.DataFrame:
    """Add the clock columns to a validated application table (vectorised; no row loops).

    Expects ``received_date``, ``request_type``, ``urgent_start``, ``urgent_extended_days`` and
    ``current_authorisation_expiry`` as parsed by :mod:`triage.validate` (dates as datetime64, NaT when
    not given). Returns a new frame with :data:`CLOCK_COLUMNS` added:

    - ``urgent_expiry``: urgent start + 7 (+ extension) under the urgent counting; NaT if not urgent.
    - ``statutory_deadline``: the urgent expiry when an urgent authorisation is in force (reg 13(2)),
      else day 21 of the standard clock; for a renewal, the earlier of day 21 and the expiry of the
      current authorisation (a gap after it is an unauthorised deprivation).
    - ``days_waiting``: whole days since receipt (0 on the day of receipt).
    - ``days_to_deadline``: days left to the deadline (0 = today is the last day; negative = past).
    - ``breached``: past its deadline and not decided.
    - ``urgent_expiring_soon``: urgent, not yet expired, ending within the alert window.
    - ``extension_due``: urgent, no extension yet, not yet expired, ending within the extension window.
    - ``authorisation_expiry``: the standing authorisation's expiry, for renewals.
    """
    out = apps.copy()
    as_of_ts = pd.Timestamp(as_of)
    is_urgent = (out["request_type"] == "urgent").to_numpy()
    is_renewal = (out["request_type"] == "renewal").to_numpy()
    extended = out["urgent_extended_days"].fillna(0).astype("int64").to_numpy()
    d = deadline_days(
        timescales,
        is_urgent=is_urgent,
        is_renewal=is_renewal,
        received_day=day_numbers(out["received_date"]),
        urgent_start_day=day_numbers(out["urgent_start"]),
        extended_days=extended,
        authorisation_expiry_day=day_numbers(out["current_authorisation_expiry"]),
    )
    u_expiry = from_day_numbers(d.urgent_expiry_day, out.index)
    deadline = from_day_numbers(d.deadline_day, out.index)
    auth_expiry = out["current_authorisation_expiry"].where(is_renewal)
    received = out["received_date"]

    days_to_deadline = (deadline - as_of_ts).dt.days
    days_to_expiry = (u_expiry - as_of_ts).dt.days

    out["statutory_deadline"] = deadline
    out["days_waiting"] = (as_of_ts - received).dt.days.astype("int64")
    out["days_to_deadline"] = days_to_deadline.astype("int64")
    out["breached"] = (days_to_deadline < 0).to_numpy()
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
