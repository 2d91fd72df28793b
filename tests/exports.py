"""Exports shaped like real case-management exports, built in memory from a synthetic one (never real data).

Each shape renames the contract's columns as some system might, recodes its values ("Further
Authorisation", "Nursing Home", "Y"/"N", "Unknown", SALT support reasons) and writes its dates its own way
(dd/mm/yy, Excel date cells, 01-Mar-2026), as CSV or XLSX. The canonical synthetic export is the answer:
each shape, read through the mapping, must give the same worklist.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from triage.synth import synthesise

AS_OF = date(2026, 11, 23)
DATE_COLUMNS = ("received_date", "urgent_start", "current_authorisation_expiry")
FLAGS = (
    "objecting", "family_objecting", "unsettled_placement", "restraint", "sedation_or_covert_medication",
    "one_to_one", "contact_restrictions", "move_considered", "fluctuating_capacity", "end_of_life",
    "change_since_last_authorisation",
)  # fmt: skip


#: Each shape's header for a contract column (None: the contract's own name kept):
#: (case management system, no screening answers, a council's own, snake_case)
HEADERS: dict[str, tuple[str | None, ...]] = {
    "application_id": ("Request ID", "DoLS Ref", "Ref No", "request_reference"),
    "received_date": ("Date Received", "Date of Request", "Date In", "date_request_received"),
    "request_type": ("Request Type", "Type of Request", "Kind", "type_of_application"),
    "urgent_start": ("Urgent Authorisation Start", "UA Start Date", "UA From", "urgent_authorisation_date"),
    "urgent_extended_days": ("Urgent Extension Days", "Extension Days", None, None),
    "current_authorisation_expiry": (
        "Current Authorisation Expiry",
        "SA Expiry",
        "Current DoLS Ends",
        "sa_end_date",
    ),
    "age": ("Age", "Age on Receipt", None, None),
    "primary_support_reason": ("Primary Support Reason", None, None, None),
    "objecting": ("Person Objecting", None, "P Objects", None),
    "family_objecting": ("Family Objecting", None, None, None),
    "unsettled_placement": ("Placement Unsettled", None, None, None),
    "restraint": ("Physical Restraint", None, None, None),
    "sedation_or_covert_medication": ("Sedation/Covert Medication", None, None, None),
    "one_to_one": ("1:1 Supervision", None, "Constant Obs", None),
    "contact_restrictions": ("Restrictions on Contact", None, None, None),
    "move_considered": ("Planned Move", None, None, None),
    "fluctuating_capacity": ("Fluctuating Capacity", None, None, None),
    "end_of_life": ("End of Life Care", None, None, None),
    "change_since_last_authorisation": ("Change in Circumstances", None, None, None),
    "setting": ("Placement Type", "Care Setting", "Where", "setting_type"),
    "team": (None, "Équipe", None, None),
}


def _headers(shape: int) -> dict[str, str]:
    return {column: names[shape] for column, names in HEADERS.items() if names[shape] is not None}


@dataclass(frozen=True)
class Shape:
    name: str
    filename: str
    data: bytes
    mapping_text: str | None = None  # a council's own mapping file, when the shipped one is not enough
    screening_columns: bool = True  # False: the export has no screening answers at all


def canonical(n: int = 300, seed: int = 7) -> pd.DataFrame:
    """The synthetic export in the contract's own names and codes (no spoiled rows)."""
    return synthesise(n, AS_OF, seed=seed, bad_rows=0)


def iso_dates(df: pd.DataFrame) -> pd.DataFrame:
    """Every date as ISO text (the synthetic export mixes in some DD/MM/YYYY)."""
    out = df.copy()
    for col in DATE_COLUMNS:
        text = out[col]
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        parsed = parsed.fillna(pd.to_datetime(text, format="%d/%m/%Y", errors="coerce"))
        out[col] = parsed.dt.strftime("%Y-%m-%d").fillna("")
    return out


def _dates(df: pd.DataFrame, fmt: str) -> pd.DataFrame:
    out = df.copy()
    for col in DATE_COLUMNS:
        parsed = pd.to_datetime(out[col], format="%Y-%m-%d", errors="coerce")
        out[col] = parsed.dt.strftime(fmt).fillna("")
    return out


def _recode(df: pd.DataFrame, col: str, codes: dict[str, list[str]]) -> None:
    """Each code written in turn as each of its spellings (so every spelling appears)."""
    values = df[col].to_numpy(dtype=object).copy()
    for code, spellings in codes.items():
        where = np.flatnonzero(values == code)
        for k, i in enumerate(where):
            values[i] = spellings[k % len(spellings)]
    df[col] = values


def _flags(df: pd.DataFrame, yes: str, no: str, blank: str) -> None:
    for flag in FLAGS:
        df[flag] = df[flag].map({"yes": yes, "no": no, "": blank})


def _csv(df: pd.DataFrame, encoding: str = "utf-8") -> bytes:
    return df.to_csv(index=False).encode(encoding)


def _xlsx(df: pd.DataFrame, date_cells: bool = False) -> bytes:
    out = df.copy()
    if date_cells:  # real Excel dates, as a workbook saved from a case-management system has
        for col in (c for c in out.columns if "date" in c.lower() or "start" in c.lower()):
            out[col] = [datetime.fromisoformat(v) if v else None for v in out[col]]
    buf = io.BytesIO()
    out.to_excel(buf, index=False, engine="xlsxwriter")
    return buf.getvalue()


