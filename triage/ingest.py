"""Read a case-management export (CSV, tab-separated text or XLSX bytes) into a table of text, in memory.

Why its own module: an export is special-category personal data from a system we do not control. This
module never writes to disk and never logs a cell; it turns whatever arrives (UTF-8 with or without a
BOM, UTF-16, Windows-1252, comma- tab- or semicolon-separated, any line endings, ragged rows, Excel
dates) into one table of strings with a ``row`` column (the row number a person sees in Excel: the
header is row 1) so that validation can account for every row, and it reports what it found in the
user's own units (:class:`ReadFacts`: lines of their file, rows of their sheet). The readers themselves
are :mod:`triage.text_export` and :mod:`triage.workbook`.

Limits, so that no file can take the service down: a file of at most :data:`MAX_EXPORT_BYTES`, a table
of at most :data:`MAX_CELLS` cells, a workbook read within :data:`MAX_READ_SECONDS`. Past them, and for
a file that cannot be used at all, :class:`~triage.errors.InputFileError` with one clear line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from triage.errors import InputFileError

#: The largest export read (bytes): about 600,000 applications as CSV. Larger: split the export.
MAX_EXPORT_BYTES = 100 * 1024 * 1024
#: The most cells (rows × columns) one export may hold: 400,000 rows of 25 columns.
MAX_CELLS = 10_000_000
#: A workbook whose reading takes longer than this is refused (a 100,000-row sheet takes about 2 s).
MAX_READ_SECONDS = 60.0
#: The most a worksheet's XML may unpack to (a 100,000-row export's is about 75 MB).
MAX_SHEET_XML_BYTES = 1024 * 1024 * 1024

#: Names the worklist and rejects use for what they add. An export column with one of these names is
#: kept, renamed "<name> (export)", so it is neither overwritten nor mistaken for ours.
RESERVED_COLUMNS = frozenset(
    {
        "row", "_extra_fields", "rank", "band colour", "priority", "reasons", "missing_information",
        "statutory_deadline", "days_waiting", "days_to_deadline", "breached", "urgent_expiry",
        "urgent_expiring_soon", "extension_due", "authorisation_expiry", "worklist_group",
        "data_warnings", "problems", "_read_problem", "alerts", "without_authority_since",
        "authorisation_ending_soon", "renewal_requested_early",
    }
)  # fmt: skip
ROW = "row"  # the Excel-style row number column added to every table
EXTRA = "_extra_fields"  # values beyond the header's width, kept so nothing is lost
READ_PROBLEM = "_read_problem"  # why the reader itself refuses a row (an unclosed quote), else ""
#: The columns the reader adds to every table: never an export's header, never mapped.
READER_COLUMNS = (ROW, EXTRA, READ_PROBLEM)


@dataclass(frozen=True)
class ReadFacts:
    """What the reader found, in the user's units: the lines of their file, or the rows of their sheet.

    Every line is accounted for: ``lines == header_lines + blank lines + quoted_line_breaks + rows``
    (:meth:`RawExport.lines_accounted`).
    """

    #: lines of the file (a workbook: rows of the sheet up to the last one used), the header included
    lines: int
    header_lines: int = 1
    #: lines inside quoted values that run across lines (part of the row above them)
    quoted_line_breaks: int = 0
    #: lines refused because a quote opened on them and was never plausibly closed
    unclosed_quotes: int = 0
    #: blank lines the reader skipped itself (above the header; a workbook's empty rows)
    blank_lines_read: int = 0
    #: rows above the header holding a title or a run date (a report's preamble): read, not rows
    title_lines: int = 0
    encoding: str = "UTF-8"
    #: "comma", "tab" or "semicolon"; "" for a workbook
    separator: str = "comma"
    line_ending: str = "LF"
    #: a warning for each header name the file repeats (which one is read, what the others are called)
    repeated_headers: tuple[str, ...] = ()

    def describe(self) -> str:
        """E.g. 'UTF-16, tab-separated, CRLF line endings' or 'an Excel workbook'."""
        if not self.separator:
            return "an Excel workbook"
        return f"{self.encoding}, {self.separator}-separated, {self.line_ending} line endings"


@dataclass
class RawExport:
    """An export as text: every cell a string ("" when blank), under the file's own headers (reading
    them as the input contract's columns is :func:`triage.columns.map_columns`' job)."""

    table: pd.DataFrame
    source_name: str
    encoding: str
    blank_rows_skipped: int = 0
    facts: ReadFacts = field(default_factory=lambda: ReadFacts(lines=0))

    def lines_accounted(self) -> int:
        """Titles + header + blank + inside quoted values + rows: equals ``facts.lines`` when nothing is
        lost."""
        f = self.facts
        return (
            f.title_lines + f.header_lines + self.blank_rows_skipped + f.quoted_line_breaks + len(self.table)
        )


def read_export(
    source: bytes | str | Path, filename: str | None = None, header_row: int | None = None
) -> RawExport:
    """Read an export from bytes (an upload) or a path. ``filename`` picks CSV or XLSX by extension;
    ``header_row`` (1 = the first) says where the column names are, else titles above them are skipped.

    Raises :class:`InputFileError` for a file that cannot be used at all: missing, empty, too large,
    not CSV or XLSX, or lacking a required column.
    """
    table, facts, name = read_table(source, filename, header_row)
    raw = _normalise(table, name, facts.encoding)
    raw.facts = facts
    raw.blank_rows_skipped += facts.blank_lines_read
    return raw


def read_bytes(path: Path, limit: int | None = None, what: str = "") -> bytes:
    """A file's bytes, refused (one line naming it) when missing, not a plain file, or over ``limit``
    (default :data:`MAX_EXPORT_BYTES`)."""
    limit = MAX_EXPORT_BYTES if limit is None else limit
    where = f"{what}{path}"
    try:
        if not path.exists():
            raise InputFileError(f"{where}: file not found")
        if path.is_dir():
            raise InputFileError(f"{where}: is a folder, expected a CSV or XLSX file")
        if not path.is_file():
            raise InputFileError(f"{where}: not a plain file (a device or a pipe cannot be read)")
        size = path.stat().st_size
        if size > limit:
            raise InputFileError(f"{where}: {_megabytes(size)}, more than the {_megabytes(limit)} limit")
        return path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{where}: cannot read ({exc.strerror})") from None


def _megabytes(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MB"


def read_table(
    source: bytes | str | Path, filename: str | None = None, header_row: int | None = None
) -> tuple[pd.DataFrame, ReadFacts, str]:
    """An export as a table of text (``row`` first, every header cell a column, ``_extra_fields``), what
    the reader found, and the file's name: the reading without the input contract (a worklist read back
    by the simulation uses it too)."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        filename = filename or path.name
        data = read_bytes(path)
    else:
        data = bytes(source)
    name = filename or "upload"
    if len(data) > MAX_EXPORT_BYTES:
        raise InputFileError(
            f"{name}: {_megabytes(len(data))}, more than the {_megabytes(MAX_EXPORT_BYTES)} limit"
        )
    if not data.strip():
        raise InputFileError(f"{name}: the file is empty")
    suffix = Path(name).suffix.lower()
    is_zip = data[:4] == b"PK\x03\x04"
    if suffix == ".xls" and not is_zip:
        raise InputFileError(f"{name}: old-style .xls is not supported; save it as .xlsx or CSV")
    if suffix in (".xlsx", ".xlsm") or (is_zip and suffix == ""):
        table, facts = _read_xlsx(data, name, header_row)
    elif suffix in (".csv", ".txt", ".tsv", ""):
        table, facts = _read_text(data, name, header_row)
    else:
        raise InputFileError(f"{name}: expected a .csv or .xlsx export, got '{suffix}'")
    return table, facts, name


