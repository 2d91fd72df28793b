"""Authority, as the law counts it: is an authorisation in force, and since when is a person deprived of
liberty without one (Mental Capacity Act 2005 Sch A1 paras 1(3), 2).

Why one place: the worklist's "without authority since", its alerts and summary, and the simulation's
person-days without authority are the same fact, and must never disagree. A REQUEST GIVES NO AUTHORITY:

- an urgent authorisation is authority until the end of its last day, extension included (paras 76-78,
  84-86); after that the person is without authority until the request is decided. One given more than
  7 days before the request arrived had already ended when it did (it cannot be given again, para 77(2));
- a renewal (a further request, para 24) or a review (Part 8): the standing authorisation is authority
  until the end of its last day; a further request received after that is flagged, as the person was
  already without authority when it arrived;
- a standard request: none. A person already deprived of liberty when the request is made is without
  authority from the day of receipt; a request made ahead of a planned move has no deprivation yet.
  Whether a person is already deprived comes from the export's ``already_deprived`` column, else the
  rules file's default per setting (``[authority]`` in ``rules/timescales.toml``).

Times here are in days on any common origin: day number ``d`` runs from time ``d`` to ``d + 1``, so the
worklist passes day numbers and the simulation passes its own times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from triage.clock import day_numbers, from_day_numbers
from triage.rulebook import Timescales
from triage.screening import NO, UNKNOWN, YES
from triage.vocabulary import FURTHER_REQUEST_TYPES, SETTINGS

#: What the worklist's ``authority`` column says, as of the day of the worklist.
URGENT_IN_FORCE = "urgent authorisation in force"
STANDING_IN_FORCE = "standard authorisation in force"
NO_AUTHORITY = "none"
NOT_YET_DEPRIVED = "none needed yet (planned deprivation)"

#: Columns :func:`add_authority` adds to a clocked application table.
AUTHORITY_COLUMNS = [
    "authority",
    "without_authority_since",
    "already_deprived_assumed",
    "authority_ended_before_request",
]


@dataclass(frozen=True)
class AuthorityTimes:
    """For each request: from when an undecided person is deprived of liberty without authority."""

    #: the time authority runs out (``inf``: never while undecided, a planned deprivation)
    without_authority_from: np.ndarray
    #: the urgent or standing authorisation had ended before the request was received
    ended_before_request: np.ndarray


def authority_times(
    *,
    is_urgent: np.ndarray,
    is_further: np.ndarray,
    received: np.ndarray,
    urgent_end: np.ndarray,
    standing_end: np.ndarray,
    already_deprived: np.ndarray,
) -> AuthorityTimes:
    """The one rule (see the module docstring), vectorised.

    ``urgent_end`` and ``standing_end`` are the ends of the last lawful day of the urgent authorisation
    (with the extension where one was granted) and of the standing authorisation (NaN where none or not
    known: a further request with no known end is taken as without authority from receipt).
    """
    urgent = np.asarray(is_urgent, dtype=bool)
    further = np.asarray(is_further, dtype=bool) & ~urgent
    arrived = np.asarray(received, dtype=float)
    u_end = np.asarray(urgent_end, dtype=float)
    s_end = np.asarray(standing_end, dtype=float)
    s_end = np.where(np.isnan(s_end), arrived, s_end)
    deprived = np.asarray(already_deprived, dtype=bool)
    standard_from = np.where(deprived, arrived, np.inf)
    start = np.where(urgent, u_end, np.where(further, s_end, standard_from))
    day_of_receipt = np.floor(arrived)
    with np.errstate(invalid="ignore"):
        ended = (urgent & (u_end <= day_of_receipt)) | (further & (s_end <= day_of_receipt))
    return AuthorityTimes(start, ended)


def already_deprived_defaults(setting: np.ndarray, timescales: Timescales) -> np.ndarray:
    """The rules file's default per setting (bool per row)."""
    by_setting = timescales.authority.already_deprived_by_setting
    lookup = np.array([by_setting[s] for s in SETTINGS], dtype=bool)
    codes = pd.Categorical(setting, categories=list(SETTINGS)).codes
    return np.where(codes >= 0, lookup[np.clip(codes, 0, None)], True)


def add_authority(apps: pd.DataFrame, as_of: date, timescales: Timescales) -> pd.DataFrame:
    """Add :data:`AUTHORITY_COLUMNS` to a clocked table (from :func:`triage.clock.apply_clock`).

    ``already_deprived`` (1/0/-1 from validation) becomes "yes"/"no" as the export gave it, or the
    setting's default with ``already_deprived_assumed`` true.
    """
    out = apps.copy()
    given = out["already_deprived"].to_numpy() if "already_deprived" in out else np.full(len(out), UNKNOWN)
    rtype = out["request_type"]
    is_urgent = rtype.eq("urgent").to_numpy()
    is_standard = rtype.eq("standard").to_numpy()
    # only a standard request's authority turns on it: elsewhere the answer is shown as given
    assumed = is_standard & (given == UNKNOWN)
    default = already_deprived_defaults(out["setting"].to_numpy(), timescales)
    deprived = np.where(assumed, default, given == YES)
    times = authority_times(
        is_urgent=is_urgent,
        is_further=rtype.isin(FURTHER_REQUEST_TYPES).to_numpy(),
        received=day_numbers(out["received_date"]),
        urgent_end=day_numbers(out["urgent_expiry"]) + 1,
        standing_end=day_numbers(out["authorisation_expiry"]) + 1,
        already_deprived=deprived,
    )
    today = float(day_numbers(pd.Series([pd.Timestamp(as_of)]))[0])
    start = times.without_authority_from
    started = start <= today
    state = np.where(
        started,
        NO_AUTHORITY,
        np.where(is_urgent, URGENT_IN_FORCE, np.where(np.isinf(start), NOT_YET_DEPRIVED, STANDING_IN_FORCE)),
    )
    out["authority"] = state
    out["without_authority_since"] = from_day_numbers(np.where(started, start, np.nan), out.index)
    out["already_deprived"] = np.select(
        [assumed & deprived, assumed, given == YES, given == NO], ["yes", "no", "yes", "no"], ""
    )
    out["already_deprived_assumed"] = assumed
    out["authority_ended_before_request"] = times.ended_before_request
    return out
