"""Alerts: what must be acted on now, or has already gone wrong, whatever the worklist's order.

Why apart from the order: a person whose urgent authorisation ran out months ago is still deprived of
liberty, now without authority, and must not vanish into a long list; a renewal whose standing
authorisation ends in days must be decided before it does. Each alert is a column of the worklist (so it
is exported with it) and a count for the terminal and the page. The windows are in
``rules/timescales.toml`` (``[alerts]``, ``[standard_authorisation]``):

- ``without_authority_since``: an urgent authorisation that expired undecided (the day after its last
  day, extension included), or a renewal whose standing authorisation has ended (the day after it
  ended): "deprived of liberty without authority since ...";
- ``authorisation_ending_soon``: a renewal whose standing authorisation ends within the window (today
  included);
- ``extension_due`` and ``urgent_expiring_soon``: from the clock (:mod:`triage.clock`);
- ``renewal_requested_early``: a renewal requested more than 28 days before the standing authorisation
  ends (Sch A1 para 24 allows no earlier): the request may be premature;
- ``alerts``: all of a row's alerts in words, "; "-separated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from triage.rulebook import Timescales

#: Columns :func:`add_alerts` adds to a clocked application table.
ALERT_COLUMNS = [
    "alerts",
    "without_authority_since",
    "authorisation_ending_soon",
    "renewal_requested_early",
]


def add_alerts(apps: pd.DataFrame, as_of: date, timescales: Timescales) -> pd.DataFrame:
    """Add :data:`ALERT_COLUMNS` to a table with the clock's columns (see the module docstring)."""
    out = apps.copy()
    as_of_ts = pd.Timestamp(as_of)
    one_day = pd.Timedelta(days=1)
    is_urgent = out["request_type"].eq("urgent").to_numpy()
    is_renewal = out["request_type"].eq("renewal").to_numpy()
    urgent_end = out["urgent_expiry"]
    standing_end = out["authorisation_expiry"]
    urgent_gone = is_urgent & (urgent_end < as_of_ts).to_numpy()
    standing_gone = is_renewal & (standing_end < as_of_ts).to_numpy()
    since = pd.Series(pd.NaT, index=out.index, dtype=urgent_end.dtype)
    since = since.where(~urgent_gone, urgent_end + one_day).where(~standing_gone, standing_end + one_day)
    days_left = (standing_end - as_of_ts).dt.days
    window = timescales.alerts.renewal_authorisation_ending_within_days
    ending = is_renewal & days_left.between(0, window).to_numpy()
    ahead = (standing_end - out["received_date"]).dt.days
    allowed = timescales.standard_authorisation.renewal_request_window_days
    early = is_renewal & (ahead > allowed).to_numpy()

    out["without_authority_since"] = since
    out["authorisation_ending_soon"] = ending
    out["renewal_requested_early"] = early
    out["alerts"] = _in_words(out, urgent_gone, standing_gone, ending, early, ahead, allowed)
    return out


def _in_words(
    out: pd.DataFrame,
    urgent_gone: np.ndarray,
    standing_gone: np.ndarray,
    ending: np.ndarray,
    early: np.ndarray,
    ahead: pd.Series,
    allowed: int,
) -> np.ndarray:
    """Each row's alerts as text, "; "-separated (vectorised: text is built only where an alert holds)."""
    extension = out["extension_due"].to_numpy(dtype=bool)
    expiring = out["urgent_expiring_soon"].to_numpy(dtype=bool) & ~extension
    since = _iso_text(out["without_authority_since"])
    urgent_end = _iso_text(out["urgent_expiry"])
    standing_end = _iso_text(out["authorisation_expiry"])
    days_ahead = ahead.fillna(0).to_numpy(dtype=np.int64).astype(str).astype(object)
    pieces = [
        (
            urgent_gone,
            "deprived of liberty without authority since ",
            since,
            " (urgent authorisation expired)",
        ),
        (standing_gone, "deprived of liberty without authority since ", since, " (authorisation ended)"),
        (ending, "standing authorisation ends ", standing_end, ""),
        (extension, "extension decision due: urgent authorisation ends ", urgent_end, ""),
        (expiring, "urgent authorisation ends ", urgent_end, ""),
        (
            early,
            "renewal requested ",
            days_ahead,
            f" days before the authorisation ends (more than {allowed})",
        ),
    ]
    words = np.full(len(out), "", dtype=object)
    for mask, before, value, after in pieces:
        if not mask.any():
            continue
        text = before + value[mask] + after
        earlier = words[mask]
        words[mask] = np.where(earlier != "", earlier + "; " + text, text)
    return words


def _iso_text(dates: pd.Series) -> np.ndarray:
    """Each date as YYYY-MM-DD ('' where none), formatted once per distinct date."""
    codes, uniques = pd.factorize(dates)
    text = np.array([*pd.DatetimeIndex(uniques).strftime("%Y-%m-%d"), ""], dtype=object)
    return text[codes]


@dataclass(frozen=True)
class AlertCounts:
    """How many applications carry each alert (counts only: safe for a terminal or a log)."""

    without_authority_urgent: int  # urgent authorisation expired undecided
    without_authority_renewal: int  # standing authorisation ended, renewal undecided
    authorisation_ending_soon: int
    extension_due: int
    urgent_expiring_soon: int
    renewal_requested_early: int

    @property
    def without_authority(self) -> int:
        return self.without_authority_urgent + self.without_authority_renewal


def count_alerts(worklist: pd.DataFrame) -> AlertCounts:
    gone = worklist["without_authority_since"].notna()
    kind = worklist["request_type"]
    return AlertCounts(
        without_authority_urgent=int((gone & kind.eq("urgent")).sum()),
        without_authority_renewal=int((gone & kind.eq("renewal")).sum()),
        authorisation_ending_soon=int(worklist["authorisation_ending_soon"].sum()),
        extension_due=int(worklist["extension_due"].sum()),
        urgent_expiring_soon=int(worklist["urgent_expiring_soon"].sum()),
        renewal_requested_early=int(worklist["renewal_requested_early"].sum()),
    )


def without_authority(worklist: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The people deprived of liberty without authority, longest first, with the days so far."""
    gone = worklist[worklist["without_authority_since"].notna()]
    days = (pd.Timestamp(as_of) - gone["without_authority_since"]).dt.days + 1
    table = gone[["rank", "application_id", "request_type", "priority", "without_authority_since"]].copy()
    table["days_without_authority"] = days.astype("int64")
    return table.sort_values(["without_authority_since", "rank"], kind="stable").reset_index(drop=True)