def _read_text(data: bytes, name: str, header_row: int | None) -> tuple[pd.DataFrame, ReadFacts]:
    from triage.text_export import read_text

    text = read_text(data, MAX_CELLS, header_row)
    if isinstance(text, str):
        raise InputFileError(f"{name}: {text}")
    header = _unique_header(text.header)
    sep = {"comma": ",", "tab": "\t", "semicolon": ";"}.get(text.separator, ",")
    if text.table is not None and text.extras is not None:
        table = text.table
        table.columns = header
        table.insert(0, ROW, text.rows)
        table[EXTRA] = pd.Series(text.extras, index=table.index, dtype=str)
    else:
        table = _frame(header, text.records or [], text.rows, sep)
    if any(text.broken):
        table[READ_PROBLEM] = pd.Series(text.broken, index=table.index, dtype=str)
    facts = ReadFacts(
        lines=text.lines,
        repeated_headers=repeated_headers(text.header),
        header_lines=text.header_lines,
        quoted_line_breaks=text.quoted_line_breaks,
        unclosed_quotes=text.unclosed_quotes,
        blank_lines_read=text.blank_lines_before_header,
        title_lines=text.title_lines,
        encoding=text.encoding,
        separator=text.separator,
        line_ending=text.line_ending,
    )
    return table, facts


