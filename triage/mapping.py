"""Column and value mapping: an export's own headers and codes read as the input contract's, as data.

Why its own module: no council's export uses the contract's names ("Date Received", "Request ID",
"Further Authorisation", "Nursing Home", "01/03/26"), and renaming columns and recoding values in a
spreadsheet before every run is where mistakes creep in. The spellings live in a mapping file
(``rules/export_mapping.toml``, and a council's own on top of it); this module only matches them.

Matching is case-, space- and punctuation-insensitive (:func:`match_key`). Reading a file
(:mod:`triage.ingest`) keeps the file's own headers; :func:`map_columns` then renames the ones it
recognises, so the page can show the file's headers in its mapping step and re-map without re-reading.
A header that fits nothing but is a near miss of a contract column still missing is named in a warning
with the suggestion (``difflib`` from the standard library: the headers are few and short, so a faster
fuzzy matcher would buy nothing).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated

import pandas as pd
import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from triage.errors import InputFileError, RulesError, describe_validation_error
from triage.ingest import EXTRA, ROW, RawExport
from triage.rulebook import RULES_DIR, read_toml
from triage.vocabulary import CATEGORICAL_FIELDS, CONTRACT_COLUMNS, DATE_COLUMNS, REQUIRED_COLUMNS

DEFAULT_MAPPING = RULES_DIR / "export_mapping.toml"
#: The value table that every yes/no screening question reads.
YES_NO = "yes_no"
YES_NO_CODES = frozenset({"yes", "no", "unknown"})
VALUE_FIELDS: dict[str, frozenset[str]] = {**CATEGORICAL_FIELDS, YES_NO: YES_NO_CODES}
#: How alike a header must be to a contract column's spelling to be named as a near miss (difflib ratio).
NEAR_MISS_CUTOFF = 0.8
_NOT_WORD = re.compile(r"[\W_]+")
ColumnName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


def match_key(text: str) -> str:
    """What matching compares: 'Date Received', 'date_received' and 'DATE-RECEIVED' are one spelling."""
    return _NOT_WORD.sub("", text.casefold())


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DateFormats(_Frozen):
    formats: Annotated[list[str], Field(min_length=1)]

    @model_validator(mode="after")
    def _readable(self) -> DateFormats:
        for fmt in self.formats:
            if "%d" not in fmt or not re.search(r"%[mbB]", fmt) or not re.search(r"%[Yy]", fmt):
                raise ValueError(f"formats: {fmt!r} needs a day (%d), a month (%m, %b or %B) and a year")
            try:
                date(2026, 3, 1).strftime(fmt)
            except ValueError:
                raise ValueError(f"formats: {fmt!r} is not a date format") from None
        return self


class ExportMapping(_Frozen):
    """Spellings of the contract's columns and codes (see rules/export_mapping.toml for the format)."""

    extends_default: bool = True
    columns: dict[ColumnName, list[str]] = {}
    #: headers that are none of the contract's columns: never read as one, never suggested or warned of
    ignore: list[str] = []
    values: dict[str, dict[str, list[str]]] = {}
    dates: DateFormats | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ExportMapping:
        _one_meaning({c: spellings for c, spellings in self.columns.items()}, "columns")
        for fld, codes in self.values.items():
            if fld not in VALUE_FIELDS:
                raise ValueError(f"values.{fld}: not a coded field (expected one of {sorted(VALUE_FIELDS)})")
            odd = set(codes) - VALUE_FIELDS[fld]
            if odd:
                raise ValueError(
                    f"values.{fld}: {sorted(odd)} not among the codes {sorted(VALUE_FIELDS[fld])}"
                )
            _one_meaning(codes, f"values.{fld}")
        return self

    @cached_property
    def header_keys(self) -> dict[str, tuple[str, int]]:
        """match key -> (contract column, rank): the contract's own name ranks 0, its spellings 1, 2, ..."""
        out: dict[str, tuple[str, int]] = {}
        for column, spellings in self.columns.items():
            out.setdefault(match_key(column), (column, 0))
            for rank, spelling in enumerate(spellings, start=1):
                out.setdefault(match_key(spelling), (column, rank))
        return out

    def codes(self, fld: str) -> dict[str, str]:
        """match key -> code for one coded field; the codes match themselves."""
        table = {match_key(code): code for code in VALUE_FIELDS[fld]}
        for code, spellings in self.values.get(fld, {}).items():
            for spelling in spellings:
                table.setdefault(match_key(spelling), code)
        return table

    def coder(self, fld: str) -> Callable[[str], str | None]:
        """A function from an export's cell to its code: '' for a blank, None for a spelling not known."""
        table = self.codes(fld)

        def code(value: str) -> str | None:
            return table.get(match_key(value)) if value.strip() else ""

        return code

    @property
    def date_formats(self) -> list[str]:
        return self.dates.formats if self.dates else ["%Y-%m-%d", "%d/%m/%Y"]


