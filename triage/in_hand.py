"""Work in hand: the open requests already with an assessor or awaiting sign-off (issue 20).

Why apart from the ranked worklist: the worklist answers "what do we allocate next?", so a request that a
best interests assessor already holds must not sit among the unallocated. It is still an open request on
the same statutory clock (and a person may still be deprived of liberty without authority while it is
assessed), so every count of the summary covers it; it is shown in its own table, by stage, with the days
it has been in that stage and whether it is past its deadline, and each assessor's caseload.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from triage.vocabulary import IN_HAND_STATUSES

#: What the tables call each stage.
STAGE_LABELS = {
    "with_best_interests_assessor": "with best interests assessor",
    "with_mental_health_assessor": "with mental health assessor",
    "awaiting_sign_off": "awaiting sign-off",
}
#: The in-hand table's leading columns, in order; the rest of the worklist's columns follow.
IN_HAND_COLUMNS = [
    "application_id",
    "stage",
    "assessor",
    "status_date",
    "days_in_stage",
    "priority",
    "statutory_deadline",
    "days_to_deadline",
    "breached",
    "without_authority_since",
    "alerts",
]
#: The caseload table's columns: one row per assessor.
CASELOAD_COLUMNS = ["assessor", *STAGE_LABELS.values(), "cases", "past deadline", "longest in stage (days)"]
UNASSIGNED = "(no assessor named)"


def is_in_hand(status: pd.Series) -> np.ndarray:
    return status.isin(IN_HAND_STATUSES).to_numpy(dtype=bool)


def in_hand_table(rows: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The in-hand rows by stage (in the order a request passes through them), then longest in stage.

    ``days_in_stage`` counts from ``status_date`` (blank when the export does not say since when).
    """
    out = rows.drop(columns=["rank"], errors="ignore").copy()
    out["stage"] = out["status"].map(STAGE_LABELS)
    days = (pd.Timestamp(as_of) - pd.to_datetime(out["status_date"])).dt.days
    out["days_in_stage"] = days.astype("Int64")
    stage_order = out["status"].map({s: i for i, s in enumerate(IN_HAND_STATUSES)})
    out = out.assign(_stage=stage_order).sort_values(
        ["_stage", "days_in_stage"], ascending=[True, False], na_position="last", kind="stable"
    )
    rest = [c for c in out.columns if c not in IN_HAND_COLUMNS and c != "_stage"]
    return out[[*IN_HAND_COLUMNS, *rest]].reset_index(drop=True)


def caseload(in_hand: pd.DataFrame) -> pd.DataFrame:
    """Each assessor's cases by stage, how many are past their deadline, and the longest in its stage."""
    if not len(in_hand):
        return pd.DataFrame(columns=CASELOAD_COLUMNS)
    who = in_hand["assessor"].astype(str).str.strip().replace("", UNASSIGNED)
    by_stage = pd.crosstab(who, in_hand["stage"]).reindex(columns=list(STAGE_LABELS.values()), fill_value=0)
    table = by_stage.assign(
        cases=by_stage.sum(axis=1),
        **{
            "past deadline": in_hand.groupby(who)["breached"].sum().astype(int),
            "longest in stage (days)": in_hand.groupby(who)["days_in_stage"].max(),
        },
    )
    table = table.sort_values(["cases", "past deadline"], ascending=False, kind="stable")
    return table.rename_axis("assessor").reset_index()[CASELOAD_COLUMNS]


__all__ = ["CASELOAD_COLUMNS", "IN_HAND_COLUMNS", "STAGE_LABELS", "caseload", "in_hand_table", "is_in_hand"]
