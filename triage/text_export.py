"""Read a text export (CSV, or Excel's tab-separated "Unicode text") and account for every line of it.

Why its own module: a CSV parser counts *records*, but a person counts the *lines* of their file. A
quote left open in one row (``..."Smith,note``) makes a parser swallow every following line into one
field: three rows on the worklist, none refused, and seven applications gone without a word. So this
reader knows the file's physical lines (``\\n``, ``\\r\\n`` or an old Mac's lone ``\\r`` each end one),
and a quoted value that runs across lines is accepted only when it is plausibly one value:

- it is closed before the end of the file, and is well-formed CSV (strict quoting), and
- none of the lines it would take in holds a whole row's worth of separators (as many fields as the
  header, quotes not trusted), and the record it makes is no wider than the header.

Otherwise the line where the quote opened is refused (``row: unclosed quote from line N``) and every line
after it is read again as rows of their own. So ``lines = header + blank + lines inside quoted values +
rows``, and every row is on the worklist or refused.

It also finds the encoding (UTF-8 with or without a BOM, UTF-16 with a BOM or plainly so, Windows-1252)
and the separator (comma, tab or semicolon, from the header line), and names both in the summary.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from triage.header_row import SEARCH_ROWS, header_index, header_row_problem

#: Separators tried on the header line, in order of preference when they split it equally.
SEPARATORS = {",": "comma", "\t": "tab", ";": "semicolon"}
_SPARE_COLUMNS = 8
#: The header is looked for in this many characters at the start of the file (more if it runs longer).
_HEAD_CHARS = 1 << 16
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # a long note is a value, not an error
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8 with BOM"),
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)


@dataclass(frozen=True)
class TextRecords:
    """A text export split into a header and records, with what is needed to account for its lines.

    Either ``records`` (the exact path) or ``table`` with ``extras`` (pandas' fast path, one record per
    line) holds the rows. ``rows`` is each record's row number as a spreadsheet shows it (the header's
    record is row 1); ``broken`` is, for each record the reader itself refuses, why (else "").
    """

    header: list[str]
    records: list[list[str]] | None
    table: pd.DataFrame | None
    extras: np.ndarray | None
    rows: np.ndarray
    broken: list[str]
    lines: int
    header_lines: int
    blank_lines_before_header: int
    quoted_line_breaks: int
    unclosed_quotes: int
    encoding: str
    separator: str
    line_ending: str
    #: lines above the header holding a title (a report's preamble), not rows
    title_lines: int = 0


#: Bytes that are not ASCII (deleted to count the ASCII ones).
_HIGH_BYTES = bytes(range(0x80, 0x100))
#: What a character that could not be read becomes (and what validation flags a row for).
UNREADABLE = "\ufffd"


def _nul(text: str) -> str:
    """NUL bytes at the end are padding (some exporters add them) and go; one inside the text is shown as
    :data:`UNREADABLE`, so ``A1<NUL>2`` is never silently ``A12`` (and never the genuine A12's twin)."""
    return text.rstrip("\x00").replace("\x00", UNREADABLE)


def decode(data: bytes) -> tuple[str, str]:
    """The text of an export and the encoding's name as a person knows it.

    A byte-order mark decides (UTF-8, UTF-16, UTF-32); text with NUL bytes at every other position is
    UTF-16 without one; then UTF-8; a file that is UTF-8 but for a few bytes (three characters read as
    UTF-8 for each byte that is not, or more) stays UTF-8, those bytes shown as U+FFFD and their rows
    flagged by validation, rather than every accented name of the file turned to mojibake (``Zoë`` ->
    ``ZoÃ«``) by reading it all as another encoding; then Windows-1252 (Excel's "CSV" on Windows) and
    Latin-1, which decodes anything.
    """
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            return _nul(data.decode(codec, errors="replace")), label
    sample = data[:4096]
    if len(sample) >= 4:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        half = len(sample) // 2
        wide: str | None = "utf-16-le" if odd > 0.4 * half and even < 0.05 * half else None
        wide = "utf-16-be" if even > 0.4 * half and odd < 0.05 * half else wide
        if wide is not None:
            return _nul(data.decode(wide, errors="replace")), "UTF-16"
    try:
        return _nul(data.decode("utf-8")), "UTF-8"
    except UnicodeDecodeError:
        pass
    mostly = data.decode("utf-8", errors="replace")
    replaced = mostly.count(UNREADABLE)
    bad = replaced - data.count(UNREADABLE.encode())  # a U+FFFD the file itself held is not a bad byte
    # characters beyond ASCII read as UTF-8: every ASCII byte is one ASCII character (counted in C, not
    # by a loop over a file of up to 100 MB)
    read = len(mostly) - len(data.translate(None, _HIGH_BYTES)) - replaced
    if bad and read >= 3 * bad:  # a Windows-1252 file makes a valid UTF-8 pair by chance, rarely three
        return _nul(mostly), f"UTF-8, {bad:,} byte{'s' if bad != 1 else ''} not UTF-8 shown as \ufffd"
    for codec, label in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        try:
            return _nul(data.decode(codec)), label
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def count_lines(text: str) -> tuple[int, str]:
    """Physical lines of ``text`` (a last line without a line break counts) and their ending's name."""
    crlf, cr, lf = text.count("\r\n"), text.count("\r"), text.count("\n")
    breaks = cr + lf - crlf
    lines = breaks + (1 if text and not text.endswith(("\r", "\n")) else 0)
    kinds = [name for name, n in (("CRLF", crlf), ("CR", cr - crlf), ("LF", lf - crlf)) if n]
    return lines, (kinds[0] if len(kinds) == 1 else "mixed" if kinds else "none")


def sniff_separator(line: str) -> str:
    """The separator that splits the header line into the most fields (comma when none splits it)."""
    best, most = ",", 1
    for sep in SEPARATORS:
        n = len(next(csv.reader([line], delimiter=sep), []))
        if n > most:
            best, most = sep, n
    return best


class _Feed:
    """Lines handed to :mod:`csv` one at a time, so the lines each record used are known."""

    def __init__(self, lines: list[str], pos: int) -> None:
        self.lines, self.pos = lines, pos

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.lines):
            raise StopIteration
        self.pos += 1
        return self.lines[self.pos - 1]


