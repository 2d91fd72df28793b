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
import posixpath
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from io import BytesIO
from typing import Any
from xml.parsers import expat

import numpy as np
import pandas as pd

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAX_ENTRIES = 10_000  # parts in the zip: a workbook has a few dozen
MAX_SMALL_PART = 64 * 1024 * 1024  # workbook.xml, its relationships, styles
MAX_COLUMN, MAX_ROW = 16_384, 1_048_576  # Excel's own limits (XFD1048576)
_CHUNK = 4 * 1024 * 1024
#: One cell as the usual writers spell it: reference, other attributes, then a plain value or any content.
_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^>/]*)(?:/>|><v>([^<]*)</v></c>|>(.*?)</c>)', re.S)
_ONLY_V = re.compile(rb"<v>([^<]*)</v>")
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.\-]*:c[\s/>]")
_T_ATTR = re.compile(rb'\bt="([^"]*)"')
_S_ATTR = re.compile(rb'\bs="([0-9]+)"')
_INLINE_T = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>")
_PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.S)


class WorkbookError(Exception):
    """The workbook cannot be used; the message is the reason (the caller adds the file's name)."""


@dataclass(frozen=True)
class Limits:
    max_cells: int
    max_seconds: float
    max_xml_bytes: int


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


# ---- zip parts and small XML files ------------------------------------------------------------------


def _zip_entries(data: bytes) -> int:
    """Entries the zip's end record declares (read before zipfile parses a central directory of any size)."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or at + 22 > len(data):
        raise WorkbookError("not a readable .xlsx workbook (no zip directory)")
    entries = int.from_bytes(data[at + 10 : at + 12], "little")
    return MAX_ENTRIES + 1 if entries == 0xFFFF else entries


def _parser(start: Callable[..., None], end: Callable[[str], None] | None = None,
            text: Callable[[str], None] | None = None) -> Any:  # fmt: skip
    """An expat parser (names as "namespace local") that refuses document type declarations."""

    def refuse(*_: object) -> None:
        raise WorkbookError("the workbook declares a document type (not written by a spreadsheet)")

    p = expat.ParserCreate(namespace_separator=" ")
    p.buffer_text = True
    p.StartDoctypeDeclHandler = refuse
    p.EntityDeclHandler = refuse
    p.StartElementHandler = start
    if end is not None:
        p.EndElementHandler = end
    if text is not None:
        p.CharacterDataHandler = text
    return p


def _local(name: str) -> str:
    return name.rpartition(" ")[2]


def _parse_part(zf: zipfile.ZipFile, path: str, parser: Any, limit: int) -> None:
    try:
        info = zf.getinfo(path)
    except KeyError:
        raise WorkbookError(f"not a readable .xlsx workbook (no {path})") from None
    if info.file_size > limit:
        raise WorkbookError(f"{path} is {info.file_size:,} bytes unpacked, more than {limit:,}")
    try:
        with zf.open(info) as f:
            while chunk := f.read(_CHUNK):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise WorkbookError(
            f"not a readable .xlsx workbook ({path}: {expat.errors.messages[exc.code]})"
        ) from None


def _relationships(zf: zipfile.ZipFile, path: str) -> dict[str, tuple[str, str]]:
    """Id -> (type, target) of a part's relationships file (absent: none)."""
    out: dict[str, tuple[str, str]] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship" and "Id" in attrs:
            out[attrs["Id"]] = (attrs.get("Type", ""), attrs.get("Target", ""))

    if path in zf.NameToInfo:
        _parse_part(zf, path, _parser(start), MAX_SMALL_PART)
    return out


def _resolve(base_dir: str, target: str) -> str:
    joined = target.lstrip("/") if target.startswith("/") or not base_dir else f"{base_dir}/{target}"
    return posixpath.normpath(joined)


@dataclass
class _Book:
    sheet: str
    shared_strings: str | None
    styles: str | None
    date1904: bool = False


