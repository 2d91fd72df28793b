"""Read the first worksheet of an .xlsx workbook, bounded by the data in it, never by what it claims.

Why its own reader: openpyxl trusts a sheet's ``<dimension>`` record and pads every row to it, so a
2-row workbook whose one stray cell sits at XFD1048576 takes minutes and gigabytes, and a plain
100,000-row export takes 20 s. Here only cells with a value are kept (with their row and column), so
memory follows the data; the table is the rows and columns that hold something, and it is refused, with
one line, when it has more than ``max_cells`` cells, when the sheet's XML is larger than
``max_xml_bytes`` unpacked, or when reading takes longer than ``max_seconds``.

Speed: workbooks written by Excel, LibreOffice, openpyxl or xlsxwriter spell their cells one way
(``<c r="B2" s="1" t="s"><v>7</v></c>``); those are read with one regular expression a block at a time
(about 2 s for 100,000 rows, against 20 s with openpyxl), after checking that the expression accounts
for every cell in the block. Anything else (namespace prefixes, cells without a reference, comments)
is read by the standard library's expat parser instead: slower, same result. A workbook with a
document type declaration (the way to an entity bomb or an external entity) is refused outright.
"""

from __future__ import annotations

import gc
import html
import re
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from xml.parsers import expat

import numpy as np
import pandas as pd

from triage.header_row import SEARCH_ROWS, header_index, header_row_problem
from triage.workbook_parts import (
    CHUNK,
    MAX_ENTRIES,
    Convert,
    Limits,
    WorkbookError,
    book_parts,
    column_number,
    date_styles,
    expat_parser,
    local_name,
    shared_strings,
    zip_entries,
)

MAX_COLUMN, MAX_ROW = 16_384, 1_048_576  # Excel's own limits (XFD1048576)
#: One cell as the usual writers spell it: reference, other attributes, then a plain value or any content.
_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^>/]*)(?:/>|><v>([^<]*)</v></c>|>(.*?)</c>)', re.S)
_ONLY_V = re.compile(rb"<v>([^<]*)</v>")
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.\-]*:c[\s/>]")
_T_ATTR = re.compile(rb'\bt="([^"]*)"')
_S_ATTR = re.compile(rb'\bs="([0-9]+)"')
_INLINE_T = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>")
_PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.S)


@dataclass
class Sheet:
    """The used part of a worksheet: the header row, then every row holding a value, by column.

    ``columns`` are the sheet's column numbers (1 = A) that hold a value in any row; ``header`` their
    header cells ("" when blank); ``values[k]`` column k's values in the data rows, whose sheet row
    numbers are ``rows``. ``last_row`` is the last row holding anything (the rows a person scrolls).
    """

    header: list[str]
    columns: list[int]
    values: list[np.ndarray]
    rows: np.ndarray
    header_row: int
    last_row: int
    #: rows above the header holding a value (a report's title, its run date): not applications
    title_rows: int = 0


class _Cells:
    """Cells with a value: row, column and text, kept in blocks of arrays. Memory follows the values,
    not the coordinates."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.pending: tuple[list[int], list[int], list[str]] = ([], [], [])
        self.count = 0
        self.started = time.perf_counter()

    def add(self, row: int, col: int, text: str) -> None:
        """One cell (the expat reader)."""
        if text:
            self.pending[0].append(row)
            self.pending[1].append(col)
            self.pending[2].append(text)

    def add_block(self, rows: np.ndarray, cols: np.ndarray, texts: np.ndarray) -> None:
        """Many cells at once (the fast reader); empty texts are dropped here."""
        keep = texts != ""
        if not keep.all():
            rows, cols, texts = rows[keep], cols[keep], texts[keep]
        if len(rows):
            bad = (cols < 1) | (cols > MAX_COLUMN) | (rows < 1) | (rows > MAX_ROW)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise WorkbookError(f"a cell lies outside a worksheet (row {rows[i]:,}, column {cols[i]:,})")
            self.blocks.append((rows, cols, texts))
            self.count += len(rows)

    def check(self) -> None:
        """Refuse once past the cell or time limit (called a block at a time)."""
        rows, cols, texts = self.pending
        if rows:
            self.pending = ([], [], [])
            self.add_block(np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64),
                           np.array(texts, dtype=object))  # fmt: skip
        if self.count > self.limits.max_cells:
            raise WorkbookError(f"the sheet has more than {self.limits.max_cells:,} cells with a value")
        if time.perf_counter() - self.started > self.limits.max_seconds:
            raise WorkbookError(f"reading the sheet took more than {self.limits.max_seconds:g} s")


def _blocks(zf: zipfile.ZipFile, path: str) -> Iterator[bytes]:
    """The sheet's XML in blocks that end after a row or a cell (so no cell is cut in two)."""
    with zf.open(path) as f:
        rest = b""
        while chunk := f.read(CHUNK):
            buf = rest + chunk
            cut = buf.rfind(b"</row>")
            if cut >= 0:
                cut += len(b"</row>")
            else:
                cut = buf.rfind(b"</c>")
                cut = cut + len(b"</c>") if cut >= 0 else 0
            yield buf[:cut]
            rest = buf[cut:]
        yield rest


