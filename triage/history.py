"""Validate a history of past requests (for calibration): every row used or refused with a reason.

A history is an export of the input contract's columns plus ``completed_date`` and ``outcome``
(``granted``, ``not_granted`` or ``withdrawn``) and, optionally, ``closure_reason`` for a withdrawn
request (``screening``: closed when the form was read, e.g. a duplicate or not eligible; ``died``;
``circumstances_changed``: discharged, moved, regained capacity). Case systems' spellings of both
("Authorised", "Closed", "Moved", "Screened Out", "Deceased") are read through the mapping
(``[values.outcome]``, ``[values.closure_reason]`` in rules/export_mapping.toml).

It is read by the same ingest as the worklist (:func:`triage.ingest.read_export`: CSV or XLSX, in
memory) and validated by the same rules (:func:`triage.validate.validate`) for everything an open
request has, so a history's received dates, settings, request types and urgent authorisations are
refused exactly as the worklist refuses them; except that a renewal or review needs no expiry of the
authorisation it follows (calibration counts requests, it does not alert on them).
What is a history's own is checked here:

- ``completed_date`` not a date, after the as-of date (a future date), or before ``received_date``;
- a completed row with no ``outcome``, an outcome that is not one of the three, an outcome with no
  ``completed_date``;
- a row repeated exactly (every cell the same): the first copy is used, the others refused as duplicates;
- an ``application_id`` on rows that differ (a request closed and reopened under the same reference, or
  two requests sharing one): none is used, since which one is the request cannot be told.

An unrecognised ``closure_reason`` is a warning, not a refusal (the reason is then not known), and each
such spelling is counted (:attr:`History.unknown_closure_reasons`) so the page and the terminal can say
which to add to a mapping file. Nothing is lost: ``rows_in == len(used) + len(rejects)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from triage.columns import MappedExport, map_columns
from triage.errors import InputFileError
from triage.ingest import EXTRA, ROW, RawExport, read_export
from triage.mapping import ExportMapping, default_mapping
from triage.rulebook import Rules, load_rules
from triage.validate import DATE_EXPECTED, map_distinct, parse_dates, validate
from triage.vocabulary import CLOSURE_REASONS, OUTCOMES

HISTORY_ONLY = ("completed_date", "outcome", "closure_reason")
#: Read from a history beside the contract's columns (matched through the mapping like them).
HISTORY_COLUMNS = ("closure_reason",)
_SHOWN = 40


@dataclass
class History:
    """A validated history: typed rows used for calibration, refused rows with their reasons."""

    used: pd.DataFrame
    rejects: pd.DataFrame
    as_of: date
    rows_in: int
    source_name: str
    #: The used rows as given (text), with their row numbers: what a worklist of the rows open on a past
    #: day is built from (a backtest starts from it).
    given: RawExport | None = None
    #: The contract's columns the file has: a figure from a column it lacks is not known, never 0%.
    columns: frozenset[str] = frozenset()
    #: closure_reason spellings not in the mapping, with how many rows have each (read as not known).
    unknown_closure_reasons: dict[str, int] = field(default_factory=dict)


def canonical(text: str) -> str:
    """A history's own codes as the contract spells them: 'Not Granted' and 'not-granted' mean not_granted."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _show(value: object) -> str:
    text = str(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _text(df: pd.DataFrame, col: str) -> pd.Series:
    if col in df.columns:
        return df[col].astype(str).str.strip()
    return pd.Series("", index=df.index, dtype=str)


def coded(text: pd.Series, fld: str, mapping: ExportMapping) -> np.ndarray:
    """A history's coded column read through the mapping's spellings; a spelling it does not know is
    kept in the contract's style ('Moved Abroad' -> 'moved_abroad'), so a message can name it."""
    code = mapping.coder(fld)

    def read(value: str) -> str:
        found = code(value)
        return found if found is not None else canonical(value)

    return map_distinct(text, read)


def contract_named(table: pd.DataFrame, like: RawExport, rules: Rules) -> MappedExport:
    """A table already under the contract's names (rows of a history) as an export validation reads."""
    return map_columns(RawExport(table, like.source_name, like.encoding), None, rules.criteria.inputs.flags)


def _repeats(df: pd.DataFrame) -> dict[int, str]:
    """Refusals for exact repeats (later copies) and for ids on rows that differ (all of them)."""
    cells = df.drop(columns=[ROW])
    rows = df[ROW].to_numpy()
    refused: dict[int, str] = {}
    exact = cells.duplicated(keep="first").to_numpy()
    if exact.any():
        keyed = pd.util.hash_pandas_object(cells, index=False).to_numpy()
        first_of = dict(zip(keyed[~exact].tolist(), rows[~exact].tolist(), strict=True))
        for i in np.flatnonzero(exact).tolist():
            refused[i] = f"duplicate: the same as row {first_of[keyed[i]]} in every column (that row is used)"
    app_id = _text(df, "application_id")
    distinct = app_id.ne("") & ~exact
    clash = distinct & app_id.where(distinct).duplicated(keep=False)
    if clash.any():
        rows_of = df.loc[clash, ROW].groupby(app_id[clash]).agg(list)
        for i in np.flatnonzero(clash.to_numpy()).tolist():
            key, row = str(app_id.iat[i]), int(rows[i])
            others = ", ".join(str(r) for r in rows_of[key] if r != row)
            refused[i] = (
                f"application_id '{_show(key)}': also on row(s) {others} with different details "
                "(reopened, or two requests sharing a reference): none is used"
            )
    return refused


def _own_checks(
    df: pd.DataFrame, as_of: date, mapping: ExportMapping
) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """The history's own refusals and warnings, by position (see the module docstring)."""
    problems: dict[int, list[str]] = {}
    warnings: dict[int, list[str]] = {}

    def note(into: dict[int, list[str]], mask: pd.Series, messages: list[str]) -> None:
        for i, msg in zip(np.flatnonzero(mask.to_numpy(dtype=bool)), messages, strict=True):
            into.setdefault(int(i), []).append(msg)

    completed_text = _text(df, "completed_date")
    completed = parse_dates(completed_text)
    received = parse_dates(_text(df, "received_date"))
    bad = completed.isna() & completed_text.ne("")
    note(
        problems,
        bad,
        [f"completed_date '{_show(v)}': not a date ({DATE_EXPECTED})" for v in completed_text[bad]],
    )
    future = completed > pd.Timestamp(as_of)
    note(
        problems,
        future,
        [
            f"completed_date '{_show(v)}': after the as-of date {as_of.isoformat()}"
            for v in completed_text[future]
        ],
    )
    early = completed < received
    note(
        problems,
        early,
        [
            f"completed_date '{_show(c)}': before received_date '{_show(r)}'"
            for c, r in zip(completed_text[early], _text(df, "received_date")[early], strict=True)
        ],
    )
    outcome_text = _text(df, "outcome")
    outcome = pd.Series(coded(outcome_text, "outcome", mapping), index=df.index, dtype=object)
    done = completed.notna()
    missing = done & outcome.eq("")
    note(
        problems,
        missing,
        ["outcome: blank on a completed row (expected granted, not_granted or withdrawn)"]
        * int(missing.sum()),
    )
    unknown = outcome.ne("") & ~outcome.isin(OUTCOMES)
    note(
        problems,
        unknown,
        [f"outcome '{_show(v)}': expected granted, not_granted or withdrawn" for v in outcome_text[unknown]],
    )
    orphan = outcome.ne("") & completed_text.eq("")
    note(
        problems,
        orphan,
        ["outcome given but completed_date blank (a completed request needs both)"] * int(orphan.sum()),
    )
    reason_text = _text(df, "closure_reason")
    reason = pd.Series(coded(reason_text, "closure_reason", mapping), index=df.index, dtype=object)
    odd = reason.ne("") & ~reason.isin(CLOSURE_REASONS)
    note(
        warnings,
        odd,
        [
            f"closure_reason '{_show(v)}': not screening, died or circumstances_changed, counted as not known"
            for v in reason_text[odd]
        ],
    )
    return problems, warnings


def read_history(
    source: bytes | str | Path | RawExport,
    as_of: date,
    rules: Rules | None = None,
    *,
    filename: str | None = None,
) -> History:
    """Read and validate a history (bytes, a path, or an already-read export). See the module docstring."""
    rules = rules or load_rules()
    read = source if isinstance(source, RawExport) else read_export(source, filename)
    # The export's own headers read through the mapping, as the worklist reads them (issue 11); from here
    # on the table is under the contract's names.
    mapping = default_mapping()
    mapped = map_columns(read, mapping, [*rules.criteria.inputs.flags, *HISTORY_COLUMNS])
    raw = RawExport(mapped.table, read.source_name, read.encoding, read.blank_rows_skipped, read.facts)
    df = raw.table.reset_index(drop=True)
    if "completed_date" not in df.columns or "outcome" not in df.columns:
        raise InputFileError(
            f"{raw.source_name}: a history needs completed_date and outcome columns "
            "(blank for requests still open)"
        )
    repeats = _repeats(df)
    refused: dict[int, list[str]] = {i: [msg] for i, msg in repeats.items()}
    own, warned = _own_checks(df, as_of, mapping)
    for i, msgs in own.items():
        refused.setdefault(i, []).extend(msgs)
    # The open-request rules (dates, settings, types, urgent authorisations, ages, ...) as the worklist
    # applies them, on rows not already refused as repeats; the history's own columns are checked above.
    single = [i for i in range(len(df)) if i not in repeats]
    base_table = df.iloc[single].drop(columns=[c for c in HISTORY_ONLY if c in df.columns])
    checked = validate(
        contract_named(base_table.reset_index(drop=True), raw, rules), as_of, rules, past_requests=True
    )
    position = {int(r): i for i, r in enumerate(df[ROW])}
    for row, why in zip(checked.rejects[ROW], checked.rejects["problems"], strict=True):
        refused.setdefault(position[int(row)], []).insert(0, why)

    used_rows = checked.accepted[ROW].map(position).to_numpy()
    ok = np.array([i not in refused for i in used_rows], dtype=bool)
    used = checked.accepted.loc[ok].reset_index(drop=True)
    at = used_rows[ok]
    used["completed_date"] = parse_dates(_text(df, "completed_date")).to_numpy()[at]
    outcome = coded(_text(df, "outcome"), "outcome", mapping)
    used["outcome"] = outcome[at]
    reason = coded(_text(df, "closure_reason"), "closure_reason", mapping)
    unknown = pd.Series(_text(df, "closure_reason").to_numpy()[at])
    unknown = unknown[unknown.ne("") & ~pd.Series(reason[at]).isin(CLOSURE_REASONS)]
    reason = np.where(np.isin(reason, CLOSURE_REASONS) & (outcome == "withdrawn"), reason, "")
    used["closure_reason"] = reason[at]
    extra = ["; ".join(warned.get(int(i), [])) for i in at]
    used["data_warnings"] = [
        "; ".join(w for w in (a, b) if w) for a, b in zip(used["data_warnings"], extra, strict=True)
    ]

    drop = sorted(refused)
    original = df.drop(columns=[EXTRA]).iloc[drop].reset_index(drop=True)
    rejects = pd.DataFrame(
        {
            ROW: original[ROW].to_numpy(),
            "application_id": _text(original, "application_id").to_numpy(),
            "problems": ["; ".join(refused[i]) for i in drop],
        }
    )
    for col in original.columns:
        if col not in (ROW, "application_id"):
            rejects[col] = original[col].to_numpy()
    rejects[EXTRA] = df[EXTRA].to_numpy()[drop]
    given = df.iloc[at].drop(columns=[c for c in HISTORY_ONLY if c in df.columns]).reset_index(drop=True)
    return History(
        used=used,
        rejects=rejects,
        as_of=as_of,
        rows_in=len(raw.table),
        source_name=raw.source_name,
        given=RawExport(given, raw.source_name, raw.encoding),
        columns=frozenset(mapped.columns.used),
        unknown_closure_reasons={str(k): int(v) for k, v in unknown.value_counts().items()},
    )