def _book(zf: zipfile.ZipFile) -> _Book:
    """Where the first worksheet, the shared strings and the styles are, and the date system."""
    root = _relationships(zf, "_rels/.rels")
    office = [t for kind, t in root.values() if kind.endswith("/officeDocument")]
    book_path = _resolve("", office[0]) if office else "xl/workbook.xml"
    base = posixpath.dirname(book_path)
    found: dict[str, Any] = {"sheet": None, "date1904": False}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "sheet" and found["sheet"] is None:
            found["sheet"] = attrs.get(f"{RELATIONSHIP} id", "")
        elif local == "workbookPr":
            found["date1904"] = attrs.get("date1904", "0").lower() in ("1", "true")

    _parse_part(zf, book_path, _parser(start), MAX_SMALL_PART)
    rels = _relationships(zf, f"{base}/_rels/{posixpath.basename(book_path)}.rels")
    if found["sheet"] is None:
        raise WorkbookError("the workbook has no worksheet")
    kind, target = rels.get(found["sheet"], ("", ""))
    sheet = _resolve(base, target) if target else f"{base}/worksheets/sheet1.xml"
    if kind.endswith("/chartsheet"):
        raise WorkbookError("the first sheet is a chart; put the export on the first sheet")
    by_kind = {k.rsplit("/", 1)[-1]: _resolve(base, t) for k, t in rels.values()}
    strings = by_kind.get("sharedStrings") or (f"{base}/sharedStrings.xml" if f"{base}/sharedStrings.xml"
                                              in zf.NameToInfo else None)  # fmt: skip
    return _Book(sheet, strings, by_kind.get("styles"), bool(found["date1904"]))


def _shared_strings(zf: zipfile.ZipFile, path: str | None, limits: Limits) -> list[str]:
    """The shared string table: each ``<si>``'s text, phonetic guides left out."""
    strings: list[str] = []
    if path is None or path not in zf.NameToInfo:
        return strings
    parts: list[str] = []
    state = {"t": False, "phonetic": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "t" and not state["phonetic"]:
            state["t"] = True
        elif local == "rPh":
            state["phonetic"] += 1

    def end(name: str) -> None:
        local = _local(name)
        if local == "t":
            state["t"] = False
        elif local == "rPh":
            state["phonetic"] -= 1
        elif local == "si":
            strings.append("".join(parts))
            parts.clear()
            if len(strings) > limits.max_cells:
                raise WorkbookError(f"more than {limits.max_cells:,} shared strings")

    def text(data: str) -> None:
        if state["t"]:
            parts.append(data)

    _parse_part(zf, path, _parser(start, end, text), limits.max_xml_bytes)
    return strings


def _date_styles(zf: zipfile.ZipFile, path: str | None) -> tuple[frozenset[int], frozenset[int]]:
    """Indices of the cell styles that show a date (or time), and those that show a duration."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    if path is None or path not in zf.NameToInfo:
        return frozenset(), frozenset()
    custom: dict[int, str] = {}
    formats: list[int] = []
    depth = {"cellXfs": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "numFmt" and attrs.get("numFmtId", "").isdigit():
            custom[int(attrs["numFmtId"])] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            depth["cellXfs"] += 1
        elif local == "xf" and depth["cellXfs"]:
            fmt = attrs.get("numFmtId", "0")
            formats.append(int(fmt) if fmt.isdigit() else 0)

    def end(name: str) -> None:
        if _local(name) == "cellXfs":
            depth["cellXfs"] -= 1

    _parse_part(zf, path, _parser(start, end), MAX_SMALL_PART)
    dates, durations = set(), set()
    for i, fmt in enumerate(formats):
        code = custom.get(fmt) or BUILTIN_FORMATS.get(fmt) or ""
        if is_timedelta_format(code):
            durations.add(i)
        elif is_date_format(code):
            dates.add(i)
    return frozenset(dates), frozenset(durations)


# ---- cell values --------------------------------------------------------------------------------------


def column_number(letters: str) -> int:
    """'A' -> 1, 'XFD' -> 16384."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _number_text(raw: str) -> str:
    """A number as openpyxl gives it and a person types it: whole numbers without '.0'."""
    try:
        value: float | int = float(raw) if any(c in raw for c in ".eE") else int(raw)
    except ValueError:
        return raw  # not a number after all (or beyond Python's digit limit): keep the text
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


def _temporal_text(value: datetime | date | clock_time | timedelta) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == clock_time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | clock_time):
        return value.isoformat()
    return str(value)


