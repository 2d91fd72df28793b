"""Read a case-management export (CSV or XLSX bytes) into a table of text, in memory only.

Why its own module: an export is special-category personal data from a system we do not control. This
module never writes to disk and never logs a cell; it turns whatever arrives (UTF-8 with or without a
BOM, Windows-1252, ragged rows, Excel dates) into one table of strings with a ``row`` column (the row
number a person sees in Excel: the header is row 1) so that validation can account for every row.

A file that cannot be used at all raises :class:`~triage.errors.InputFileError` with one clear line.
"""

from __future__ import annotations

import csv
import io
import sys
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd

from triage.errors import InputFileError

#: Names the worklist and rejects use for what they add. An export column with one of these names is
#: kept, renamed "<name> (export)", so it is neither overwritten nor mistaken for ours.
RESERVED_COLUMNS = frozenset(
    {
        "row", "_extra_fields", "rank", "band colour", "priority", "reasons", "missing_information",
        "statutory_deadline", "days_waiting", "days_to_deadline", "breached", "urgent_expiry",
        "urgent_expiring_soon", "extension_due", "authorisation_expiry", "worklist_group",
        "data_warnings", "problems", "alerts", "without_authority_since", "authorisation_ending_soon",
        "renewal_requested_early",
    }
)  # fmt: skip
ROW = "row"  # the Excel-style row number column added to every table
EXTRA = "_extra_fields"  # values beyond the header's width, kept so nothing is lost
_SPARE_COLUMNS = 8
_FIELD_LIMIT = 64 * 1024 * 1024

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class RawExport:
    """An export as text: every cell a string ("" when blank), under the file's own headers (reading
    them as the input contract's columns is :func:`triage.columns.map_columns`' job)."""

    table: pd.DataFrame
    source_name: str
    encoding: str
    blank_rows_skipped: int = 0


