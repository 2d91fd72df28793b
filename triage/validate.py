"""Validate an export row by row: parse what can be trusted, refuse what cannot, lose nothing.

Every input row ends in exactly one of two tables: ``accepted`` (parsed, typed, ready for the clock and
screening) or ``rejects`` (the row's original cells plus ``problems``, naming the row, column, value and
what was expected). A refused row is never silently fixed or dropped, because a person behind it still
needs their application decided. Checks are vectorised (a 100,000-row export validates in well under a
second); only rows that fail build a message.

Non-fatal issues (an unrecognised yes/no answer, an unknown support reason) do not refuse the row: the
value is treated as "not known" and noted in ``data_warnings`` so the lead can chase it.

Codes and dates are read through the export's mapping (:mod:`triage.mapping`): "Further Authorisation"
is a renewal, "Nursing Home" a care home, "Y" yes and "01/03/26" a date, because the mapping file says so.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from triage.columns import MappedExport
from triage.errors import DolsSimError
from triage.identity import id_key, visible
from triage.ingest import EXTRA, READ_PROBLEM, ROW
from triage.mapping import NEAR_MISS_CUTOFF, YES_NO, ExportMapping, by_distinct, match_key, parse_dates
from triage.rulebook import Rules
from triage.screening import NO, UNKNOWN, YES
from triage.text_export import UNREADABLE
from triage.vocabulary import (
    AWAITING_ALLOCATION,
    CATEGORICAL_FIELDS,
    CONTRACT_COLUMNS,
    DATE_COLUMNS,
    REVIEW,
    UNKNOWN_REASON,
)

DATE_EXPECTED = "expected a date as YYYY-MM-DD or DD/MM/YYYY"
FLAG_CODES = {"yes": YES, "no": NO, "unknown": UNKNOWN, "not_applicable": UNKNOWN, "": UNKNOWN}
NOT_AN_ANSWER = -9  # a yes/no cell in no spelling the mapping knows (warned of, then "not known")
MIN_AGE, MAX_AGE = 18, 120
#: Who can authorise a deprivation of liberty below the DoLS' age of 18: the Court of Protection for
#: 16 and 17 year olds (the MCA applies from 16), the High Court's inherent jurisdiction under 16
#: (Re D [2019] UKSC 42; Re T [2021] UKSC 35).
COURT_OF_PROTECTION_FROM_AGE = 16
ROUTE_16_17 = (
    "Court of Protection (the MCA applies from 16, the DoLS from 18); the request still needs an answer"
)
ROUTE_UNDER_16 = "High Court, inherent jurisdiction (Re T [2021] UKSC 35); the request still needs an answer"
#: What a setting outside the DoLS (a home in the community, supported living) needs instead.
COMMUNITY_ROUTE = (
    "the DoLS cover care homes and hospitals only, and a deprivation of liberty in the community "
    "(e.g. supported living) is authorised by the Court of Protection (Re X [2014] EWCOP 25)"
)
#: An as-of date outside this range is a typing mistake (the DoLS began on 1 April 2009).
AS_OF_RANGE = (date(2009, 4, 1), date(2100, 12, 31))
_VALUE_SHOWN = 40


@dataclass
class Validated:
    """The outcome of validation: typed accepted rows, refused rows with reasons, and the rows of people
    the DoLS do not cover (under 18), each with the route that can authorise their deprivation."""

    accepted: pd.DataFrame
    rejects: pd.DataFrame
    outside_scope: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: screening answers given as "N/A" or the like, read as not known (a count: safe to show)
    not_applicable_answers: int = 0


def _show(value: object) -> str:
    text = str(value)
    return text if len(text) <= _VALUE_SHOWN else text[: _VALUE_SHOWN - 3] + "..."


#: Deadlines are counted in England's days: "today" is the date in London, whatever the server's zone.
ENGLAND = ZoneInfo("Europe/London")


def today_in_england() -> date:
    """Today's date in England (the default as-of date for an export or a history read now)."""
    return datetime.now(ENGLAND).date()


def parse_as_of(text: str) -> date:
    """A date a person typed (the as-of date): read like an export's dates, and plausible for the DoLS.

    Raises :class:`~triage.errors.DolsSimError` naming what was typed and what was expected.
    """
    parsed = parse_dates(pd.Series([text.strip()], dtype=str)).iloc[0]
    if pd.isna(parsed):
        raise DolsSimError(f"'{text}': not a date (expected YYYY-MM-DD or DD/MM/YYYY)")
    day: date = parsed.date()
    if not AS_OF_RANGE[0] <= day <= AS_OF_RANGE[1]:
        raise DolsSimError(f"'{text}': expected a date from 2009-04-01 (the DoLS began) to 2100")
    return day


