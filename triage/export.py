"""Write worklists and rejects for Excel, safely, to a path the user chose or to bytes for a download.

Formula injection: a cell that begins with = + - @ (or a tab / carriage return) can run as a formula
when a spreadsheet opens the file, so text cells like that get a leading apostrophe (OWASP's advice).
Numbers stay numbers (a negative ``days_to_deadline`` is a number, not text). Dates are written as
ISO dates, without times.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from triage.arrays import TEXT
from triage.errors import DolsSimError
from triage.outputs import write_atomically

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """A copy safe to open in Excel: risky text cells and headers prefixed with ' (dates stay dates)."""
    out = safe_table(df).to_pandas(types_mapper=_STRINGS.get)
    out.index = df.index
    return out


_STRINGS = {pa.string(): TEXT, pa.large_string(): TEXT}


def safe_table(df: pd.DataFrame) -> pa.Table:
    """The frame as an Arrow table with risky text cells and headers prefixed with ' (dates stay dates,
    numbers numbers, missing text empty).

    Text columns are checked in Arrow's compute kernels, column by column and without leaving Arrow
    (pandas' own strings are Arrow arrays already): a 100,000-row worklist takes a few hundredths of a
    second, and an export of 5,000 columns a fraction of one (issue 10's wide files).
    """
    columns: list[pa.ChunkedArray | pa.Array] = []
    for _, s in df.items():
        if pd.api.types.is_datetime64_any_dtype(s):  # pandas writes midnight-only datetimes as dates
            columns.append(pa.array(s, from_pandas=True))
        elif pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s):
            columns.append(_safe_text_column(s))
        else:
            columns.append(pa.array(s, from_pandas=True))
    names = [_safe_text(str(c)) for c in df.columns]  # headers are cells too
    return pa.Table.from_arrays(columns, names=names)


def _safe_text_column(s: pd.Series) -> pa.Array:
    if pd.api.types.is_object_dtype(s):  # mixed cells (numbers, text): each as the text it shows
        s = s.astype(str).where(s.notna(), "")
    arr = pa.array(s, type=pa.large_string(), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = pc.fill_null(arr, "")
    risky = _starts_dangerously(arr)
    if not risky.any():
        return arr
    quote, nothing = pa.scalar("'", arr.type), pa.scalar("", arr.type)
    return pc.if_else(pa.array(risky), pc.binary_join_element_wise(quote, arr, nothing), arr)


_DANGEROUS_BYTES = np.frombuffer("".join(_DANGEROUS).encode("ascii"), dtype=np.uint8)


def _starts_dangerously(arr: pa.Array) -> np.ndarray:
    """Each cell's first byte against the dangerous characters, read from Arrow's buffers (all of them
    are ASCII, so a UTF-8 first byte is exact): a tenth of the time of a regular expression per cell."""
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = arr.buffers()[2]
    if data is None or not len(arr):
        return np.zeros(len(arr), dtype=bool)
    payload = np.frombuffer(data, dtype=np.uint8)
    starts = offsets[:-1]
    filled = offsets[1:] > starts
    first = np.zeros(len(arr), dtype=np.uint8)
    first[filled] = payload[starts[filled]]
    return filled & np.isin(first, _DANGEROUS_BYTES)


def _safe_text(text: str) -> str:
    return "'" + text if text.startswith(_DANGEROUS) else text


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with a BOM (so Excel on Windows shows accents), dates as YYYY-MM-DD, text quoted.

    Written by pyarrow's C++ CSV writer from :func:`safe_table` (the frame never leaves Arrow): about
    five times faster than ``DataFrame.to_csv`` on a 100,000-row worklist.
    """
    table = safe_table(df)
    dates = pa.schema(
        [pa.field(f.name, pa.date32()) if pa.types.is_timestamp(f.type) else f for f in table.schema]
    )
    sink = pa.BufferOutputStream()
    pa_csv.write_csv(table.cast(dates), sink, pa_csv.WriteOptions(quoting_style="needed"))
    return b"\xef\xbb\xbf" + sink.getvalue().to_pybytes()


def to_xlsx_bytes(df: pd.DataFrame, sheet: str = "worklist") -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(
        buf, engine="xlsxwriter", engine_kwargs={"options": {"strings_to_formulas": False}}
    ) as writer:
        neutralise(df).to_excel(writer, sheet_name=sheet, index=False)
    return buf.getvalue()


#: Excel's limits: rows a sheet holds (the header is one) and characters a cell holds.
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CELL = 32_767


def fits_a_sheet(df: pd.DataFrame, path: Path | str) -> None:
    """Refuse, naming CSV instead, a table Excel would truncate: too many rows, or a cell too long
    (xlsxwriter would cut it to 32,767 characters and say nothing)."""
    if len(df) + 1 > XLSX_MAX_ROWS:
        raise DolsSimError(
            f"{path}: {len(df):,} rows do not fit an Excel sheet ({XLSX_MAX_ROWS - 1:,} at most); "
            "write a .csv instead"
        )
    for column in df.columns:
        s = df[column]
        if pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s):
            lengths = s.astype(str).str.len()
            if len(lengths) and int(lengths.max()) > XLSX_MAX_CELL:
                row, longest = int(np.argmax(lengths.to_numpy())), int(lengths.max())
                raise DolsSimError(
                    f"{path}: column {column!s}, row {row + 1:,} holds {longest:,} characters, more than an "
                    f"Excel cell holds ({XLSX_MAX_CELL:,}); write a .csv instead (nothing is cut)"
                )


def write_table(df: pd.DataFrame, path: Path | str, sheet: str = "worklist") -> None:
    """Write to ``path`` as CSV or XLSX by its extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        data = to_csv_bytes(df)
    elif suffix == ".xlsx":
        fits_a_sheet(df, path)
        data = to_xlsx_bytes(df, sheet)
    else:
        raise DolsSimError(
            f"{path}: expected an output file ending .csv or .xlsx, got '{suffix or path.name}'"
        )
    write_atomically(path, data)
