"""Counts a DoLS lead reads first: bands, breaches, urgent expiries, longest waits, and equity splits.

Counts only: nothing here carries a person's details, so it is safe to print to a terminal or log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from triage.alerts import AlertCounts, count_alerts
from triage.authority import URGENT_IN_FORCE
from triage.in_hand import STAGE_LABELS
from triage.ingest import ReadFacts
from triage.register import RegisterResult
from triage.vocabulary import REVIEW
from triage.worklist import TriageResult

#: The summary tables' columns as a person reads them (the terminal and the page both use these).
COLUMN_LABELS = {
    "priority": "band",
    "primary_support_reason": "support reason",
    "applications": "open",
    "breached": "past deadline",
    "high_priority": "in the top band",
    "median_wait_days": "median wait (days)",
    "longest_wait_days": "longest wait (days)",
}


@dataclass
class TriageSummary:
    rows_in: int
    accepted: int
    rejected: int
    #: under 18: outside the DoLS, listed apart with the route (not rejects)
    outside_scope: int
    breached: int
    urgent_expiring_soon: int
    extension_due: int
    by_band: pd.DataFrame  # band, applications, breached, longest_wait_days, median_wait_days
    by_support_reason: pd.DataFrame
    by_setting: pd.DataFrame
    rejects_by_column: pd.DataFrame  # column, rows
    alerts: AlertCounts
    source_name: str = ""
    blank_rows_skipped: int = 0
    read: ReadFacts = field(default_factory=lambda: ReadFacts(lines=0))
    #: screening questions with no column in the export, and the unscreened rows missing one of them
    absent_screening_columns: tuple[str, ...] = ()
    unscreened_for_absent_columns: int = 0
    #: headers a person should look at (near misses, spare spellings): header names only
    column_warnings: tuple[str, ...] = ()
    #: Part 8 review requests on the worklist (their own section: no reg 13 deadline)
    reviews: int = 0
    #: screening answers given as "N/A" or the like, read as not known
    not_applicable_answers: int = 0
    #: work in hand (with an assessor or awaiting sign-off): not ranked, but in every count above
    in_hand: int = 0
    in_hand_by_stage: dict[str, int] = field(default_factory=dict)
    in_hand_breached: int = 0
    #: how many assessors hold the work in hand (names are not counts: never printed)
    assessors: int = 0
    #: the register of authorisations in force, when one was given: each alert's count, rows, refused
    register_counts: dict[str, int] = field(default_factory=dict)
    register_rows: int = 0
    register_rejected: int = 0
    #: renewals and reviews whose person reference is in no authorisation of the register
    unmatched_further_requests: int = 0

    @property
    def without_authority_total(self) -> int:
        """Requests without authority, and authorisations that ended with no further request."""
        return self.alerts.without_authority + self.register_counts.get("ended_no_request", 0)


def _group(worklist: pd.DataFrame, key: str, top_band: str, order: list[str] | None = None) -> pd.DataFrame:
    g = worklist.groupby(key, observed=True, sort=False)
    table = pd.DataFrame(
        {
            "applications": g.size(),
            "breached": g["breached"].sum().astype("int64"),
            "high_priority": worklist["priority"].eq(top_band).groupby(worklist[key], sort=False).sum(),
            "median_wait_days": g["days_waiting"].median(),
            "longest_wait_days": g["days_waiting"].max().astype("int64"),
        }
    )
    table.index.name = key
    if order:
        table = table.reindex(
            [o for o in order if o in table.index] + [i for i in table.index if i not in order]
        )
    else:
        table = table.sort_index()
    return table.reset_index()


def urgent_expiring_within(worklist: pd.DataFrame, days: int) -> pd.DataFrame:
    """Urgent authorisations still in force that end within ``days`` days of the as-of date (the page
    lets a lead pick the window; the rules file's own window gives ``urgent_expiring_soon``)."""
    in_force = worklist["authority"].eq(URGENT_IN_FORCE)
    return worklist[in_force & worklist["days_to_deadline"].between(0, days)]


def unscreened_for_absent(worklist: pd.DataFrame, absent: tuple[str, ...], band: str) -> int:
    """Rows banded ``band`` (the criteria's no-criterion band) whose missing information includes a
    screening question the export has no column for: they would need that column to be screened."""
    if not absent or not len(worklist):
        return 0
    unscreened = worklist["priority"].eq(band)
    missing = worklist.loc[unscreened, "missing_information"].str.split("; ")
    return int(missing.map(lambda fields: not set(absent).isdisjoint(fields)).sum())


def summarise(
    result: TriageResult, bands: list[str] | None = None, register: RegisterResult | None = None
) -> TriageSummary:
    """Summary tables of a triage result. ``bands`` (highest first, as in the criteria file, then the
    no-criterion band) orders the band table, and its first is what ``high_priority`` counts."""
    w = result.open_requests  # counts cover work in hand too: it is open, on the same clock
    top = bands[0] if bands else "high"
    no_band = bands[-1] if bands else "unscreened"
    rejects = result.rejects
    columns = (
        rejects["problems"].str.split("; ").explode().str.extract(r"^(\w+)", expand=False)
        if len(rejects)
        else pd.Series([], dtype=str)
    )
    rejects_by_column = columns.value_counts().rename_axis("column").reset_index(name="rows")
    return TriageSummary(
        rows_in=result.rows_in,
        accepted=len(result.worklist),
        rejected=len(rejects),
        in_hand=len(result.in_hand),
        in_hand_by_stage=_in_hand_by_stage(result.in_hand),
        in_hand_breached=int(result.in_hand["breached"].sum()) if len(result.in_hand) else 0,
        assessors=_assessors(result.in_hand),
        outside_scope=len(result.outside_scope),
        reviews=int(w["request_type"].eq(REVIEW).sum()),
        not_applicable_answers=result.not_applicable_answers,
        breached=int(w["breached"].sum()),
        urgent_expiring_soon=int(w["urgent_expiring_soon"].sum()),
        extension_due=int(w["extension_due"].sum()),
        by_band=_group(w, "priority", top, bands),
        by_support_reason=_group(w, "primary_support_reason", top),
        by_setting=_group(w, "setting", top),
        rejects_by_column=rejects_by_column,
        source_name=result.source_name,
        blank_rows_skipped=result.blank_rows_skipped,
        read=result.read,
        alerts=count_alerts(w),
        absent_screening_columns=result.absent_screening_columns,
        unscreened_for_absent_columns=unscreened_for_absent(w, result.absent_screening_columns, no_band),
        column_warnings=(*result.read.repeated_headers, *result.columns.warnings()),
        register_counts=dict(register.counts) if register else {},
        register_rows=len(register.register) if register else 0,
        register_rejected=len(register.rejects) if register else 0,
        unmatched_further_requests=register.unmatched_further_requests if register else 0,
    )


def _assessors(in_hand: pd.DataFrame) -> int:
    if not len(in_hand):
        return 0
    named = in_hand["assessor"].astype(str).str.strip()
    return int(named[named.ne("")].nunique())


def _in_hand_by_stage(in_hand: pd.DataFrame) -> dict[str, int]:
    if not len(in_hand):
        return {}
    counts = in_hand["stage"].value_counts()
    return {label: int(counts.get(label, 0)) for label in STAGE_LABELS.values()}


def nothing_accepted(s: TriageSummary, name: str) -> str:
    """One line for a file in which no row could be used: how many, and the commonest cause."""

    def rows(n: int) -> str:
        return f"{n:,} row{'' if n == 1 else 's'}"

    top = s.rejects_by_column.iloc[0] if len(s.rejects_by_column) else None
    cause = f"; most often for {top['column']} ({rows(int(top['rows']))})" if top is not None else ""
    return f"{name}: every row ({s.rows_in:,}) was refused, so there is no worklist{cause}"