def read_export(source: bytes | str | Path, filename: str | None = None) -> RawExport:
    """Read an export from bytes (an upload) or a path. ``filename`` picks CSV or XLSX by extension.

    Raises :class:`InputFileError` for a file that cannot be used at all: missing, empty, not CSV or
    XLSX, or lacking a required column.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        filename = filename or path.name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputFileError(f"{path}: file not found") from None
        except IsADirectoryError:
            raise InputFileError(f"{path}: is a folder, expected a CSV or XLSX file") from None
        except OSError as exc:
            raise InputFileError(f"{path}: cannot read ({exc.strerror})") from None
    else:
        data = bytes(source)
    name = filename or "upload"
    if not data.strip():
        raise InputFileError(f"{name}: the file is empty")
    suffix = Path(name).suffix.lower()
    is_zip = data[:4] == b"PK\x03\x04"
    if suffix == ".xls" and not is_zip:
        raise InputFileError(f"{name}: old-style .xls is not supported; save it as .xlsx or CSV")
    if suffix in (".xlsx", ".xlsm") or (is_zip and suffix == ""):
        table, encoding = _read_xlsx(data, name), "xlsx"
    elif suffix in (".csv", ".txt", ""):
        text, encoding = _decode(data)
        table = _read_csv_text(text, name)
    else:
        raise InputFileError(f"{name}: expected a .csv or .xlsx export, got '{suffix}'")
    return _normalise(table, name, encoding)


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without a BOM) first, then Windows-1252 (Excel's "CSV" on Windows), then Latin-1."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _read_csv_text(text: str, name: str) -> pd.DataFrame:
    text = text.replace("\x00", "")
    try:
        reader = csv.reader(io.StringIO(text))
        header = next(reader, None)
        header_lines = reader.line_num
    except csv.Error as exc:
        raise InputFileError(f"{name}: not a readable CSV ({exc})") from None
    if not header or not any(h.strip() for h in header):
        raise InputFileError(f"{name}: no header row (expected column names such as application_id)")
    header = _unique_header(header)
    if header_lines == 1:
        fast = _read_csv_fast(text, header)
        if fast is not None:
            return fast
    return _read_csv_exact(text, header, name)


def _unique_header(header: list[str]) -> list[str]:
    """Blank, repeated or reserved header cells are renamed, so no column (and no value) is dropped."""
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(header):
        h = h if h.strip() else f"column_{i + 1}"
        if h.strip().lower() in RESERVED_COLUMNS:
            h = f"{h} (export)"
        if h in seen:
            seen[h] += 1
            h = f"{h}_{seen[h]}"
        else:
            seen[h] = 1
        out.append(h)
    return out


def _read_csv_fast(text: str, header: list[str]) -> pd.DataFrame | None:
    """pandas' C parser, with spare columns to catch rows wider than the header. None: use the exact path."""
    spare = [f"__spare_{k}" for k in range(_SPARE_COLUMNS)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # pandas only *warns* when it would drop fields: refuse that
            df = pd.read_csv(
                io.StringIO(text),
                header=None,
                skiprows=1,
                names=[*header, *spare],
                dtype=str,
                na_filter=False,
                keep_default_na=False,
                index_col=False,
                skip_blank_lines=False,
                engine="c",
            )
    except Exception:
        return None
    extra = df[spare]
    wide = (extra != "").any(axis=1).to_numpy()
    df = df.drop(columns=spare)
    df[EXTRA] = ""
    if wide.any():
        df.loc[wide, EXTRA] = extra[wide].apply(lambda r: ",".join(v for v in r if v != ""), axis=1)
    return df


def _read_csv_exact(text: str, header: list[str], name: str) -> pd.DataFrame:
    """The stdlib csv reader: slower, but exact about every record (quoted newlines, ragged rows)."""
    records: list[list[str]] = []
    try:
        reader = csv.reader(io.StringIO(text))
        next(reader)
        records.extend(reader)
    except csv.Error as exc:
        raise InputFileError(f"{name}: not a readable CSV after {len(records) + 1} rows ({exc})") from None
    return _frame(header, records)


def _frame(header: list[str], records: list[list[str]]) -> pd.DataFrame:
    """Records of any length as a table of text the header's width: short rows padded with blanks,
    non-empty surplus fields kept in EXTRA (empty ones, e.g. trailing commas, are nothing to lose)."""
    width = len(header)
    fitted = [rec[:width] + [""] * (width - len(rec)) for rec in records]
    extras = [",".join(v for v in rec[width:] if v != "") for rec in records]
    columns = list(zip(*fitted, strict=True)) if fitted else [() for _ in header]
    df = pd.DataFrame({h: pd.Series(list(c), dtype=str) for h, c in zip(header, columns, strict=True)})
    df[EXTRA] = pd.Series(extras, dtype=str)
    return df


def _cell_text(value: object) -> str:
    """An Excel cell as the text a person would type: dates ISO, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(data: bytes, name: str) -> pd.DataFrame:
    import openpyxl  # imported here: only XLSX uploads pay for it

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise InputFileError(f"{name}: not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        first = next(rows, None)
        if first is None:
            raise InputFileError(f"{name}: the first worksheet is empty")
        header = _unique_header([_cell_text(v).strip() for v in first])
        records = [[_cell_text(v) for v in r] for r in rows]
    except InputFileError:
        raise
    except Exception as exc:
        raise InputFileError(f"{name}: not a readable .xlsx workbook ({type(exc).__name__})") from None
    finally:
        wb.close()
    return _frame(header, records)


def _normalise(df: pd.DataFrame, name: str, encoding: str) -> RawExport:
    """Add the row number and drop blank rows. The headers stay as the file has them: which header means
    which contract column is :mod:`triage.columns`' job, done after reading (so the page can show the
    file's own headers in its mapping step, and re-map without reading the file again)."""
    df = df.copy()
    df.insert(0, ROW, np.arange(2, len(df) + 2, dtype=np.int64))
    cells = df.drop(columns=[ROW])
    blank = ~(cells != "").any(axis=1).to_numpy()
    skipped = int(blank.sum())
    if skipped:
        df = df.loc[~blank].reset_index(drop=True)
    if len(df) == 0:
        raise InputFileError(f"{name}: no application rows under the header ({_count_columns(df)} columns)")
    return RawExport(df, name, encoding, skipped)


def _count_columns(df: pd.DataFrame) -> int:
    return len([c for c in df.columns if c not in (ROW, EXTRA)])