def case_management_csv(df: pd.DataFrame) -> Shape:
    """The issue's shape: 'Date Received', 'Request ID', 'Further Authorisation', 'Nursing Home', dd/mm/yy,
    Y/N/Unknown, '1:1 Supervision', 'Sedation/Covert Medication', 'Placement Type'."""
    out = _dates(df, "%d/%m/%y")
    _recode(out, "request_type", {"renewal": ["Further Authorisation"], "urgent": ["Urgent Authorisation"]})
    _recode(
        out,
        "setting",
        {"care_home": ["Nursing Home", "Residential Home"], "hospital": ["Acute Hospital", "Ward"]},
    )
    _flags(out, "Y", "N", "Unknown")
    out = out.rename(columns=_headers(0))
    return Shape("case management system, CSV", "requests.csv", _csv(out))


def upper_case_xlsx(df: pd.DataFrame) -> Shape:
    """Upper-case headers with spaces, Excel date cells, SALT support reasons, TRUE/FALSE answers."""
    out = df.copy()
    _recode(
        out,
        "primary_support_reason",
        {
            "dementia": ["Support with Memory and Cognition"],
            "learning_disability": ["Learning Disability Support"],
            "mental_health": ["Mental Health Support"],
            "acquired_brain_injury": ["Acquired Brain Injury"],
            "other": ["Physical Support: Personal Care Support", "Social Support"],
        },
    )
    _recode(out, "setting", {"care_home": ["Care Home with Nursing"], "hospital": ["NHS Hospital"]})
    _flags(out, "TRUE", "FALSE", "")
    out.columns = [c.replace("_", " ").upper() for c in out.columns]
    return Shape("upper-case headers, Excel dates, XLSX", "DOLS_EXPORT.xlsx", _xlsx(out, date_cells=True))


def no_screening_csv(df: pd.DataFrame) -> Shape:
    """Only the request's facts, none of the screening answers; Windows-1252 (Excel's 'CSV' on Windows)."""
    out = _dates(df, "%d/%m/%Y")[
        ["application_id", "received_date", "setting", "request_type", "urgent_start",
         "urgent_extended_days", "current_authorisation_expiry", "age", "primary_support_reason", "team"]
    ]  # fmt: skip
    out = out.rename(columns=_headers(1))
    return Shape("no screening answers, Windows-1252 CSV", "referrals.csv", _csv(out, "cp1252"), None, False)


#: A council's own mapping file: its names are in no shipped mapping, so the file says what they mean.
COUNCIL_MAPPING = (
    "[columns]\n"
    + "".join(f'{column} = ["{header}"]\n' for column, header in _headers(2).items())
    + """
[values.setting]
care_home = ["CH"]
hospital = ["HOSP"]

[values.request_type]
standard = ["STD"]
urgent = ["UA"]
renewal = ["REN"]

[values.yes_no]
yes = ["Ticked"]
no = ["Not ticked"]
"""
)


def council_own_csv(df: pd.DataFrame) -> Shape:
    """A council's own headers and codes, read with its own mapping file (--columns)."""
    out = df.copy()
    _recode(out, "setting", {"care_home": ["CH"], "hospital": ["HOSP"]})
    _recode(out, "request_type", {"standard": ["STD"], "urgent": ["UA"], "renewal": ["REN"]})
    _flags(out, "Ticked", "Not ticked", "")
    out = out.rename(columns=_headers(2))
    return Shape(
        "a council's own names, with its mapping file, CSV", "council.csv", _csv(out), COUNCIL_MAPPING
    )


def month_names_xlsx(df: pd.DataFrame) -> Shape:
    """snake_case variants, '01-Mar-2026' dates as text, Yes/No/Not Known, 'Further Standard
    Authorisation'."""
    out = _dates(df, "%d-%b-%Y")
    _recode(out, "request_type", {"renewal": ["Further Standard Authorisation"], "standard": ["Standard"]})
    _recode(out, "setting", {"care_home": ["Care Home without Nursing"], "hospital": ["Hospital Ward"]})
    _flags(out, "Yes", "No", "Not Known")
    out = out.rename(columns=_headers(3))
    return Shape("snake_case, month names, XLSX", "extract.xlsx", _xlsx(out))


SHAPES: tuple[Callable[[pd.DataFrame], Shape], ...] = (
    case_management_csv,
    upper_case_xlsx,
    no_screening_csv,
    council_own_csv,
    month_names_xlsx,
)


def export_shapes(n: int = 300, seed: int = 7) -> tuple[pd.DataFrame, list[Shape]]:
    """The canonical export (ISO dates) and every shape of it."""
    df = iso_dates(canonical(n, seed))
    return df, [make(df) for make in SHAPES]


def example_moved_to(day: date) -> bytes:
    """The shipped example with every date moved by the same number of days, so that its own as-of day
    (2026-11-23) becomes ``day``: a council's export pulled on the morning after ``day`` (its
    deliberately bad rows stay bad, its waits stay the same)."""
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "examples" / "open_applications.csv"
    frame = pd.read_csv(example, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    shift = pd.Timedelta(days=(day - AS_OF).days)
    for column in DATE_COLUMNS:
        moved = pd.to_datetime(frame[column], errors="coerce", format="%Y-%m-%d") + shift
        frame[column] = moved.dt.strftime("%Y-%m-%d").where(moved.notna(), frame[column])
    return frame.to_csv(index=False).encode()