def repeated_headers(header: list[str], columns: list[int] | None = None) -> tuple[str, ...]:
    """Header names the file gives twice or more, each said once: where they are, which is read (the
    first: the mapping matches it) and what the others are kept as (:func:`_unique_header`'s names)."""
    names = _unique_header(header)
    where: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        if h.strip():
            where.setdefault(h, []).append(i)
    return tuple(
        f"header '{h}' appears {len(at)} times (columns "
        f"{', '.join(str(columns[i] if columns else i + 1) for i in at)}): the first is the one read; the "
        f"others are kept, unread, as {', '.join(repr(names[i]) for i in at[1:])}"
        for h, at in where.items()
        if len(at) > 1
    )


def _unique_header(header: list[str]) -> list[str]:
    """Blank, repeated or reserved header cells are renamed, so no column (and no value) is dropped: a
    repeat is ``name_2``, ``name_3`` ..., skipping any name the file already uses (``a, a_2, a`` gives
    ``a, a_2, a_3``, never two columns called ``a_2``)."""
    taken = set(header)
    seen: dict[str, int] = {}
    out: list[str] = []
    for i, h in enumerate(header):
        h = h if h.strip() else f"column_{i + 1}"
        if h.strip().lower() in RESERVED_COLUMNS:
            h = f"{h} (export)"
        if h in seen or h in out:
            n = seen.get(h, 1)
            while f"{h}_{n}" in taken or f"{h}_{n}" in out or n == 1:
                n += 1
            seen[h] = n
            h = f"{h}_{n}"
        else:
            seen[h] = 1
        out.append(h)
    return out


def _frame(header: list[str], records: list[list[str]], rows: np.ndarray, sep: str = ",") -> pd.DataFrame:
    """Records of any length as a table of text the header's width, built in one step (a 5,000-column
    export stays linear): short rows padded with blanks, non-empty surplus fields kept in EXTRA (empty
    ones, e.g. trailing commas, are nothing to lose)."""
    width = len(header)
    fitted = [rec[:width] + [""] * (width - len(rec)) if len(rec) != width else rec for rec in records]
    extras = [sep.join(v for v in rec[width:] if v != "") if len(rec) > width else "" for rec in records]
    columns = list(zip(*fitted, strict=True)) if fitted else [() for _ in header]
    data: dict[str, object] = {ROW: rows}
    data.update({h: pd.Series(c, dtype=str) for h, c in zip(header, columns, strict=True)})
    data[EXTRA] = pd.Series(extras, dtype=str)
    return pd.DataFrame(data)


def _read_xlsx(data: bytes, name: str, header_row: int | None) -> tuple[pd.DataFrame, ReadFacts]:
    from triage.workbook import Limits, WorkbookError, read_sheet

    try:
        sheet = read_sheet(data, Limits(MAX_CELLS, MAX_READ_SECONDS, MAX_SHEET_XML_BYTES), header_row)
    except WorkbookError as exc:
        raise InputFileError(f"{name}: {exc}") from None
    named = [
        h.strip() if h.strip() else f"column_{c}" for h, c in zip(sheet.header, sheet.columns, strict=True)
    ]
    header = _unique_header(named)
    data_columns: dict[str, object] = {ROW: sheet.rows}
    data_columns.update({h: pd.Series(v, dtype=str) for h, v in zip(header, sheet.values, strict=True)})
    data_columns[EXTRA] = pd.Series(np.full(len(sheet.rows), "", dtype=object), dtype=str)
    table = pd.DataFrame(data_columns)
    # Rows above the header and empty rows within the sheet were never read into the table.
    blank = sheet.last_row - 1 - len(sheet.rows) - sheet.title_rows
    facts = ReadFacts(
        lines=sheet.last_row,
        blank_lines_read=blank,
        title_lines=sheet.title_rows,
        encoding="xlsx",
        separator="",
        line_ending="",
        repeated_headers=repeated_headers(named, list(sheet.columns)),
    )
    return table, facts


def _normalise(df: pd.DataFrame, name: str, encoding: str) -> RawExport:
    """Add the row number and drop blank rows. The headers stay as the file has them: which header means
    which contract column is :mod:`triage.columns`' job, done after reading (so the page can show the
    file's own headers in its mapping step, and re-map without reading the file again)."""
    df = df.copy()
    if ROW not in df.columns:  # the readers give each row's number; a bare table is numbered here
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
    return len([c for c in df.columns if c not in READER_COLUMNS])
