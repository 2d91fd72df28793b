"""Today's worklist: validated applications, screened, put on the statutory clock, and ordered.

``build_worklist`` is the one entry point the CLI, the web page and scripts share: export in, ranked
and explained worklist plus rejects out, with the rows of people the DoLS do not cover (under 18) listed
apart: ``rows_in == len(worklist) + len(outside_scope) + len(rejects)`` always.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from triage.alerts import ALERT_COLUMNS, add_alerts
from triage.arrays import labelled
from triage.authority import AUTHORITY_COLUMNS, add_authority
from triage.clock import CLOCK_COLUMNS, apply_clock, day_numbers
from triage.columns import ColumnMatch, MappedExport, map_columns
from triage.in_hand import in_hand_table, is_in_hand
from triage.ingest import ROW, RawExport, ReadFacts, read_export
from triage.mapping import ExportMapping
from triage.policy import order, sort_keys
from triage.rulebook import Rules, Tier, load_rules
from triage.screening import NO, YES, screen
from triage.validate import validate


def tier_label(tier: Tier) -> str:
    """What the worklist calls a tier: its own label, else its conditions in words."""
    return (
        tier.label or " and ".join(c.replace("_", " ") for c in tier.when if c != "any") or "by priority band"
    )


#: The worklist's leading columns, in order; the export's own columns follow.
LEADING_COLUMNS = [
    "rank",
    "application_id",
    "priority",
    "reasons",
    "missing_information",
    *CLOCK_COLUMNS,
    "worklist_group",
    *AUTHORITY_COLUMNS,
    "already_deprived",
    *ALERT_COLUMNS,
]


@dataclass
class TriageResult:
    """A worklist and its rejects, with what is needed to account for every input row."""

    worklist: pd.DataFrame
    rejects: pd.DataFrame
    as_of: date
    rows_in: int
    blank_rows_skipped: int
    source_name: str
    policy_id: str
    #: what the reader found, in the user's units (lines of their file, rows of their sheet)
    read: ReadFacts = field(default_factory=lambda: ReadFacts(lines=0))
    #: how the export's headers were read (near misses and spare spellings to warn about)
    columns: ColumnMatch = field(default_factory=lambda: ColumnMatch({}))
    #: screening questions the criteria read that the export has no column for
    absent_screening_columns: tuple[str, ...] = ()
    #: people the DoLS do not cover (under 18), each with the route that can authorise a deprivation
    outside_scope: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: screening answers given as "N/A" (or the like), read as not known
    not_applicable_answers: int = 0
    #: open requests already with an assessor or awaiting sign-off (:mod:`triage.in_hand`): not ranked
    in_hand: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def rows_accounted(self) -> int:
        """Worklist + work in hand + outside the DoLS + rejects: always ``rows_in``."""
        return len(self.worklist) + len(self.in_hand) + len(self.outside_scope) + len(self.rejects)

    @property
    def open_requests(self) -> pd.DataFrame:
        """Every open request, ranked or in hand: what the summary counts and a simulation starts from."""
        if not len(self.in_hand):
            return self.worklist
        held = self.in_hand.drop(columns=["stage", "days_in_stage"])
        return pd.concat([self.worklist, held], ignore_index=True).reindex(columns=self.worklist.columns)


def build_worklist(
    source: bytes | str | Path | RawExport | MappedExport,
    as_of: date,
    rules: Rules | None = None,
    *,
    filename: str | None = None,
    policy_id: str | None = None,
    mapping: ExportMapping | None = None,
    past_requests: bool = False,
) -> TriageResult:
    """Read, map, validate, screen, clock and order an export (bytes, a path, or an already-read or
    already-mapped export). ``mapping``: the export's headers and codes (default: the shipped mapping);
    ``past_requests``: the rows are a history's (see :func:`triage.validate.validate`)."""
    rules = rules or load_rules()
    if isinstance(source, MappedExport):
        export = source
    else:
        raw = source if isinstance(source, RawExport) else read_export(source, filename)
        export = map_columns(raw, mapping, rules.criteria.inputs.flags)
    policy = rules.policies.get(policy_id or rules.policies.worklist_default)
    checked = validate(export, as_of, rules, past_requests=past_requests)
    clocked = apply_clock(checked.accepted, as_of, rules.timescales)
    apps = add_alerts(add_authority(clocked, as_of, rules.timescales), as_of, rules.timescales)

    columns: dict[str, np.ndarray] = {
        c: apps[c].to_numpy() for c in ("request_type", "setting", "primary_support_reason")
    }
    for flag in rules.criteria.inputs.flags:
        columns[flag] = apps[flag].to_numpy()
    screening = screen(columns, rules.criteria)

    keys = sort_keys(
        policy,
        rules.policies,
        request_type=apps["request_type"].to_numpy(),
        band=screening.order_band if screening.order_band is not None else screening.band,
        received_date=day_numbers(apps["received_date"]),
        statutory_deadline=day_numbers(apps["statutory_deadline"]),
        urgent_expiry=day_numbers(apps["urgent_expiry"]),
        authorisation_expiry=day_numbers(apps["authorisation_expiry"]),
        as_of=float(day_numbers(pd.Series([pd.Timestamp(as_of)]))[0]),
    )
    tier_names = [tier_label(t) for t in policy.tiers] + ["not ordered by this policy"]

    out = apps
    out["priority"] = screening.band
    out["reasons"] = screening.reasons()
    out["missing_information"] = screening.missing_information()
    tiers = np.where(np.isinf(keys[:, 0]), len(policy.tiers), keys[:, 0]).astype(np.int64)
    out["worklist_group"] = labelled(tiers, tier_names)
    for flag in rules.criteria.inputs.flags:
        answer = out[flag].to_numpy()
        out[flag] = labelled(np.select([answer == YES, answer == NO], [0, 1], 2), ["yes", "no", ""])
    ranked = out.iloc[order(keys)].reset_index(drop=True)
    held = is_in_hand(ranked["status"])  # work in hand: its own table, not ranked for allocation
    in_hand = ranked[held].reset_index(drop=True)
    ranked = ranked[~held].reset_index(drop=True)
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    rest = [c for c in ranked.columns if c not in LEADING_COLUMNS and c not in ("data_warnings", ROW)]
    worklist = ranked[[*LEADING_COLUMNS, *rest, "data_warnings", ROW]]
    return TriageResult(
        worklist=worklist,
        in_hand=in_hand_table(in_hand[[c for c in worklist.columns if c != "rank"]], as_of),
        rejects=checked.rejects,
        as_of=as_of,
        rows_in=export.rows_in,
        blank_rows_skipped=export.raw.blank_rows_skipped,
        source_name=export.source_name,
        policy_id=policy.id,
        read=export.raw.facts,
        columns=export.columns,
        absent_screening_columns=tuple(
            f for f in rules.criteria.required_flags if f not in export.columns.used
        ),
        outside_scope=checked.outside_scope,
        not_applicable_answers=checked.not_applicable_answers,
    )
