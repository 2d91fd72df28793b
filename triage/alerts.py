"""Alerts: what must be acted on now, or has already gone wrong, whatever the worklist's order.

Why apart from the order: a person whose urgent authorisation ran out months ago is still deprived of
liberty, now without authority, and must not vanish into a long list; a renewal whose standing
authorisation ends in days must be decided before it does. Each alert is a column of the worklist (so it
is exported with it) and a count for the terminal and the page. The windows are in
``rules/timescales.toml`` (``[alerts]``, ``[standard_authorisation]``):

- ``without_authority_since`` (from :mod:`triage.authority`, the one rule): a standard request for a
  person already deprived of liberty (since receipt: a request gives no authority, Sch A1 paras 1(3),
  2), an urgent authorisation that expired undecided (the day after its last day, extension included),
  or a renewal or review whose standing authorisation has ended (the day after it ended): "deprived of
  liberty without authority since ...";
- ``last_lawful_day``: "today" or "tomorrow" for a request whose reg 13 deadline is day 21 (standard,
  renewal, or an urgent authorisation that had ended before the request arrived) and falls within the
  window: the decision is due now;
- ``urgent_final_day``: an urgent authorisation already extended, on its last day: it cannot be
  extended again (one extension, Sch A1 para 84), so the decision is due today;
- ``imca_to_instruct``: no one appropriate to consult but paid carers: the supervisory body must
  instruct an IMCA (MCA s39A) from receipt, whatever the band;
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
from triage.screening import YES
from triage.vocabulary import FURTHER_REQUEST_TYPES

#: Columns :func:`add_alerts` adds to a clocked application table.
ALERT_COLUMNS = [
    "alerts",
    "last_lawful_day",
    "urgent_final_day",
    "imca_to_instruct",
    "authorisation_ending_soon",
    "renewal_requested_early",
]


def add_alerts(apps: pd.DataFrame, as_of: date, timescales: Timescales) -> pd.DataFrame:
    """Add :data:`ALERT_COLUMNS` to a table with the clock's and the authority's columns (see the module
    docstring)."""
    out = apps.copy()
    as_of_ts = pd.Timestamp(as_of)
    kind = out["request_type"]
    is_urgent = kind.eq("urgent").to_numpy()
    follows = kind.isin(FURTHER_REQUEST_TYPES).to_numpy()
    standing_end = out["authorisation_expiry"]
    days_left = (standing_end - as_of_ts).dt.days
    window = timescales.alerts.renewal_authorisation_ending_within_days
    ending = follows & days_left.between(0, window).to_numpy()
    ahead = (standing_end - out["received_date"]).dt.days
    allowed = timescales.standard_authorisation.renewal_request_window_days
    early = kind.eq("renewal").to_numpy() & (ahead > allowed).to_numpy()
    # reg 13(1)'s day 21: every request whose deadline is not an urgent authorisation's end
    to_deadline = out["days_to_deadline"].astype("float64").to_numpy()
    urgent_deadline = is_urgent & (out["statutory_deadline"] == out["urgent_expiry"]).to_numpy()
    day_21 = ~urgent_deadline & ~np.isnan(to_deadline)
    soon = timescales.alerts.last_lawful_day_within_days
    last_day = np.where(
        day_21 & (to_deadline == 0),
        "today",
        np.where(day_21 & (to_deadline == 1) & (soon >= 1), "tomorrow", ""),
    )
    extended = out["urgent_extended_days"].fillna(0).to_numpy() > 0
    final_day = is_urgent & extended & (out["urgent_expiry"] == as_of_ts).to_numpy()
    imca = (
        out["no_one_to_consult"].eq(YES).to_numpy()
        if "no_one_to_consult" in out
        else np.zeros(len(out), bool)
    )

    out["last_lawful_day"] = last_day.astype(object)
    out["urgent_final_day"] = final_day
    out["imca_to_instruct"] = imca
    out["authorisation_ending_soon"] = ending
    out["renewal_requested_early"] = early
    out["alerts"] = _in_words(out, ending, early, ahead, allowed)
    return out


_WITHOUT = "deprived of liberty without authority since "


def _in_words(
    out: pd.DataFrame,
    ending: np.ndarray,
    early: np.ndarray,
    ahead: pd.Series,
    allowed: int,
) -> np.ndarray:
    """Each row's alerts as text, "; "-separated (vectorised: text is built only where an alert holds)."""
    kind = out["request_type"]
    gone = out["without_authority_since"].notna().to_numpy()
    before = out["authority_ended_before_request"].to_numpy(dtype=bool)
    urgent = kind.eq("urgent").to_numpy()
    follows = kind.isin(FURTHER_REQUEST_TYPES).to_numpy()
    assumed = out["already_deprived_assumed"].to_numpy(dtype=bool)
    extension = out["extension_due"].to_numpy(dtype=bool)
    final_day = out["urgent_final_day"].to_numpy(dtype=bool)
    expiring = out["urgent_expiring_soon"].to_numpy(dtype=bool) & ~extension & ~final_day
    last_day = out["last_lawful_day"].to_numpy(dtype=object)
    since = _iso_text(out["without_authority_since"])
    urgent_end = _iso_text(out["urgent_expiry"])
    standing_end = _iso_text(out["authorisation_expiry"])
    days_ahead = ahead.fillna(0).to_numpy(dtype=np.int64).astype(str).astype(object)
    standard_gone = gone & ~urgent & ~follows
    pieces = [
        (gone & urgent & before, _WITHOUT, since, " (urgent authorisation ended before the request arrived)"),
        (gone & urgent & ~before, _WITHOUT, since, " (urgent authorisation expired)"),
        (gone & follows & before, _WITHOUT, since, " (authorisation had ended before the further request)"),
        (gone & follows & ~before, _WITHOUT, since, " (authorisation ended)"),
        (standard_gone & ~assumed, _WITHOUT, since, " (request received: a request gives no authority)"),
        (
            standard_gone & assumed,
            _WITHOUT,
            since,
            " (request received; already deprived assumed from the setting)",
        ),
        (last_day != "", "last lawful day ", last_day, " (reg 13: 21 days from receipt)"),
        (final_day, "urgent authorisation ends today, already extended: decide today", _blank(out), ""),
        (
            out["imca_to_instruct"].to_numpy(dtype=bool),
            "instruct an IMCA (s39A): no one to consult",
            _blank(out),
            "",
        ),
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
    for mask, before_text, value, after in pieces:
        if not mask.any():
            continue
        text = before_text + value[mask] + after
        earlier = words[mask]
        words[mask] = np.where(earlier != "", earlier + "; " + text, text)
    return words


def _blank(out: pd.DataFrame) -> np.ndarray:
    return np.full(len(out), "", dtype=object)


def _iso_text(dates: pd.Series) -> np.ndarray:
    """Each date as YYYY-MM-DD ('' where none), formatted once per distinct date."""
    codes, uniques = pd.factorize(dates)
    text = np.array([*pd.DatetimeIndex(uniques).strftime("%Y-%m-%d"), ""], dtype=object)
    return text[codes]


@dataclass(frozen=True)
class AlertCounts:
    """How many applications carry each alert (counts only: safe for a terminal or a log)."""

    without_authority_standard: int  # standard request, person already deprived: since receipt
    without_authority_urgent: int  # urgent authorisation expired undecided
    without_authority_renewal: int  # standing authorisation ended, renewal (or review) undecided
    without_authority_assumed: int  # of the standard ones, resting on the setting's default
    authorisation_ending_soon: int
    extension_due: int
    urgent_expiring_soon: int
    renewal_requested_early: int
    last_lawful_day_today: int = 0
    last_lawful_day_tomorrow: int = 0
    urgent_final_day: int = 0
    imca_to_instruct: int = 0
    ended_before_request: int = 0

    @property
    def without_authority(self) -> int:
        return (
            self.without_authority_standard + self.without_authority_urgent + self.without_authority_renewal
        )


def count_alerts(worklist: pd.DataFrame) -> AlertCounts:
    gone = worklist["without_authority_since"].notna()
    kind = worklist["request_type"]
    standard = gone & kind.eq("standard")
    last_day = worklist["last_lawful_day"]
    return AlertCounts(
        without_authority_standard=int(standard.sum()),
        without_authority_urgent=int((gone & kind.eq("urgent")).sum()),
        without_authority_renewal=int((gone & kind.isin(FURTHER_REQUEST_TYPES)).sum()),
        without_authority_assumed=int((standard & worklist["already_deprived_assumed"]).sum()),
        authorisation_ending_soon=int(worklist["authorisation_ending_soon"].sum()),
        extension_due=int(worklist["extension_due"].sum()),
        urgent_expiring_soon=int(worklist["urgent_expiring_soon"].sum()),
        renewal_requested_early=int(worklist["renewal_requested_early"].sum()),
        last_lawful_day_today=int(last_day.eq("today").sum()),
        last_lawful_day_tomorrow=int(last_day.eq("tomorrow").sum()),
        urgent_final_day=int(worklist["urgent_final_day"].sum()),
        imca_to_instruct=int(worklist["imca_to_instruct"].sum()),
        ended_before_request=int(worklist["authority_ended_before_request"].sum()),
    )


def without_authority(worklist: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The people deprived of liberty without authority, longest first, with the days so far."""
    gone = worklist[worklist["without_authority_since"].notna()]
    days = (pd.Timestamp(as_of) - gone["without_authority_since"]).dt.days + 1
    table = gone[["rank", "application_id", "request_type", "priority", "without_authority_since"]].copy()
    table["days_without_authority"] = days.astype("int64")
    return table.sort_values(["without_authority_since", "rank"], kind="stable").reset_index(drop=True)