@dataclass
class _Convert:
    """Turns one cell's type, style and raw text into the text a person would type."""

    strings: list[str]
    dates: frozenset[int]
    durations: frozenset[int]
    date1904: bool
    epoch: datetime = field(init=False)

    def __post_init__(self) -> None:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

        self.epoch = CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900

    def __call__(self, kind: str, style: int, raw: str) -> str:
        if kind == "s":
            try:
                return self.strings[int(raw)]
            except (ValueError, IndexError):
                raise WorkbookError("not a readable .xlsx workbook (a cell names a missing string)") from None
        if kind in ("str", "inlineStr", "e"):
            return raw
        if kind == "b":
            return "yes" if raw.strip() in ("1", "true") else "no"
        if kind == "d":
            try:
                return _temporal_text(datetime.fromisoformat(raw))
            except ValueError:
                return raw
        if style in self.dates or style in self.durations:
            from openpyxl.utils.datetime import from_excel

            try:
                return _temporal_text(from_excel(float(raw), self.epoch, timedelta=style in self.durations))
            except (ValueError, OverflowError):
                return _number_text(raw)
        return _number_text(raw)


# ---- the sheet ------------------------------------------------------------------------------------------


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
        while chunk := f.read(_CHUNK):
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
    kinds: np.ndarray, styles: np.ndarray, raw: np.ndarray, convert: _Convert, strings: np.ndarray
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


def _read_fast(zf: zipfile.ZipFile, path: str, convert: _Convert, cells: _Cells) -> bool:
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


def _read_expat(zf: zipfile.ZipFile, path: str, convert: _Convert, cells: _Cells) -> None:
    """The sheet by a real XML parser: any spelling the format allows (prefixes, missing references)."""
    ref = re.compile(r"([A-Z]{1,3})([0-9]{1,7})$")
    at = _Cursor()
    parts: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
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
        local = _local(name)
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

    parser = _parser(start, end, text)
    try:
        with zf.open(path) as f:
            while chunk := f.read(_CHUNK):
                parser.Parse(chunk, False)
                cells.check()
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise WorkbookError(f"not a readable .xlsx workbook ({expat.errors.messages[exc.code]})") from None


def _table(cells: _Cells) -> Sheet:
    """The used rows and columns as a table, refused when it has more than ``max_cells`` cells."""
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
    return Sheet(
        header=[str(h) for h in grid[0]],
        columns=[int(c) for c in used_cols],
        values=[grid[1:, j] for j in range(len(used_cols))],
        rows=used_rows[1:],
        header_row=int(used_rows[0]),
        last_row=int(used_rows[-1]),
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


def read_sheet(data: bytes, limits: Limits) -> Sheet:
    """The first worksheet's used table. Raises :class:`WorkbookError` with the reason."""
    if _zip_entries(data) > MAX_ENTRIES:
        raise WorkbookError(f"the workbook has more than {MAX_ENTRIES:,} parts")
    try:
        zf = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise WorkbookError(f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        book = _book(zf)
        info = zf.NameToInfo.get(book.sheet)
        if info is None:
            raise WorkbookError(f"not a readable .xlsx workbook (no {book.sheet})")
        if info.file_size > limits.max_xml_bytes:
            raise WorkbookError(
                f"the sheet is {info.file_size:,} bytes unpacked, more than {limits.max_xml_bytes:,}"
            )
        convert = _Convert(_shared_strings(zf, book.shared_strings, limits), *_date_styles(zf, book.styles),
                           book.date1904)  # fmt: skip
        with _collector_paused():
            cells = _Cells(limits)
            if not _read_fast(zf, book.sheet, convert, cells):
                cells = _Cells(limits)
                _read_expat(zf, book.sheet, convert, cells)
            return _table(cells)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise WorkbookError(f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    finally:
        zf.close()