def map_distinct(text: pd.Series, fn: Callable[[str], object], dtype: type = object) -> np.ndarray:
    """``fn`` applied once per distinct value (an export has few), then spread back: fast on 100k rows."""
    codes, uniques = pd.factorize(text)
    mapped: np.ndarray = np.array([fn(u) for u in uniques] + [fn("")], dtype=dtype)
    return mapped[codes]  # code -1 (missing) takes the last entry, fn("")


def _age_on(born: pd.Series, as_of: date) -> pd.Series:
    """Whole years from each date of birth to ``as_of`` (NaN where no date): 18 on the birthday."""
    years = as_of.year - born.dt.year
    before_birthday = (born.dt.month > as_of.month) | (
        (born.dt.month == as_of.month) & (born.dt.day > as_of.day)
    )
    return (years - before_birthday.astype("int64")).where(born.notna()).astype("float64")


def _numbers(text: pd.Series) -> pd.Series:
    """Numbers (NaN where not one), converted once per distinct value."""
    return by_distinct(text, lambda distinct: pd.Series(pd.to_numeric(distinct, errors="coerce")))


def _coded(text: pd.Series, mapping: ExportMapping, fld: str) -> pd.Series:
    """Each cell's code under the mapping: '' when blank, None when the spelling is not known."""
    return pd.Series(map_distinct(text, mapping.coder(fld)), index=text.index, dtype=object)


def _suggest(mapping: ExportMapping, fld: str) -> Callable[[str], str]:
    """' (did you mean X?)' for a near miss of a known spelling, else ''."""
    table = mapping.codes(fld)

    def hint(value: str) -> str:
        close = difflib.get_close_matches(match_key(value), list(table), n=1, cutoff=NEAR_MISS_CUTOFF)
        return f" (did you mean {table[close[0]]}?)" if close else ""

    return hint


class _Problems:
    """Collects messages for the rows that fail, without touching the rows that pass."""

    def __init__(self, n: int) -> None:
        self.by_row: dict[int, list[str]] = {}
        self.n = n

    def add(self, mask: np.ndarray | pd.Series, messages: Iterable[str]) -> None:
        idx = np.flatnonzero(np.asarray(mask, dtype=bool))
        for i, msg in zip(idx.tolist(), messages, strict=True):
            self.by_row.setdefault(i, []).append(msg)

    def mask(self) -> np.ndarray:
        m = np.zeros(self.n, dtype=bool)
        if self.by_row:
            m[list(self.by_row)] = True
        return m

    def joined(self, positions: np.ndarray) -> np.ndarray:
        """Each position's messages, "; "-joined ("" for most: built only for the rows that have some)."""
        out = np.full(len(positions), "", dtype=object)
        if self.by_row:
            where = np.flatnonzero(np.isin(positions, list(self.by_row)))
            out[where] = ["; ".join(self.by_row[int(i)]) for i in positions[where]]
        return out