def _canonical(block: bytes, first: bool) -> bool:
    """Is this block spelled the usual way (so the regular expression sees every cell)?"""
    if first:
        head = block[:200].lower()
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (b"encoding=" in head and b"utf-8" not in head):
            return False
    return b"<!" not in block and _PREFIXED_CELL.search(block) is None


def _raw_value(kind: bytes, inner: bytes) -> bytes | None:
    """The raw value inside a cell that is not a plain ``<v>``: a formula's stored value, inline text."""
    if kind == b"inlineStr":
        return b"".join(_INLINE_T.findall(_PHONETIC.sub(b"", inner)))
    v = _ONLY_V.search(inner)
    return v[1] if v else None  # None: a formula with no stored value


def _block_texts(
    kinds: np.ndarray, styles: np.ndarray, raw: np.ndarray, convert: Convert, strings: np.ndarray
) -> np.ndarray:
    """The text of each cell of a block, converted once per distinct (type, style, value)."""
    texts = np.full(len(raw), "", dtype=object)
    for kind, style in set(zip(kinds.tolist(), styles.tolist(), strict=True)):
        m = (kinds == kind) & (styles == style)
        values = raw[m]
        if kind == "s":
            try:
                index = np.array(values.tolist()).astype(np.int64)
                if len(index) and (index.min() < 0 or index.max() >= len(strings)):
                    raise IndexError
            except (ValueError, IndexError):
                raise WorkbookError("not a readable .xlsx workbook (a cell names a missing string)") from None
            texts[m] = strings[index]
            continue
        codes, uniques = pd.factorize(values)
        out = []
        for u in uniques:
            value = u.decode("utf-8", errors="replace")
            out.append(convert(kind, style, html.unescape(value) if "&" in value else value))
        texts[m] = np.array(out, dtype=object)[codes]
    return texts


def _read_fast(zf: zipfile.ZipFile, path: str, convert: Convert, cells: _Cells) -> bool:
    """The sheet by regular expression, a block at a time; False (nothing kept) when its XML is not
    spelled the usual way, or the expression misses a cell."""
    columns: dict[bytes, int] = {}
    attributes: dict[bytes, tuple[str, int]] = {}
    strings = np.array(convert.strings, dtype=object)
    for i, block in enumerate(_blocks(zf, path)):
        if not _canonical(block, i == 0):
            return False
        found = _CELL.findall(block)
        starts = sum(block.count(b"<c" + ch) for ch in (b" ", b">", b"/", b"\t", b"\n", b"\r"))
        if starts != len(found):
            return False
        if not found:
            continue
        letters, digits, attrs, plain, inner = zip(*found, strict=True)
        a_codes, a_uniques = pd.factorize(np.array(attrs, dtype=object))
        for a in a_uniques:
            if a not in attributes:
                t, s = _T_ATTR.search(a), _S_ATTR.search(a)
                attributes[a] = (t[1].decode() if t else "n", int(s[1]) if s and len(s[1]) < 10 else 0)
        kinds = np.array([attributes[a][0] for a in a_uniques], dtype=object)[a_codes]
        styles = np.array([attributes[a][1] for a in a_uniques], dtype=np.int64)[a_codes]
        raw = np.array(plain, dtype=object)
        inner_arr = np.array(inner, dtype=object)
        for j in np.flatnonzero(inner_arr != b""):
            value = _raw_value(kinds[j].encode(), inner_arr[j])
            raw[j] = b"" if value is None else value
        texts = _block_texts(kinds, styles, raw, convert, strings)
        rows = np.array(digits).astype(np.int64)
        l_codes, l_uniques = pd.factorize(np.array(letters, dtype=object))
        for letter in l_uniques:
            if letter not in columns:
                columns[letter] = column_number(letter.decode())
        cols = np.array([columns[letter] for letter in l_uniques], dtype=np.int64)[l_codes]
        cells.add_block(rows, cols, texts)
        cells.check()
    return True


@dataclass
class _Cursor:
    """Where the expat reader is: the current row and column, the cell's type and style."""

    row: int = 0
    col: int = 0
    kind: str = "n"
    style: int = 0
    inside: str = ""
    phonetic: int = 0
    seen: int = 0