def _alone(line: str, sep: str) -> list[str]:
    """A line read on its own, its line break dropped (an open quote then runs to the end of the line)."""
    return next(csv.reader([line.rstrip("\r\n")], delimiter=sep), [])


def _plausible(lines: list[str], first: int, end: int, fields: int, width: int | None, sep: str) -> bool:
    """Is the record on lines ``first:end`` (more than one) plausibly one row with a quoted line break?

    ``width``: the header's; None while reading the header itself (then the record's own).
    """
    try:
        next(csv.reader(_Feed(lines, first), delimiter=sep, strict=True))
    except (csv.Error, StopIteration):
        return False  # unclosed at the end of the file, or not well-formed quoting
    width = width or fields
    if fields > width:
        return False
    # A line holding a whole row's worth of separators is a row (quotes not trusted: they are the question).
    return all(lines[i].count(sep) + 1 < width for i in range(first + 1, end))


def _open_at_end(line: str, sep: str) -> bool:
    """Does the file's last line leave a quote open (its value would run past the end of the file)?"""
    if '"' not in line:
        return False
    try:
        next(csv.reader([line], delimiter=sep, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _refusal(first: int, end: int | None) -> str:
    line = first + 1
    if end is None:
        return f"row: not readable as CSV from line {line}; the lines after it are read as rows"
    if end - first > 1:
        swallowed = f"line {line + 1}" if end - first == 2 else f"lines {line + 1}-{end}"
        return f"row: unclosed quote from line {line} (it would take in {swallowed}, read as rows instead)"
    return f"row: unclosed quote from line {line}"


def _records(
    lines: list[str], start: int, sep: str, width: int | None
) -> Iterator[tuple[int, list[str], int, str]]:
    """(first line, fields, lines used, why refused or "") of every record from line index ``start`` on."""
    pos = start
    while pos < len(lines):
        feed = _Feed(lines, pos)
        reader = csv.reader(feed, delimiter=sep)
        first = pos
        end: int | None = None
        try:
            for fields in reader:
                span = feed.pos - first
                if span > 1 and not _plausible(lines, first, feed.pos, len(fields), width, sep):
                    end = feed.pos
                    break
                if span == 1 and feed.pos == len(lines) and _open_at_end(lines[first], sep):
                    end = feed.pos
                    break
                yield first, fields, span, ""
                first = feed.pos
            else:
                return
        except csv.Error:
            end = None  # the record from `first` cannot be read: refused below, the rest read again
        yield first, _alone(lines[first], sep), 1, _refusal(first, end)
        pos = first + 1


def _filled(line: str) -> int:
    """How many cells of a line hold something (a title row fills one; a row of separators none)."""
    try:
        fields = _alone(line, sniff_separator(line.rstrip("\r\n")))
    except csv.Error:
        fields = line.split(",")
    return sum(1 for f in fields if f.strip())


def _header(lines: list[str], header_row: int | None = None) -> tuple[int, list[str], int, str, int]:
    """(lines before it, header fields, lines it uses, separator, title lines among those before) of a
    text export. The header is on ``header_row`` (1 = the first line) when given, else the first row that
    looks like a table's (:func:`triage.header_row.header_index`)."""
    if header_row is not None:
        skip = header_row - 1
    else:
        skip = header_index([_filled(line) for line in lines[: SEARCH_ROWS * 2]])
    if skip >= len(lines) or not lines[skip].strip():
        return skip, [], 0, ",", 0
    titles = sum(1 for line in lines[:skip] if _filled(line))
    sep = sniff_separator(lines[skip].rstrip("\r\n"))
    _, fields, span, _ = next(_records(lines, skip, sep, width=None))
    return skip, fields, span, sep, titles


def _arrow_table(text: str, header: list[str], sep: str, data_lines: int) -> pd.DataFrame | None:
    """Arrow's CSV reader (several times faster than pandas' on a big export, and its strings are the
    ones pandas keeps) when every line is one record exactly as wide as the header, with no quoted line
    break and distinct headers. None: some line is not like that; the slower paths decide."""
    if len(set(header)) != len(header):
        return None
    odd: list[int] = []

    def invalid(row: pa_csv.InvalidRow) -> str:
        odd.append(row.number or 0)
        return "skip"

    names = [f"c{k}" for k in range(len(header))]
    try:
        table = pa_csv.read_csv(
            io.BytesIO(text.encode("utf-8", "surrogatepass")),
            # One thread: Arrow's pool threads each reserve allocator memory, which a process under an
            # address-space limit (tests/functional/test_budgets.py) cannot give; one thread is fast enough.
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1, use_threads=False),
            parse_options=pa_csv.ParseOptions(
                delimiter=sep, newlines_in_values=False, invalid_row_handler=invalid
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeError):
        return None
    if odd or table.num_rows != data_lines:
        return None
    if table.num_rows and not _last_line_agrees(text, sep, table):
        return None
    df = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get)
    df.columns = pd.Index(header)
    return df


def _last_line_agrees(text: str, sep: str, table: pa.Table) -> bool:
    """Arrow reads a quote left open on the last line as closed by the end of the file; strict CSV
    refuses it. So the last line is read again strictly, and must give the same fields."""
    body = text.rstrip("\r\n")
    last = body[max(body.rfind("\n"), body.rfind("\r")) + 1 :]
    try:
        fields = next(csv.reader([last], delimiter=sep, strict=True), [])
    except csv.Error:
        return False
    return fields == list(table.slice(table.num_rows - 1).to_pylist()[0].values())


def _fast_table(
    text: str, header: list[str], sep: str, data_lines: int
) -> tuple[pd.DataFrame, np.ndarray] | None:
    """Arrow's reader, or pandas' C parser with spare columns to catch rows wider than the header, when it
    reads exactly one record per line: the table and each row's surplus fields. None: use the exact
    path."""
    quick = _arrow_table(text, header, sep, data_lines)
    if quick is not None:
        return quick, np.full(len(quick), "", dtype=object)
    spare = [f"__spare_{k}" for k in range(_SPARE_COLUMNS)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # pandas only *warns* when it would drop fields: refuse that
            df = pd.read_csv(
                io.StringIO(text),
                sep=sep,
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
    if len(df) != data_lines:
        return None  # a quoted value ran across lines (or pandas split lines otherwise): be exact
    extra = df[spare]
    wide = (extra != "").any(axis=1).to_numpy()
    extras = np.full(len(df), "", dtype=object)
    if wide.any():
        extras[wide] = [sep.join(v for v in r if v != "") for r in extra[wide].itertuples(index=False)]
    return df.drop(columns=spare), extras


def read_text(data: bytes, max_cells: int, header_row: int | None = None) -> TextRecords | str:
    """Split a text export into header and records, every line accounted for.

    Returns a message instead when the file cannot be read at all (no header; more than ``max_cells``
    cells): the caller turns it into an error naming the file.
    """
    text, encoding = decode(data)
    lines_total, ending = count_lines(text)
    # The header is found in the file's first lines; the whole file is split into lines only when the
    # fast path cannot read it (splitting 100,000 lines costs as much as parsing them).
    head = _LINE.findall(text, 0, _HEAD_CHARS) if lines_total else []
    skip, header, header_lines, sep, titles = _header(head, header_row)
    lines: list[str] | None = None
    if skip + header_lines >= len(head) - 1 and len(text) > _HEAD_CHARS:  # the header ran to the cut
        lines = _LINE.findall(text)
        skip, header, header_lines, sep, titles = _header(lines, header_row)
    if header_row is not None and (problem := header_row_problem(header_row, lines_total)):
        return problem
    if header_row is not None and not any(h.strip() for h in header):
        return f"header row {header_row} is blank (expected the column names there)"
    if not header or not any(h.strip() for h in header):
        return "no header row (expected column names such as application_id)"
    data_lines = lines_total - skip - header_lines
    # Every field is ended by a separator or a line break, and short rows are padded to the header's
    # width: both bounds are known before anything is parsed.
    cells = max(text.count(sep) + lines_total, len(header) * data_lines)
    if cells > max_cells:
        return f"more than {max_cells:,} cells (the most one export may hold); split the export"
    first_row = skip + 2  # the header's record is row skip + 1 (blank lines above it are rows too)

    def records_of(
        records: list[list[str]] | None,
        table: pd.DataFrame | None,
        extras: np.ndarray | None,
        broken: list[str],
        breaks: int,
    ) -> TextRecords:
        n = len(table) if table is not None else len(broken)
        return TextRecords(
            header=header,
            records=records,
            table=table,
            extras=extras,
            rows=np.arange(first_row, first_row + n, dtype=np.int64),
            broken=broken,
            lines=lines_total,
            header_lines=header_lines,
            blank_lines_before_header=skip - titles,
            title_lines=titles,
            quoted_line_breaks=breaks,
            unclosed_quotes=sum(1 for b in broken if b),
            encoding=encoding,
            separator=SEPARATORS.get(sep, sep),
            line_ending=ending,
        )

    fast = _fast_table(text, header, sep, data_lines) if header_lines == 1 and skip == 0 else None
    if fast is not None:
        return records_of(None, fast[0], fast[1], [""] * len(fast[0]), 0)
    if lines is None:
        lines = _LINE.findall(text)
    records: list[list[str]] = []
    broken: list[str] = []
    continued = 0
    for _, fields, span, problem in _records(lines, skip + header_lines, sep, len(header)):
        records.append(fields)
        broken.append(problem)
        continued += span - 1
    return records_of(records, None, None, broken, continued)


__all__ = ["SEPARATORS", "TextRecords", "count_lines", "decode", "read_text", "sniff_separator"]
