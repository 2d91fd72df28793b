"""An export's headers read as the input contract's columns, through a mapping (:mod:`triage.mapping`).

Why apart from reading: :mod:`triage.ingest` keeps the file's own headers, and :func:`map_columns` renames
the ones the mapping recognises, so the page can show the file's headers in its mapping step and
re-map (:func:`apply_choices`) without reading the file again. A header that fits nothing but is a near
miss of a contract column still missing is named in a warning with the suggestion (``difflib`` from the
standard library: the headers are few and short, so a faster fuzzy matcher would buy nothing); the
page's prefill (:func:`best_guess`) also checks that the header's values read as the column's.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from triage.errors import InputFileError
from triage.ingest import READER_COLUMNS, RawExport
from triage.mapping import (
    NEAR_MISS_CUTOFF,
    YES_NO,
    ExportMapping,
    contract_columns,
    default_mapping,
    match_key,
    parse_dates,
)
from triage.vocabulary import CATEGORICAL_FIELDS, DATE_COLUMNS, NUMBER_COLUMNS, REQUIRED_COLUMNS


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


def match_columns(headers: Iterable[str], mapping: ExportMapping, contract: list[str]) -> ColumnMatch:
    """Which header supplies each contract column. Raises :class:`InputFileError` when two headers are
    both the contract's own spelling of one column (nothing says which to trust)."""
    keys = {k: v for k, v in mapping.header_keys.items() if v[0] in contract}
    keys.update({match_key(c): (c, 0) for c in contract})
    ignored = {match_key(h) for h in mapping.ignore}
    candidates: dict[str, list[tuple[int, int, str]]] = {}
    unmatched: list[str] = []
    for position, header in enumerate(h for h in headers if h not in READER_COLUMNS):
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
    if column in NUMBER_COLUMNS:
        # Words are never guessed for a number column; the two readings each allows are (extension
        # granted) yes/no and (age) a date of birth.
        fits = pd.to_numeric(text, errors="coerce").notna()
        if column == "urgent_extended_days":
            fits |= text.map(mapping.coder(YES_NO)).isin(("yes", "no"))
        if column == "age":
            fits |= parse_dates(text, mapping.date_formats).notna()
        return bool(fits.mean() >= 0.5)
    return True


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
    headers = {str(c) for c in raw.table.columns} - set(READER_COLUMNS)
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
    spare = [str(h) for h in raw.table.columns if h not in READER_COLUMNS and h not in match.used.values()]
    guesses = {c: best_guess(spare, c, mapping) for c in missing}
    close = [f"'{h}' looks like {c}" for c, h in guesses.items() if h is not None]
    if close:
        hint = "; ".join(close) + ": rename it, or name it in a mapping file (--columns, or on the page)"
    elif not match.used:
        # The header is not echoed: in a file without a header row it is the first person's details.
        hint = "is the header row missing? Expected the columns in the README's input table"
    else:
        hint = "name the column that holds it in a mapping file (--columns, or on the page)"
    width = len([c for c in raw.table.columns if c not in READER_COLUMNS])
    return f"{raw.source_name}: no {' or '.join(missing)} column in the first row ({width} columns); {hint}"
