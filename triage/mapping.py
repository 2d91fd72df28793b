"""Column and value mapping: an export's own headers and codes read as the input contract's, as data.

Why its own module: no council's export uses the contract's names ("Date Received", "Request ID",
"Further Authorisation", "Nursing Home", "01/03/26"), and renaming columns and recoding values in a
spreadsheet before every run is where mistakes creep in. The spellings live in a mapping file
(``rules/export_mapping.toml``, and a council's own on top of it); this module only matches them.

Matching is case-, space- and punctuation-insensitive (:func:`match_key`). This module is the mapping
itself (the file's model, loading, a council's file on top of the shipped one, writing it back) and the
reading of values through it (codes, dates); :mod:`triage.columns` reads an export's headers with it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated

import pandas as pd
import tomli_w
from pydantic import BaseModel, ConfigDict, Field, model_validator

from triage.errors import RulesError
from triage.rulebook import RULES_DIR, read_toml, read_toml_text, validated
from triage.vocabulary import CATEGORICAL_FIELDS, CONTRACT_COLUMNS, HISTORY_CODED_FIELDS

DEFAULT_MAPPING = RULES_DIR / "export_mapping.toml"
#: The value table that every yes/no screening question reads.
YES_NO = "yes_no"
YES_NO_CODES = frozenset({"yes", "no", "unknown", "not_applicable"})
VALUE_FIELDS: dict[str, frozenset[str]] = {**CATEGORICAL_FIELDS, YES_NO: YES_NO_CODES, **HISTORY_CODED_FIELDS}
#: How alike two spellings must be to be named as a near miss (difflib ratio).
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
            try:  # read back, as the export's dates will be: strptime knows fewer directives than strftime
                datetime.strptime(date(2026, 3, 1).strftime(fmt), fmt)
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
    return validated(ExportMapping, read_toml_text(text, name), name)


@lru_cache(maxsize=1)
def default_mapping() -> ExportMapping:
    """The shipped mapping (rules/export_mapping.toml), read once."""
    return validated(ExportMapping, read_toml(DEFAULT_MAPPING, "mapping"), DEFAULT_MAPPING.name)


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
    return _on_default(validated(ExportMapping, read_toml(p, "mapping"), p.name), p.name, flags)


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


def contract_columns(flags: Iterable[str] = ()) -> list[str]:
    """The contract's columns, with any screening questions a council's own criteria add."""
    return list(dict.fromkeys([*CONTRACT_COLUMNS, *flags]))


# ---- reading values ----------------------------------------------------------------------------------


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