def _one_meaning(groups: dict[str, list[str]], where: str) -> None:
    seen: dict[str, str] = {}
    for name, spellings in groups.items():
        for spelling in spellings:
            k = match_key(spelling)
            if not k:
                raise ValueError(f"{where}.{name}: {spelling!r} has no letters or digits to match on")
            if seen.setdefault(k, name) != name:
                raise ValueError(f"{where}: {spelling!r} is listed for both {seen[k]} and {name}")


def _merge_groups(own: dict[str, list[str]], base: dict[str, list[str]]) -> dict[str, list[str]]:
    """Own spellings first; a base spelling the own file gives another meaning is dropped."""
    taken = {match_key(s): name for name, spellings in own.items() for s in spellings}
    merged = {name: list(spellings) for name, spellings in own.items()}
    for name, spellings in base.items():
        keep = [s for s in spellings if taken.get(match_key(s), name) == name]
        merged[name] = _dedupe([*merged.get(name, []), *keep])
    return merged


def _dedupe(spellings: Iterable[str]) -> list[str]:
    """The first of each spelling (by match key), in order."""
    first: dict[str, str] = {}
    for s in spellings:
        first.setdefault(match_key(s), s)
    return list(first.values())


def on_top_of(own: ExportMapping, base: ExportMapping) -> ExportMapping:
    """A council's mapping read on top of another (its spellings tried first)."""
    fields = sorted(set(own.values) | set(base.values))
    dates = [*(own.dates.formats if own.dates else []), *(base.dates.formats if base.dates else [])]
    return ExportMapping(
        extends_default=own.extends_default,
        columns=_merge_groups(own.columns, base.columns),
        ignore=_dedupe([*own.ignore, *base.ignore]),
        values={f: _merge_groups(own.values.get(f, {}), base.values.get(f, {})) for f in fields},
        dates=DateFormats(formats=list(dict.fromkeys(dates))) if dates else None,
    )


def parse_mapping(text: str, name: str) -> ExportMapping:
    """A mapping file's text (an upload) as it is written, not yet on the default."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{name}: not valid TOML ({exc})") from None
    return _validated(data, name)


def _validated(data: dict[str, object], name: str) -> ExportMapping:
    try:
        return ExportMapping.model_validate(data)
    except ValidationError as exc:
        raise RulesError(describe_validation_error(exc, ExportMapping, f"{name}: ")) from None


@lru_cache(maxsize=1)
def default_mapping() -> ExportMapping:
    """The shipped mapping (rules/export_mapping.toml), read once."""
    return _validated(read_toml(DEFAULT_MAPPING, "mapping"), DEFAULT_MAPPING.name)


def mapping_from_text(text: str, name: str, flags: Iterable[str] = ()) -> ExportMapping:
    """A council's mapping (an upload's text): on top of the shipped one unless it says otherwise.
    ``flags``: screening questions of the criteria in use, which a mapping may name besides the contract's
    columns; any other name is refused (a typo would otherwise map nothing, silently)."""
    return _on_default(parse_mapping(text, name), name, flags)


def load_mapping(path: Path | str | None = None, flags: Iterable[str] = ()) -> ExportMapping:
    """``--columns FILE``: a council's mapping on top of the shipped one; None: the shipped one."""
    if path is None:
        return default_mapping()
    p = Path(path)
    return _on_default(_validated(read_toml(p, "mapping"), p.name), p.name, flags)


