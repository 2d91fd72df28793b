"""The statutory clock: deadlines and waits per application, as of a date (DESIGN §2).

The counting convention lives in exactly one function, :func:`last_day_offset`; everything else (the
21-day standard period, urgent 7 and 7+7, the simulation's deadlines) goes through it, so a council that
counts "given date + 7" changes one setting in ``rules/timescales.toml`` and nothing else.
"""

from __future__ import annotations

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


def period_end(first_day: date, period_days: int, counting: Counting) -> date:
    """The last lawful day of a period of ``period_days`` starting on ``first_day``."""
    return date.fromordinal(first_day.toordinal() + last_day_offset(period_days, counting))


def standard_deadline(received: date, timescales: Timescales) -> date:
    """Last day to decide a standard request (day 21 by default)."""
    return period_end(received, timescales.standard.assessment_period_days, timescales.counting.standard)


def urgent_expiry(urgent_start: date, extended_days: int, timescales: Timescales) -> date:
    """Last day an urgent authorisation (with any extension granted) is in force."""
    days = timescales.urgent.period_days + extended_days
    return period_end(urgent_start, days, timescales.counting.urgent)


def _days(n: pd.Series | int) -> pd.Series | pd.Timedelta:
    return pd.to_timedelta(n, unit="D")


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
    received = out["received_date"]
    is_urgent = (out["request_type"] == "urgent").to_numpy()
    is_renewal = (out["request_type"] == "renewal").to_numpy()

    standard_off = last_day_offset(timescales.standard.assessment_period_days, timescales.counting.standard)
    day21 = received + _days(standard_off)

    extended = out["urgent_extended_days"].fillna(0).astype("int64").to_numpy()
    # One lookup per possible extension, each through last_day_offset (the one counting function).
    max_ext = max(int(extended.max(initial=0)), timescales.urgent.max_extension_days)
    offsets = np.array(
        [
            last_day_offset(timescales.urgent.period_days + e, timescales.counting.urgent)
            for e in range(max_ext + 1)
        ]
    )
    urgent_off = pd.Series(offsets[np.clip(extended, 0, max_ext)], index=out.index)
    u_expiry = out["urgent_start"] + _days(urgent_off)
    u_expiry = u_expiry.where(is_urgent)

    auth_expiry = out["current_authorisation_expiry"].where(is_renewal)

    deadline = day21.copy()
    deadline = deadline.where(~is_urgent, u_expiry)
    renewal_deadline = pd.concat([day21, auth_expiry], axis=1).min(axis=1)
    deadline = deadline.where(~is_renewal, renewal_deadline)

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


def day_numbers(dates: pd.Series) -> np.ndarray:
    """Dates as float day numbers since 1970-01-01 (NaN when missing): the unit queue policies sort on."""
    values = dates.to_numpy(dtype="datetime64[ns]")
    out = values.astype("datetime64[D]").astype("int64").astype("float64")
    out[np.isnat(values)] = np.nan
    return out
