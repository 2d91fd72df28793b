"""The parts of an .xlsx workbook other than the sheet's cells: the zip, where the first worksheet is, the
shared strings, which styles are dates, and how a cell's stored value becomes the text a person typed.

Every XML part is read by the standard library's expat parser with document type declarations refused
(the way to an entity bomb or an external entity), each part's unpacked size bounded before it is read,
and the zip's entry count read from its end record before :mod:`zipfile` parses its directory.
:mod:`triage.workbook` reads the sheet itself.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from xml.parsers import expat

RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAX_ENTRIES = 10_000  # parts in the zip: a workbook has a few dozen
MAX_SMALL_PART = 64 * 1024 * 1024  # workbook.xml, its relationships, styles
CHUNK = 4 * 1024 * 1024


class WorkbookError(Exception):
    """The workbook cannot be used; the message is the reason (the caller adds the file's name)."""


@dataclass(frozen=True)
class Limits:
    max_cells: int
    max_seconds: float
    max_xml_bytes: int


def zip_entries(data: bytes) -> int:
    """Entries the zip's end record declares (read before zipfile parses a central directory of any size)."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or at + 22 > len(data):
        raise WorkbookError("not a readable .xlsx workbook (no zip directory)")
    entries = int.from_bytes(data[at + 10 : at + 12], "little")
    return MAX_ENTRIES + 1 if entries == 0xFFFF else entries


def expat_parser(start: Callable[..., None], end: Callable[[str], None] | None = None,
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


def local_name(name: str) -> str:
    return name.rpartition(" ")[2]


def parse_part(zf: zipfile.ZipFile, path: str, parser: Any, limit: int) -> None:
    try:
        info = zf.getinfo(path)
    except KeyError:
        raise WorkbookError(f"not a readable .xlsx workbook (no {path})") from None
    if info.file_size > limit:
        raise WorkbookError(f"{path} is {info.file_size:,} bytes unpacked, more than {limit:,}")
    try:
        with zf.open(info) as f:
            while chunk := f.read(CHUNK):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise WorkbookError(
            f"not a readable .xlsx workbook ({path}: {expat.errors.messages[exc.code]})"
        ) from None


def relationships(zf: zipfile.ZipFile, path: str) -> dict[str, tuple[str, str]]:
    """Id -> (type, target) of a part's relationships file (absent: none)."""
    out: dict[str, tuple[str, str]] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if local_name(name) == "Relationship" and "Id" in attrs:
            out[attrs["Id"]] = (attrs.get("Type", ""), attrs.get("Target", ""))

    if path in zf.NameToInfo:
        parse_part(zf, path, expat_parser(start), MAX_SMALL_PART)
    return out


def resolve(base_dir: str, target: str) -> str:
    joined = target.lstrip("/") if target.startswith("/") or not base_dir else f"{base_dir}/{target}"
    return posixpath.normpath(joined)


@dataclass
class Book:
    sheet: str
    shared_strings: str | None
    styles: str | None
    date1904: bool = False


def book_parts(zf: zipfile.ZipFile) -> Book:
    """Where the first worksheet, the shared strings and the styles are, and the date system."""
    root = relationships(zf, "_rels/.rels")
    office = [t for kind, t in root.values() if kind.endswith("/officeDocument")]
    book_path = resolve("", office[0]) if office else "xl/workbook.xml"
    base = posixpath.dirname(book_path)
    found: dict[str, Any] = {"sheet": None, "date1904": False}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = local_name(name)
        if local == "sheet" and found["sheet"] is None:
            found["sheet"] = attrs.get(f"{RELATIONSHIP} id", "")
        elif local == "workbookPr":
            found["date1904"] = attrs.get("date1904", "0").lower() in ("1", "true")

    parse_part(zf, book_path, expat_parser(start), MAX_SMALL_PART)
    rels = relationships(zf, f"{base}/_rels/{posixpath.basename(book_path)}.rels")
    if found["sheet"] is None:
        raise WorkbookError("the workbook has no worksheet")
    kind, target = rels.get(found["sheet"], ("", ""))
    sheet = resolve(base, target) if target else f"{base}/worksheets/sheet1.xml"
    if kind.endswith("/chartsheet"):
        raise WorkbookError("the first sheet is a chart; put the export on the first sheet")
    by_kind = {k.rsplit("/", 1)[-1]: resolve(base, t) for k, t in rels.values()}
    strings = by_kind.get("sharedStrings") or (f"{base}/sharedStrings.xml" if f"{base}/sharedStrings.xml"
                                              in zf.NameToInfo else None)  # fmt: skip
    return Book(sheet, strings, by_kind.get("styles"), bool(found["date1904"]))


def shared_strings(zf: zipfile.ZipFile, path: str | None, limits: Limits) -> list[str]:
    """The shared string table: each ``<si>``'s text, phonetic guides left out."""
    strings: list[str] = []
    if path is None or path not in zf.NameToInfo:
        return strings
    parts: list[str] = []
    state = {"t": False, "phonetic": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = local_name(name)
        if local == "t" and not state["phonetic"]:
            state["t"] = True
        elif local == "rPh":
            state["phonetic"] += 1

    def end(name: str) -> None:
        local = local_name(name)
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

    parse_part(zf, path, expat_parser(start, end, text), limits.max_xml_bytes)
    return strings


def date_styles(zf: zipfile.ZipFile, path: str | None) -> tuple[frozenset[int], frozenset[int]]:
    """Indices of the cell styles that show a date (or time), and those that show a duration."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    if path is None or path not in zf.NameToInfo:
        return frozenset(), frozenset()
    custom: dict[int, str] = {}
    formats: list[int] = []
    depth = {"cellXfs": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = local_name(name)
        if local == "numFmt" and attrs.get("numFmtId", "").isdigit():
            custom[int(attrs["numFmtId"])] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            depth["cellXfs"] += 1
        elif local == "xf" and depth["cellXfs"]:
            fmt = attrs.get("numFmtId", "0")
            formats.append(int(fmt) if fmt.isdigit() else 0)

    def end(name: str) -> None:
        if local_name(name) == "cellXfs":
            depth["cellXfs"] -= 1

    parse_part(zf, path, expat_parser(start, end), MAX_SMALL_PART)
    dates, durations = set(), set()
    for i, fmt in enumerate(formats):
        code = custom.get(fmt) or BUILTIN_FORMATS.get(fmt) or ""
        if is_timedelta_format(code):
            durations.add(i)
        elif is_date_format(code):
            dates.add(i)
    return frozenset(dates), frozenset(durations)


def column_number(letters: str) -> int:
    """'A' -> 1, 'XFD' -> 16384."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def number_text(raw: str) -> str:
    """A number as openpyxl gives it and a person types it: whole numbers without '.0'."""
    try:
        value: float | int = float(raw) if any(c in raw for c in ".eE") else int(raw)
    except ValueError:
        return raw  # not a number after all (or beyond Python's digit limit): keep the text
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


def temporal_text(value: datetime | date | clock_time | timedelta) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == clock_time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | clock_time):
        return value.isoformat()
    return str(value)


@dataclass
class Convert:
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
                return temporal_text(datetime.fromisoformat(raw))
            except ValueError:
                return raw
        if style in self.dates or style in self.durations:
            from openpyxl.utils.datetime import from_excel

            try:
                return temporal_text(from_excel(float(raw), self.epoch, timedelta=style in self.durations))
            except (ValueError, OverflowError):
                return number_text(raw)
        return number_text(raw)