def _on_default(own: ExportMapping, name: str, flags: Iterable[str]) -> ExportMapping:
    known = contract_columns(flags)
    for column in own.columns:
        if column not in known:
            close = difflib.get_close_matches(column, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise RulesError(f"{name}: columns.{column}: not a column of the input contract{hint}")
    return on_top_of(own, default_mapping()) if own.extends_default else own


def to_toml(mapping: ExportMapping, note: str = "") -> str:
    """A mapping file's text (the page's download), with a comment saying what it is."""
    head = "# dols-sim export mapping: the headers (and codes) of your export, read as the input contract.\n"
    head += (
        "# Use it again with `dols-sim triage export.csv --columns THIS_FILE`, or upload it on the page.\n"
    )
    if note:
        head += f"# {note}\n"
    data: dict[str, object] = {"extends_default": mapping.extends_default, "columns": mapping.columns}
    if mapping.ignore:
        data["ignore"] = mapping.ignore
    if mapping.values:
        data["values"] = mapping.values
    if mapping.dates:
        data["dates"] = {"formats": mapping.dates.formats}
    return head + tomli_w.dumps(data)


# ---- matching an export's headers ------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMatch:
    """How an export's headers were read: the ones used, near misses, and spare spellings."""

    used: dict[str, str]  # contract column -> the export's header read as it
    near_misses: dict[str, str] = field(default_factory=dict)  # export header -> contract column
    spares: dict[str, str] = field(default_factory=dict)  # export header -> column another header supplies

    def warnings(self) -> list[str]:
        """One line per header a person should look at (header names only: never a row's contents)."""
        out = [
            f"column '{h}' is not read: did you mean {c}? (name it in a mapping file to use it)"
            for h, c in self.near_misses.items()
        ]
        out += [
            f"column '{h}' also looks like {c}, which is read from '{self.used[c]}'; '{h}' is kept as it is"
            for h, c in self.spares.items()
        ]
        return out


def contract_columns(flags: Iterable[str] = ()) -> list[str]:
    """The contract's columns, with any screening questions a council's own criteria add."""
    return list(dict.fromkeys([*CONTRACT_COLUMNS, *flags]))


def match_columns(headers: Iterable[str], mapping: ExportMapping, contract: list[str]) -> ColumnMatch:
    """Which header supplies each contract column. Raises :class:`InputFileError` when two headers are
    both the contract's own spelling of one column (nothing says which to trust)."""
    keys = {k: v for k, v in mapping.header_keys.items() if v[0] in contract}
    keys.update({match_key(c): (c, 0) for c in contract})
    ignored = {match_key(h) for h in mapping.ignore}
    candidates: dict[str, list[tuple[int, int, str]]] = {}
    unmatched: list[str] = []
    for position, header in enumerate(h for h in headers if h not in (ROW, EXTRA)):
        if match_key(header) in ignored:
            continue
        hit = keys.get(match_key(header))
        if hit is None:
            unmatched.append(header)
        else:
            candidates.setdefault(hit[0], []).append((hit[1], position, header))
    used: dict[str, str] = {}
    spares: dict[str, str] = {}
    for column, found in candidates.items():
        found.sort()
        if len(found) > 1 and found[0][0] == found[1][0] == 0:
            raise InputFileError(f"columns '{found[0][2]}' and '{found[1][2]}' both mean {column}; keep one")
        used[column] = found[0][2]
        spares.update({h: column for _, _, h in found[1:]})
    missing = [c for c in contract if c not in used]
    return ColumnMatch(used, _near_misses(unmatched, missing, keys), spares)


def _near_misses(headers: list[str], missing: list[str], keys: dict[str, tuple[str, int]]) -> dict[str, str]:
    wanted = {k: column for k, (column, _) in keys.items() if column in missing}
    out: dict[str, str] = {}
    for header in headers:
        close = difflib.get_close_matches(match_key(header), list(wanted), n=1, cutoff=NEAR_MISS_CUTOFF)
        if close and wanted[close[0]] not in out.values():
            out[header] = wanted[close[0]]
    return out


def best_guess(
    header_options: list[str],
    column: str,
    mapping: ExportMapping,
    sample: pd.DataFrame | None = None,
    flags: Iterable[str] = (),
) -> str | None:
    """The export header most like a contract column's spellings (the page's prefill), or None. With a
    ``sample`` of the export's rows, a header whose values do not read as the column's (a provider's
    name is not a setting) is passed over."""
    spellings = [match_key(column), *(k for k, (c, _) in mapping.header_keys.items() if c == column)]
    ignored = {match_key(h) for h in mapping.ignore}
    by_key = {match_key(h): h for h in header_options if match_key(h) not in ignored}
    scored = sorted(
        ((max(difflib.SequenceMatcher(None, k, s).ratio() for s in spellings), h) for k, h in by_key.items()),
        key=lambda pair: -pair[0],
    )
    for score, header in scored:
        if score < NEAR_MISS_CUTOFF:
            break
        if sample is None or values_fit(sample[header], column, mapping, flags):
            return header
    return None


def values_fit(values: pd.Series, column: str, mapping: ExportMapping, flags: Iterable[str] = ()) -> bool:
    """Whether most non-blank values read as ``column``'s: its codes, yes/no answers or dates."""
    text = values.astype(str).str.strip()
    text = text[text.ne("")]
    if not len(text):
        return True
    if column in CATEGORICAL_FIELDS or column in set(flags):
        coder = mapping.coder(column if column in CATEGORICAL_FIELDS else YES_NO)
        return bool(text.map(coder).notna().mean() >= 0.5)
    if column in DATE_COLUMNS:
        return bool(parse_dates(text, mapping.date_formats).notna().mean() >= 0.5)
    return True


def parse_dates(text: pd.Series, formats: list[str] | None = None) -> pd.Series:
    """Dates in the mapping's formats, first fit wins (default: the shipped mapping's: ISO, DD/MM/YYYY,
    DD/MM/YY, Excel's 'YYYY-MM-DD hh:mm:ss', ...). NaT if none fits. Each format is tried only on the
    distinct cells still unread (a column of 100,000 dates holds a few thousand distinct ones)."""
    formats = formats or default_mapping().date_formats

    def parse(distinct: pd.Series) -> pd.Series:
        out = pd.to_datetime(distinct, format=formats[0], errors="coerce")
        for fmt in formats[1:]:
            todo = out.isna() & distinct.ne("")
            if not todo.any():
                break
            out = out.where(~todo, pd.to_datetime(distinct[todo], format=fmt, errors="coerce").dt.normalize())
        return out

    return by_distinct(text, parse)


def by_distinct(text: pd.Series, convert: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``convert`` (vectorised) applied to the distinct values of ``text`` only, then spread back to every
    row (a missing value is converted as a blank): exports repeat their dates, ages and codes."""
    codes, uniques = pd.factorize(text)
    distinct = pd.Series([*uniques, ""], dtype=object)
    converted = convert(distinct).to_numpy()
    return pd.Series(converted[codes], index=text.index)  # code -1 (missing) takes the blank's value


@dataclass(frozen=True)
class MappedExport:
    """An export with its recognised columns renamed to the contract, and the mapping that read it."""

    raw: RawExport  # as read: the file's own headers
    table: pd.DataFrame  # the same rows, recognised columns under the contract's names
    mapping: ExportMapping
    columns: ColumnMatch

    @property
    def source_name(self) -> str:
        return self.raw.source_name

    @property
    def rows_in(self) -> int:
        return len(self.table)


def map_columns(
    raw: RawExport, mapping: ExportMapping | None = None, flags: Iterable[str] = ()
) -> MappedExport:
    """Rename the columns ``mapping`` recognises. Raises :class:`InputFileError` naming what is missing
    when a column needed to triage at all is not found (with any near miss as the suggestion)."""
    mapping = mapping or default_mapping()
    match = match_columns([str(c) for c in raw.table.columns], mapping, contract_columns(flags))
    return _renamed(raw, match, mapping)


def apply_choices(raw: RawExport, chosen: dict[str, str], mapping: ExportMapping) -> MappedExport:
    """The export read with a person's own choice of header for each contract column (the page's mapping
    step): exactly those headers are renamed, whatever else the mapping would have matched."""
    headers = {str(c) for c in raw.table.columns} - {ROW, EXTRA}
    unknown = sorted(set(chosen.values()) - headers)
    if unknown:
        raise InputFileError(f"{raw.source_name}: no column {unknown[0]!r} in this file")
    by_header: dict[str, str] = {}
    for column, header in chosen.items():
        if by_header.setdefault(header, column) != column:
            raise InputFileError(f"'{header}' is chosen for both {by_header[header]} and {column}: pick one")
    return _renamed(raw, ColumnMatch(dict(chosen)), mapping)


def _renamed(raw: RawExport, match: ColumnMatch, mapping: ExportMapping) -> MappedExport:
    missing = [c for c in REQUIRED_COLUMNS if c not in match.used]
    if missing:
        raise InputFileError(_missing_message(raw, missing, match, mapping))
    renames = {h: c for c, h in match.used.items()}
    clash = [str(h) for h in raw.table.columns if h in match.used and h not in renames]
    if clash:  # a header spelled like a contract column that another header was chosen for
        renames.update({h: f"{h} (export)" for h in clash})
    table = raw.table.rename(columns=renames)
    return MappedExport(raw, table, mapping, match)


def _missing_message(raw: RawExport, missing: list[str], match: ColumnMatch, mapping: ExportMapping) -> str:
    spare = [str(h) for h in raw.table.columns if h not in (ROW, EXTRA) and h not in match.used.values()]
    guesses = {c: best_guess(spare, c, mapping) for c in missing}
    close = [f"'{h}' looks like {c}" for c, h in guesses.items() if h is not None]
    if close:
        hint = "; ".join(close) + ": rename it, or name it in a mapping file (--columns, or on the page)"
    elif not match.used:
        # The header is not echoed: in a file without a header row it is the first person's details.
        hint = "is the header row missing? Expected the columns in the README's input table"
    else:
        hint = "name the column that holds it in a mapping file (--columns, or on the page)"
    width = len([c for c in raw.table.columns if c not in (ROW, EXTRA)])
    return f"{raw.source_name}: no {' or '.join(missing)} column in the first row ({width} columns); {hint}"