def validate(export: MappedExport, as_of: date, rules: Rules, *, past_requests: bool = False) -> Validated:
    """Split an export into accepted (typed) rows and rejects (with reasons). See the module docstring.

    ``past_requests``: the rows are a history's (calibration, a backtest's past worklist). A history
    need not say when the authorisation a renewal or review follows ends (calibration counts requests,
    it does not alert on them), so a blank expiry is not refused there; a worklist of open requests
    needs it for its alerts."""
    df = export.table.reset_index(drop=True)
    mapping = export.mapping
    n = len(df)
    as_of_ts = pd.Timestamp(as_of)
    problems = _Problems(n)
    warnings = _Problems(n)
    blank = pd.Series("", index=df.index, dtype=str)

    def text(col: str) -> pd.Series:
        return df[col].str.strip() if col in df.columns else blank

    def refuse(mask: pd.Series | np.ndarray, col: str, values: pd.Series, why: str) -> None:
        m = np.asarray(mask, dtype=bool)
        if m.any():
            problems.add(m, (f"{col} '{_show(v)}': {why}" for v in values[m]))

    def refuse_blank(mask: pd.Series | np.ndarray, col: str, why: str) -> None:
        m = np.asarray(mask, dtype=bool)
        if m.any():
            problems.add(m, (f"{col}: blank ({why})" for _ in range(int(m.sum()))))

    # -- the row's shape
    extra = text(EXTRA)
    refuse(extra.ne(""), "row", extra, "more fields than the header (a stray comma or unquoted value?)")
    unread = text(READ_PROBLEM)  # the reader's own refusal (an unclosed quote), already one message
    if unread.ne("").any():
        problems.add(unread.ne(""), unread[unread.ne("")])

    # -- characters that could not be read (bytes not UTF-8, a NUL inside a value): flagged, never dropped
    unreadable = np.zeros(n, dtype=bool)
    for col in df.columns:
        if pd.api.types.is_string_dtype(df[col]) or pd.api.types.is_object_dtype(df[col]):
            unreadable |= df[col].astype(str).str.contains(UNREADABLE, regex=False).to_numpy(dtype=bool)
    if unreadable.any():
        warnings.add(
            unreadable,
            (
                "row: holds characters that could not be read (shown as \ufffd: bytes that are not UTF-8, or "
                "a NUL): check the export"
                for _ in range(int(unreadable.sum()))
            ),
        )

    # -- application_id: present and unique
    app_id = text("application_id")
    refuse_blank(app_id.eq(""), "application_id", "expected a unique reference")
    same = id_key(app_id)  # compared as a person reads them: case, width, invisible characters aside
    dup = app_id.ne("") & same.duplicated(keep=False)
    if dup.any():
        rows_of = df.loc[dup, ROW].groupby(same[dup]).agg(list)
        written = dict(zip(df.loc[dup, ROW], app_id[dup], strict=True))
        msgs = []
        for i, given, key in zip(df.loc[dup, ROW], app_id[dup], same[dup], strict=True):
            others = [r for r in rows_of[key] if r != i]
            spelt = [f"'{visible(_show(written[r]))}'" for r in others if written[r] != given]
            as_there = f", written there as {', '.join(dict.fromkeys(spelt))}" if spelt else ""
            msgs.append(
                f"application_id '{_show(given)}': duplicate, also on row(s) {', '.join(map(str, others))}"
                f"{as_there} (none is used)"
            )
        problems.add(dup, msgs)

    # -- dates
    dates: dict[str, pd.Series] = {}
    for col in DATE_COLUMNS:
        raw_text = text(col)
        parsed = parse_dates(raw_text, mapping.date_formats)
        refuse(parsed.isna() & raw_text.ne(""), col, raw_text, f"not a date ({DATE_EXPECTED})")
        dates[col] = parsed
    received = dates["received_date"]
    received_text = text("received_date")
    refuse_blank(received_text.eq(""), "received_date", DATE_EXPECTED)
    refuse(received > as_of_ts, "received_date", received_text, f"after the as-of date {as_of.isoformat()}")
    in_force = rules.timescales.scheme.in_force_from
    refuse(
        received < pd.Timestamp(in_force),
        "received_date",
        received_text,
        f"before the DoLS came into force ({in_force.isoformat()})",
    )

    # -- categorical fields
    setting = _coded(text("setting"), mapping, "setting")
    request_type = _coded(text("request_type"), mapping, "request_type")
    for col, values in (("setting", setting), ("request_type", request_type)):
        allowed = " or ".join(sorted(CATEGORICAL_FIELDS[col]))
        refuse_blank(values.eq(""), col, f"expected {allowed}")
        odd = values.isna().to_numpy()
        if odd.any():
            hint = _suggest(mapping, col)
            after = f" ({COMMUNITY_ROUTE})" if col == "setting" else ""
            problems.add(
                odd, (f"{col} '{_show(v)}': expected {allowed}{hint(v)}{after}" for v in text(col)[odd])
            )
    is_urgent = request_type.eq("urgent")
    is_renewal = request_type.eq("renewal")
    is_review = request_type.eq(REVIEW)

    # -- urgent authorisation
    urgent_start = dates["urgent_start"]
    urgent_text = text("urgent_start")
    refuse_blank(
        is_urgent & urgent_text.eq(""), "urgent_start", "an urgent request needs the date it was given"
    )
    refuse(
        is_urgent & (urgent_start > as_of_ts),
        "urgent_start",
        urgent_text,
        f"after the as-of date {as_of.isoformat()}",
    )
    # An urgent authorisation given more than 7 days before the request arrived is not bad data: it had
    # ended, the person is without authority, and it cannot be given again (Sch A1 para 77(2)). It stays
    # on the worklist, flagged (triage.authority), with reg 13(1)'s 21 days.
    # The extension in days, or (an export that says only "extension granted") yes/no: yes is the
    # extension the rules allow (timescales.toml [urgent] extension_granted_days), said on the row.
    ext_text = text("urgent_extended_days")
    ext = _numbers(ext_text)
    urgent_rules = rules.timescales.urgent
    max_ext = urgent_rules.max_extension_days
    answer = pd.Series(map_distinct(ext_text, mapping.coder(YES_NO)), index=df.index)
    said_yes = ext.isna() & answer.eq("yes")
    said_no = ext.isna() & answer.isin(("no", "unknown", "not_applicable"))
    ext = ext.mask(said_yes, urgent_rules.extension_granted_days).mask(said_no, 0)
    bad_ext = ext_text.ne("") & (ext.isna() | (ext % 1 != 0) | (ext < 0) | (ext > max_ext))
    refuse(
        bad_ext,
        "urgent_extended_days",
        ext_text,
        f"expected a whole number of days from 0 to {max_ext}, or yes/no (extension granted)",
    )
    granted = (said_yes & is_urgent).to_numpy()
    if granted.any():
        warnings.add(
            granted,
            (
                f"urgent_extended_days '{_show(v)}': read as an extension of "
                f"{urgent_rules.extension_granted_days} days"
                for v in ext_text[granted]
            ),
        )
    extended = ext.where(~bad_ext & ext.notna(), 0).astype("int64")

    # -- renewal and review: both follow a standard authorisation
    expiry_blank = text("current_authorisation_expiry").eq("") & (not past_requests)
    refuse_blank(
        is_renewal & expiry_blank,
        "current_authorisation_expiry",
        "a renewal needs the expiry date of the current authorisation",
    )
    refuse_blank(
        is_review & expiry_blank,
        "current_authorisation_expiry",
        "a review (Part 8) needs the expiry date of the authorisation under review",
    )

    # -- age
    # Age is read from the date of birth (as of the as-of date: the DoLS apply from 18 on the day), or
    # from the age column; a date in the age column is a date of birth (an export mapped that way).
    age_text = text("age")
    age = _numbers(age_text)
    born_in_age = parse_dates(age_text.where(age.isna(), ""), mapping.date_formats)
    born = dates["date_of_birth"].fillna(born_in_age)
    born_text = text("date_of_birth").where(dates["date_of_birth"].notna(), age_text)
    refuse(born > as_of_ts, "date_of_birth", born_text, f"after the as-of date {as_of.isoformat()}")
    age = _age_on(born, as_of).fillna(age)
    not_number = age_text.ne("") & born.isna() & (age.isna() | (age % 1 != 0))
    refuse(not_number, "age", age_text, "expected a whole number of years (or a date of birth)")
    # Under 18: outside the DoLS, but not bad data (the request still needs a formal answer, and counts
    # in the annual return): listed apart with the route, unless the row is refused for something else.
    minor = (~not_number & ~(born > as_of_ts) & (age < MIN_AGE)).to_numpy(dtype=bool)
    route = np.where(age.to_numpy() < COURT_OF_PROTECTION_FROM_AGE, ROUTE_UNDER_16, ROUTE_16_17)
    refuse(~not_number & (age > MAX_AGE), "age", age_text, f"not a plausible age ({MIN_AGE}-{MAX_AGE})")

    # -- a decided application is not an open one
    completed_text = text("completed_date")
    refuse(
        completed_text.ne("") & dates["completed_date"].notna(),
        "completed_date",
        completed_text,
        "already decided: not an open application (historic rows are for calibration)",
    )

    # -- non-fatal: support reason and screening answers
    def coded_or(col: str, default: str, why: str) -> pd.Series:
        """The column's codes; a blank cell is ``default``, and so is an unknown spelling, warned of."""
        values = _coded(text(col), mapping, col)
        odd = values.isna()
        if odd.any():
            warnings.add(odd, (f"{col} '{_show(v)}': {why}" for v in text(col)[odd]))
        return values.where(values.ne("") & ~odd, default)

    reason = coded_or("primary_support_reason", UNKNOWN_REASON, "not a known reason, counted as unknown")

    # -- work in hand: where the request is, since when, who holds it (issue 20)
    status = coded_or("status", AWAITING_ALLOCATION, "not a known stage, so treated as awaiting allocation")
    status_date = dates["status_date"]
    status_text = text("status_date")
    refuse(status_date > as_of_ts, "status_date", status_text, f"after the as-of date {as_of.isoformat()}")
    early = status_date.notna() & received.notna() & (status_date < received)
    if early.any():
        warnings.add(
            early,
            (f"status_date '{_show(v)}': before the request was received" for v in status_text[early]),
        )

    yes_no = mapping.coder(YES_NO)

    def flag_code(value: str) -> int:
        code = yes_no(value)
        return NOT_AN_ANSWER if code is None else FLAG_CODES[code]

    def not_applicable(value: str) -> bool:
        return yes_no(value) == "not_applicable"

    flags: dict[str, np.ndarray] = {}
    na_cells = np.zeros(n, dtype=np.int64)
    for col in rules.criteria.inputs.flags:
        raw_flag = text(col)
        na_cells += map_distinct(raw_flag, not_applicable, bool)
        coded = map_distinct(raw_flag, flag_code, np.int8)  # small integers throughout: no object arrays
        odd_answer = coded == NOT_AN_ANSWER
        if odd_answer.any():
            warnings.add(
                odd_answer,
                (f"{col} '{_show(v)}': not yes/no, treated as not known" for v in raw_flag[odd_answer]),
            )
            coded[odd_answer] = UNKNOWN
        flags[col] = coded

    deprived_text = text("already_deprived")
    deprived = map_distinct(deprived_text, flag_code, np.int8)
    odd_deprived = deprived == NOT_AN_ANSWER
    if odd_deprived.any():
        warnings.add(
            odd_deprived,
            (
                f"already_deprived '{_show(v)}': not yes/no, so the setting's default is used"
                for v in deprived_text[odd_deprived]
            ),
        )
        deprived[odd_deprived] = UNKNOWN

    # -- split
    bad = problems.mask()
    if (minor & bad).any():  # refused anyway: say the age too, so nothing is hidden
        problems.add(
            minor & bad,
            (f"age '{_show(v)}': under {MIN_AGE}, outside the DoLS" for v in age_text[minor & bad]),
        )
    refused = problems.mask()
    apart = minor & ~refused
    refused = refused | apart
    keep = np.flatnonzero(~refused)
    drop = np.flatnonzero(refused & ~apart)
    aside = np.flatnonzero(apart)
    known = {*CONTRACT_COLUMNS, *rules.criteria.inputs.flags, ROW, EXTRA, READ_PROBLEM}
    passthrough = [c for c in df.columns if c not in known]

    accepted = pd.DataFrame(
        {
            ROW: df[ROW].to_numpy()[keep],
            "application_id": app_id.to_numpy()[keep],
            "received_date": received.to_numpy()[keep],
            "setting": setting.to_numpy()[keep],
            "request_type": request_type.to_numpy()[keep],
            "urgent_start": dates["urgent_start"].where(is_urgent).to_numpy()[keep],
            "urgent_extended_days": extended.where(is_urgent, 0).to_numpy()[keep],
            "current_authorisation_expiry": dates["current_authorisation_expiry"]
            .where(is_renewal | is_review)
            .to_numpy()[keep],
            "already_deprived": deprived[keep],
            "age": age.where(~not_number).to_numpy()[keep],
            "primary_support_reason": reason.to_numpy()[keep],
            **{col: codes[keep] for col, codes in flags.items()},
            "person_id": text("person_id").to_numpy()[keep],
            "status": status.to_numpy()[keep],
            "status_date": status_date.to_numpy()[keep],
            "assessor": text("assessor").to_numpy()[keep],
        }
    )
    # Columns are added in one step, not one by one: a 5,000-column export stays linear.
    accepted = pd.concat(
        [
            accepted,
            df[passthrough].iloc[keep].reset_index(drop=True),
            pd.DataFrame({"data_warnings": warnings.joined(keep)}),
        ],
        axis=1,
    )

    original = df.drop(columns=[c for c in (EXTRA, READ_PROBLEM) if c in df.columns])
    original = original.iloc[drop].reset_index(drop=True)
    rest = [c for c in original.columns if c not in (ROW, "application_id")]
    rejects = pd.concat(
        [
            pd.DataFrame(
                {
                    ROW: original[ROW].to_numpy(),
                    "application_id": app_id.to_numpy()[drop],
                    "problems": problems.joined(drop),
                }
            ),
            original[rest],
            pd.DataFrame({EXTRA: df[EXTRA].to_numpy()[drop]}),  # ingest always adds it
        ],
        axis=1,
    )
    outside = pd.concat(
        [
            pd.DataFrame(
                {
                    ROW: df[ROW].to_numpy()[aside],
                    "application_id": app_id.to_numpy()[aside],
                    "age": age.to_numpy()[aside].astype("int64"),
                    "route": route[aside],
                }
            ),
            df.drop(columns=[c for c in (EXTRA, READ_PROBLEM, ROW, "application_id", "age") if c in df])
            .iloc[aside]
            .reset_index(drop=True),
        ],
        axis=1,
    )
    return Validated(
        accepted=accepted,
        rejects=rejects,
        outside_scope=outside,
        not_applicable_answers=int(na_cells[keep].sum()),
    )