def _read_expat(zf: zipfile.ZipFile, path: str, convert: Convert, cells: _Cells) -> None:
    """The sheet by a real XML parser: any spelling the format allows (prefixes, missing references)."""
    ref = re.compile(r"([A-Z]{1,3})([0-9]{1,7})$")
    at = _Cursor()
    parts: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        local = local_name(name)
        if local == "row":
            r = attrs.get("r", "")
            at.row = int(r) if r.isdigit() and len(r) <= 7 else at.row + 1
            at.col = 0
        elif local == "c":
            m = ref.match(attrs.get("r", ""))
            if m:
                at.col, at.row = column_number(m[1]), int(m[2])
            else:
                at.col += 1
            at.kind = attrs.get("t", "n")
            style = attrs.get("s", "0")
            at.style = int(style) if style.isdigit() and len(style) < 10 else 0
            parts.clear()
            at.inside = ""
        elif local == "v":
            at.inside = "v"
        elif local == "rPh":
            at.phonetic += 1
        elif local == "t" and at.kind == "inlineStr" and not at.phonetic:
            at.inside = "t"

    def end(name: str) -> None:
        local = local_name(name)
        if local in ("v", "t"):
            at.inside = ""
        elif local == "rPh":
            at.phonetic -= 1
        elif local == "c":
            if parts:
                cells.add(at.row, at.col, convert(at.kind, at.style, "".join(parts)))
            parts.clear()
            at.seen += 1
            if at.seen % 100_000 == 0:
                cells.check()

    def text(data: str) -> None:
        if at.inside:
            parts.append(data)

    parser = expat_parser(start, end, text)
    try:
        with zf.open(path) as f:
            while chunk := f.read(CHUNK):
                parser.Parse(chunk, False)
                cells.check()
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise WorkbookError(f"not a readable .xlsx workbook ({expat.errors.messages[exc.code]})") from None


def _table(cells: _Cells, header_row: int | None = None) -> Sheet:
    """The used rows and columns as a table, refused when it has more than ``max_cells`` cells. The
    header is on sheet row ``header_row`` when given, else the first row that looks like a table's
    (title rows above it are counted, not read)."""
    cells.check()
    if not cells.blocks:
        raise WorkbookError("the first worksheet is empty")
    rows = np.concatenate([b[0] for b in cells.blocks])
    cols = np.concatenate([b[1] for b in cells.blocks])
    texts = np.concatenate([b[2] for b in cells.blocks])
    cells.blocks.clear()
    used_rows, row_at = np.unique(rows, return_inverse=True)
    used_cols, col_at = np.unique(cols, return_inverse=True)
    limit = cells.limits.max_cells
    if len(used_rows) * len(used_cols) > limit:
        raise WorkbookError(
            f"the sheet has more than {limit:,} cells ({len(used_rows):,} rows × {len(used_cols):,} columns "
            "hold values); remove stray cells far from the table, or split the export"
        )
    grid = np.full((len(used_rows), len(used_cols)), "", dtype=object)
    grid[row_at, col_at] = texts  # a cell given twice: the later one, as a spreadsheet would show
    last_row = int(used_rows[-1])
    if header_row is not None:
        if problem := header_row_problem(header_row, last_row):
            raise WorkbookError(problem)
        at = int(np.searchsorted(used_rows, header_row))
        if at >= len(used_rows) or used_rows[at] != header_row:
            raise WorkbookError(f"header row {header_row} is blank (expected the column names there)")
    else:
        top = grid[: SEARCH_ROWS * 2]
        at = header_index([int(sum(1 for v in row if str(v).strip())) for row in top])
    return Sheet(
        header=[str(h) for h in grid[at]],
        columns=[int(c) for c in used_cols],
        values=[grid[at + 1 :, j] for j in range(len(used_cols))],
        rows=used_rows[at + 1 :],
        header_row=int(used_rows[at]),
        last_row=last_row,
        title_rows=at,
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic collector paused while millions of short-lived tuples of bytes are made (none can
    be part of a cycle): it would otherwise re-scan them again and again, a third of the reading time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_sheet(data: bytes, limits: Limits, header_row: int | None = None) -> Sheet:
    """The first worksheet's used table (its header on ``header_row`` if given). Raises
    :class:`WorkbookError` with the reason."""
    if zip_entries(data) > MAX_ENTRIES:
        raise WorkbookError(f"the workbook has more than {MAX_ENTRIES:,} parts")
    try:
        zf = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise WorkbookError(f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        book = book_parts(zf)
        info = zf.NameToInfo.get(book.sheet)
        if info is None:
            raise WorkbookError(f"not a readable .xlsx workbook (no {book.sheet})")
        if info.file_size > limits.max_xml_bytes:
            raise WorkbookError(
                f"the sheet is {info.file_size:,} bytes unpacked, more than {limits.max_xml_bytes:,}"
            )
        convert = Convert(shared_strings(zf, book.shared_strings, limits), *date_styles(zf, book.styles),
                           book.date1904)  # fmt: skip
        with _collector_paused():
            cells = _Cells(limits)
            if not _read_fast(zf, book.sheet, convert, cells):
                cells = _Cells(limits)
                _read_expat(zf, book.sheet, convert, cells)
            return _table(cells, header_row)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise WorkbookError(f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    finally:
        zf.close()
