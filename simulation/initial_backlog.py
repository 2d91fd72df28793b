"""Start from today's open applications: a triage worklist as the simulation's initial backlog.

The triage worklist already holds each application's band (``priority``) and its statutory deadline
as of the day it was made, so nothing is re-screened or re-clocked here: dates are only moved onto the
simulation's time line (days from the scenario's start date, which should be the worklist's as-of date).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

import triage
from simulation.applications import RENEWAL, SUPPORT_REASON_CODES, URGENT, BlockBuilder, Clock
from simulation.scenario import ScenarioError
from triage.validate import parse_dates
from triage.vocabulary import REQUEST_TYPES, SETTINGS, UNKNOWN_REASON

REQUIRED_COLUMNS: tuple[str, ...] = (
    "received_date",
    "request_type",
    "setting",
    "priority",
    "statutory_deadline",
)
DATE_COLUMNS: tuple[str, ...] = (
    "received_date",
    "statutory_deadline",
    "urgent_expiry",
    "authorisation_expiry",
)


def read_worklist(path: Path | str) -> pd.DataFrame:
    """Read a worklist file written by ``dols-sim triage`` (CSV or XLSX), dates parsed.

    Read by the triage's own bounded reader (:func:`triage.ingest.read_table`): a file larger than the
    export limit, a device such as ``/dev/zero``, or a workbook that claims a huge sheet is refused with
    one line, never read until memory runs out.
    """
    from triage.errors import InputFileError
    from triage.ingest import EXTRA, READ_PROBLEM, ROW, read_table

    p = Path(path)
    try:
        table, _, _ = read_table(p)
    except InputFileError as exc:
        raise ScenarioError(f"initial_backlog.worklist: {exc}") from None
    if READ_PROBLEM in table.columns:
        problem = table.loc[table[READ_PROBLEM] != "", READ_PROBLEM].iloc[0]
        raise ScenarioError(f"initial_backlog.worklist: {p.name}: {problem}")
    frame = table.drop(columns=[c for c in (ROW, EXTRA) if c in table.columns])
    # The reader keeps an export's columns named like the worklist's own as "<name> (export)": here the
    # file *is* a worklist, so its own names come back.
    frame.columns = [str(c).removesuffix(" (export)").strip().lower() for c in frame.columns]
    blank = ~(frame != "").any(axis=1).to_numpy()
    frame = frame.loc[~blank].reset_index(drop=True)
    for col in DATE_COLUMNS:
        if col in frame.columns:
            text = frame[col].astype(str).str.strip()
            text = text.where(~text.isin(["NaT", "nan", "None"]), "")
            # The triage's own date reader: ISO, then DD/MM/YYYY (a worklist re-saved by UK Excel).
            frame[col] = parse_dates(text)
    return frame


def _row(i: int) -> int:
    """The row a person sees in a spreadsheet (the header is row 1)."""
    return i + 2


def _days(frame: pd.DataFrame, column: str, start: pd.Timestamp) -> np.ndarray:
    values = pd.to_datetime(frame[column], errors="coerce")
    days = (values - start).dt.days.to_numpy(dtype="float64", na_value=np.nan)
    return days


def _text(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].astype("string").str.strip().str.lower().fillna("").to_numpy(dtype=object)


def already_deprived(frame: pd.DataFrame, setting: np.ndarray, builder: BlockBuilder) -> np.ndarray:
    """Whether each standard request's person is already deprived of liberty: the worklist's own
    ``already_deprived`` (yes/no, as triage wrote it, defaults filled in), else the rules file's default
    per setting (the same rule as triage's, :mod:`triage.authority`)."""
    default = triage.already_deprived_defaults(setting, builder.timescales)
    if "already_deprived" not in frame.columns:
        return default
    given = _text(frame, "already_deprived")
    return np.where(np.isin(given, ["yes", "no"]), given == "yes", default)


def without_reviews(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """A worklist without its Part 8 review requests, and how many there were: the model simulates
    requests for authorisation; a review's person is under an authorisation in force."""
    if "request_type" not in frame.columns:
        return frame, 0
    review = frame["request_type"].astype(str).str.strip().str.lower().eq("review").to_numpy()
    return frame.loc[~review].reset_index(drop=True), int(review.sum())


def worklist_inputs(
    frame: pd.DataFrame, start_date: date, builder: BlockBuilder, extension_u: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, Clock]:
    """Screening columns, received times, bands and clock of a worklist, on the simulation's time line.

    An urgent authorisation not yet extended (no ``urgent_extended_days`` > 0) and not yet expired on
    the start date may still get its one extension (drawn with the scenario's extension share).
    """
    frame = frame.rename(columns=lambda c: str(c).strip().lower())
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ScenarioError(f"initial worklist: missing column(s) {missing}")
    start = pd.Timestamp(start_date)
    received = _days(frame, "received_date", start)
    deadline = _days(frame, "statutory_deadline", start)
    for name, values in (("received_date", received), ("statutory_deadline", deadline)):
        bad = np.flatnonzero(np.isnan(values))
        if bad.size:
            raise ScenarioError(f"initial worklist row {_row(bad[0])}: {name} is not a date")
    late = np.flatnonzero(received > 0)
    if late.size:
        raise ScenarioError(
            f"initial worklist row {_row(late[0])}: received_date is after the scenario start date "
            f"{start_date.isoformat()} (start the scenario on the worklist's as-of date)"
        )
    rtype = _text(frame, "request_type")
    setting = _text(frame, "setting")
    band = _text(frame, "priority")
    reason = (
        _text(frame, "primary_support_reason")
        if "primary_support_reason" in frame.columns
        else np.full(len(frame), "", dtype=object)
    )
    # Triage writes a blank or unrecognised reason as "unknown": both mean not recorded here.
    reason = np.where(np.isin(reason, ["", UNKNOWN_REASON]), "not_recorded", reason)
    for name, values, allowed in (
        ("request_type", rtype, REQUEST_TYPES),
        ("setting", setting, SETTINGS),
        ("priority", band, builder.bands),
        ("primary_support_reason", reason, SUPPORT_REASON_CODES),
    ):
        bad = np.flatnonzero(~np.isin(values, allowed))
        if bad.size:
            raise ScenarioError(
                f"initial worklist row {_row(bad[0])}: {name} {values[bad[0]]!r}"
                f" is not one of {list(allowed)}"
            )
    code = np.select([rtype == "urgent", rtype == "renewal"], [URGENT, RENEWAL], 0)
    urgent = code == URGENT

    urgent_day = _days(frame, "urgent_expiry", start) if "urgent_expiry" in frame.columns else None
    if urgent_day is None:
        urgent_day = np.where(urgent, deadline, np.nan)
    urgent_day = np.where(urgent, np.where(np.isnan(urgent_day), deadline, urgent_day), np.nan)
    extended = np.zeros(len(frame), dtype=bool)
    if "urgent_extended_days" in frame.columns:
        ext_days = pd.to_numeric(frame["urgent_extended_days"], errors="coerce").fillna(0).to_numpy()
        extended = ext_days > 0
    share = builder.scenario.outcomes.urgent_extension_granted_share
    may_extend = urgent & ~extended & (urgent_day + 1 > 0) & builder.can_extend
    extend = may_extend & (extension_u < share)
    expiry = (
        _days(frame, "authorisation_expiry", start) + 1  # the end of the standing authorisation's last day
        if "authorisation_expiry" in frame.columns
        else np.full(len(frame), np.nan)
    )
    ends = triage.authority_ends(
        deadline_day=deadline,
        already_deprived=already_deprived(frame, setting, builder),
        is_urgent=urgent,
        urgent_expiry_day=urgent_day,
        extension_granted=extend,
        extension_adds=builder.extension_adds,
        is_renewal=code == RENEWAL,
        authorisation_end=expiry,
        received=received,
    )

    columns = {"request_type": rtype, "setting": setting, "primary_support_reason": reason}
    clock = Clock(
        deadline_day=np.where(urgent, urgent_day, deadline),
        urgent_expiry_day=urgent_day,
        deadline_end=ends.decision_due,
        urgent_end=urgent_day + 1,
        unauthorised_from=ends.unauthorised_from,
        authorisation_end=expiry,
    )
    return columns, received, band, clock
