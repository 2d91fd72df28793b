"""The register of authorisations in force: the half of a DoLS team's job that no open request shows.

Why its own module and file: an authorisation that ends with no further request leaves the person
deprived of liberty without authority the next day (Sch A1 paras 1(3), 2), and no request exists to say
so; and the duties after a grant (the representative, IMCAs, conditions, reviews, suspension) are about
authorisations, not requests. The register is read through the same mapping machinery as the export
(its headers and codes as data in ``rules/export_mapping.toml``), checked row by row (every line ends in
the register or its rejects), joined with the open requests by person reference, and given its alerts
in plain words. It never mixes into the request ranking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from triage.columns import match_columns
from triage.errors import InputFileError
from triage.ingest import EXTRA, READ_PROBLEM, ROW, RawExport, read_export
from triage.mapping import YES_NO, ExportMapping, default_mapping, parse_dates
from triage.rulebook import Rules, load_rules
from triage.validate import DATE_EXPECTED, _show, map_distinct

#: The register's columns (canonical names; a council's own headers map to them).
REGISTER_COLUMNS: tuple[str, ...] = (
    "authorisation_id",
    "person_id",
    "start_date",
    "end_date",
    "conditions",
    "rpr_appointed_date",
    "rpr_type",
    "rpr_end_date",
    "imca_39c",
    "imca_39d_requested",
    "review_requested",
    "suspended_since",
)
REGISTER_REQUIRED: tuple[str, ...] = ("authorisation_id", "person_id", "start_date", "end_date")
REGISTER_DATES: tuple[str, ...] = (
    "start_date",
    "end_date",
    "rpr_appointed_date",
    "rpr_end_date",
    "suspended_since",
)
#: The register's alerts: column -> what it says (each is also counted on the terminal and the page).
REGISTER_ALERTS: dict[str, str] = {
    "ended_no_request": "ended with no further request: deprived of liberty without authority",
    "ending_no_request": "ends soon and no further request received (Sch A1 para 24)",
    "rpr_not_appointed": "no relevant person's representative appointed (Sch A1 para 139)",
    "rpr_ended_no_successor": "representative ended with no successor: s39C IMCA due",
    "imca_39d_requested": "s39D IMCA requested: instruct one",
    "conditions_to_check": "conditions attached: check they are met (Sch A1 para 53)",
    "review_requested": "review requested: carry it out (Sch A1 Part 8)",
    "suspension_ceased": "suspended more than 28 days: the authorisation has ceased (Sch A1 Part 6)",
}
#: The same alerts as short labels (the terminal's and the page's counts).
REGISTER_ALERT_LABELS: dict[str, str] = {
    "ended_no_request": "ended, no further request",
    "ending_no_request": "ending soon, no further request",
    "rpr_not_appointed": "no RPR appointed",
    "rpr_ended_no_successor": "RPR ended, s39C IMCA due",
    "imca_39d_requested": "s39D IMCA requested",
    "conditions_to_check": "conditions to check",
    "review_requested": "review requested",
    "suspension_ceased": "suspended over 28 days (ceased)",
}
#: The register table's leading columns.
REGISTER_LEADING = [
    "authorisation_id",
    "person_id",
    "start_date",
    "end_date",
    "without_authority_since",
    "alerts",
]
#: A "no" in a text column (conditions, a review or a 39D request): nothing to do.
_NOTHING = {"", "no", "n", "none", "nil", "false", "0", "na", "n/a", "not applicable"}


@dataclass
class RegisterResult:
    """The register with its alerts, its rejects, and the counts a lead reads first."""

    register: pd.DataFrame
    rejects: pd.DataFrame
    rows_in: int
    source_name: str
    counts: dict[str, int] = field(default_factory=dict)
    #: open requests whose person reference matches no authorisation (renewals and reviews only)
    unmatched_further_requests: int = 0

    @property
    def without_authority(self) -> int:
        """People whose authorisation ended with no further request: in the headline count."""
        return self.counts.get("ended_no_request", 0)

    @property
    def rows_accounted(self) -> int:
        return len(self.register) + len(self.rejects)


def read_register(
    source: bytes | str | Path, filename: str | None = None, mapping: ExportMapping | None = None
) -> tuple[RawExport, pd.DataFrame]:
    """The register as read (the file's headers) and its rows under the canonical names. Raises
    :class:`InputFileError` naming a required column it cannot find."""
    mapping = mapping or default_mapping()
    raw = read_export(source, filename)
    match = match_columns([str(c) for c in raw.table.columns], mapping, list(REGISTER_COLUMNS))
    missing = [c for c in REGISTER_REQUIRED if c not in match.used]
    if missing:
        raise InputFileError(
            f"{raw.source_name}: no {' or '.join(missing)} column in the register's first row; name the "
            "column that holds it in a mapping file (--columns, or on the page)"
        )
    return raw, raw.table.rename(columns={h: c for c, h in match.used.items()})


def build_register(
    source: bytes | str | Path,
    as_of: date,
    open_requests: pd.DataFrame,
    rules: Rules | None = None,
    *,
    filename: str | None = None,
    mapping: ExportMapping | None = None,
) -> RegisterResult:
    """Read, check and alert the register as of ``as_of``, joined with the open requests (the triage
    worklist and work in hand) by ``person_id``."""
    rules = rules or load_rules()
    mapping = mapping or default_mapping()
    raw, df = read_register(source, filename, mapping)
    df = df.reset_index(drop=True)
    n = len(df)
    blank = pd.Series("", index=df.index, dtype=str)

    def text(col: str) -> pd.Series:
        return df[col].astype(str).str.strip() if col in df.columns else blank

    problems: dict[int, list[str]] = {}

    def refuse(mask: pd.Series | np.ndarray, why: str, values: pd.Series | None = None) -> None:
        """Each flagged row's reason; ``{}`` in ``why`` is the row's own cell (built for those rows only)."""
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            cell = "" if values is None else _show(str(values.iloc[i]))
            problems.setdefault(int(i), []).append(why.replace("{}", cell))

    extra, unread = text(EXTRA), text(READ_PROBLEM)
    refuse(extra.ne(""), "row: more fields than the header (a stray comma or unquoted value?)")
    refuse(unread.ne(""), "{}", unread)
    ids, person = text("authorisation_id"), text("person_id")
    refuse(ids.eq(""), "authorisation_id: blank (expected a unique reference)")
    refuse(person.eq(""), "person_id: blank (expected the person's reference, to join with the requests)")
    dup = ids.ne("") & ids.duplicated(keep=False)
    refuse(dup, "authorisation_id '{}': duplicate (none is used)", ids)
    dates: dict[str, pd.Series] = {}
    for col in REGISTER_DATES:
        raw_text = text(col)
        dates[col] = parse_dates(raw_text, mapping.date_formats)
        refuse(dates[col].isna() & raw_text.ne(""), f"{col} '{{}}': not a date ({DATE_EXPECTED})", raw_text)
    start, end = dates["start_date"], dates["end_date"]
    refuse(text("start_date").eq(""), "start_date: blank (expected the day the authorisation began)")
    refuse(text("end_date").eq(""), "end_date: blank (expected the day the authorisation ends)")
    refuse(end < start, "end_date '{}': before start_date", text("end_date"))
    longest = rules.timescales.standard_authorisation.max_days
    refuse(
        (end - start).dt.days >= longest + 1,
        f"end_date: more than a year after start_date (Sch A1 para 42: at most {longest} days)",
    )
    refuse(start > pd.Timestamp(as_of), "start_date '{}': after the as-of date", text("start_date"))
    # Two authorisations in force on the day for one person: one of them is wrong, and nothing says which.
    as_of_ts = pd.Timestamp(as_of)
    in_force = (start <= as_of_ts) & (end >= as_of_ts) & person.ne("")
    twice = in_force & (in_force.groupby(person).transform("sum") >= 2)
    refuse(twice, "person_id '{}': two authorisations in force on the as-of date (none is used)", person)

    bad = np.zeros(n, dtype=bool)
    bad[list(problems)] = True
    keep = np.flatnonzero(~bad)
    register = _alerts(
        df.iloc[keep].reset_index(drop=True),
        {k: v.iloc[keep].reset_index(drop=True) for k, v in dates.items()},
        as_of,
        open_requests,
        rules,
        mapping,
    )
    rejects = pd.concat(
        [
            pd.DataFrame(
                {
                    ROW: df[ROW].to_numpy()[bad],
                    "authorisation_id": ids.to_numpy()[bad],
                    "problems": ["; ".join(problems[int(i)]) for i in np.flatnonzero(bad)],
                }
            ),
            df.loc[
                bad, [c for c in df.columns if c not in (ROW, "authorisation_id", EXTRA, READ_PROBLEM)]
            ].reset_index(drop=True),
        ],
        axis=1,
    )
    counts = {k: int(register[k].sum()) for k in REGISTER_ALERTS}
    return RegisterResult(
        register=register,
        rejects=rejects,
        rows_in=n,
        source_name=raw.source_name,
        counts=counts,
        unmatched_further_requests=_unmatched(
            open_requests, set(register["person_id"].to_numpy(dtype=object).tolist())
        ),
    )


def _alerts(
    df: pd.DataFrame,
    dates: dict[str, pd.Series],
    as_of: date,
    open_requests: pd.DataFrame,
    rules: Rules,
    mapping: ExportMapping,
) -> pd.DataFrame:
    """Each authorisation's alerts as of the day, and since when the person is without authority."""
    today = pd.Timestamp(as_of)
    r = rules.timescales.authorisations_register
    start, end = dates["start_date"], dates["end_date"]
    yes_no = mapping.coder(YES_NO)

    def said(col: str) -> pd.Series:
        """A text or yes/no column that says something is there (not blank, not a "no")."""
        if col not in df.columns:
            return pd.Series(False, index=df.index)
        cells = df[col].astype(str).str.strip()
        return pd.Series(
            map_distinct(cells, lambda v: v.lower() not in _NOTHING and yes_no(v) not in ("no", ""), bool),
            index=df.index,
        )

    requested = _further_request_received(df["person_id"].astype(str).str.strip(), start, open_requests)
    out = df.drop(columns=[c for c in (EXTRA, READ_PROBLEM) if c in df.columns]).copy()
    for col, values in dates.items():
        out[col] = values
    ended = end < today
    out["further_request_received"] = requested
    out["ended_no_request"] = ended & ~requested
    out["ending_no_request"] = ~ended & (end <= today + pd.Timedelta(days=r.ending_within_days)) & ~requested
    rpr, rpr_end = dates["rpr_appointed_date"], dates["rpr_end_date"]
    out["rpr_not_appointed"] = (
        ~ended & rpr.isna() & (today - start >= pd.Timedelta(days=r.rpr_appoint_within_days))
    )
    out["rpr_ended_no_successor"] = (
        ~ended & rpr_end.notna() & (rpr_end <= today) & ~(rpr > rpr_end) & ~said("imca_39c")
    )
    out["imca_39d_requested"] = ~ended & said("imca_39d_requested")
    out["conditions_to_check"] = ~ended & said("conditions")
    out["review_requested"] = ~ended & said("review_requested")
    suspended = dates["suspended_since"]
    out["suspension_ceased"] = (
        ~ended & suspended.notna() & (today - suspended >= pd.Timedelta(days=r.suspension_ceases_after_days))
    )
    out["without_authority_since"] = (end + pd.Timedelta(days=1)).where(out["ended_no_request"])
    flags = out[list(REGISTER_ALERTS)].to_numpy(dtype=bool)
    words = np.array(list(REGISTER_ALERTS.values()), dtype=object)
    alerts = np.full(len(out), "", dtype=object)
    for i in np.flatnonzero(flags.any(axis=1)):  # built only for the rows that have one
        alerts[i] = "; ".join(words[flags[i]])
    out["alerts"] = alerts
    rest = [c for c in out.columns if c not in REGISTER_LEADING and c != ROW]
    return out[[*REGISTER_LEADING, *rest, ROW]]


def _further_request_received(person: pd.Series, start: pd.Series, open_requests: pd.DataFrame) -> pd.Series:
    """Whether an open request for the same person was received on or after the authorisation began (a
    further request, or a new one after a move): then the request's own clock and authority take over."""
    if "person_id" not in open_requests.columns or not len(open_requests):
        return pd.Series(False, index=person.index)
    req = open_requests[["person_id", "received_date"]].copy()
    req["person_id"] = req["person_id"].astype(str).str.strip()
    req = req[req["person_id"].ne("")]
    latest = pd.to_datetime(req.groupby("person_id")["received_date"].max())
    seen = person.map(latest)
    return (seen.notna() & (seen >= start)).astype(bool)


def _unmatched(open_requests: pd.DataFrame, people: set[str]) -> int:
    """Renewals and reviews whose person reference is in no authorisation of the register."""
    if "person_id" not in open_requests.columns or not len(open_requests):
        return 0
    ref = open_requests["person_id"].astype(str).str.strip()
    further = open_requests["request_type"].isin(["renewal", "review"]) & ref.ne("")
    # A set lookup per request (pandas' isin on Arrow strings converts each value of the set one by one).
    known = np.fromiter((r in people for r in ref.to_numpy(dtype=object)), dtype=bool, count=len(ref))
    return int((further.to_numpy() & ~known).sum())


__all__ = [
    "REGISTER_ALERTS",
    "REGISTER_ALERT_LABELS",
    "REGISTER_COLUMNS",
    "RegisterResult",
    "build_register",
    "read_register",
]
