"""Fuzz: every line of a text export is accounted for, counted in the user's units (issue 10).

The test writes the file itself, item by item (good rows, some with real line breaks inside quoted
values; blank lines; rows whose quote opens and never closes), in any encoding, separator and line
ending, and knows from what it wrote how many lines, rows, blank lines and lines inside quoted values
there are. The reader must agree exactly, every row must be on the worklist or refused, and each broken
row must be refused for its unclosed quote, naming its line, without taking any other row with it.

``pytest -m long`` runs the same test over 10,000 examples; the default run does 150.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import AS_OF, BASE_ROW
from triage.worklist import build_worklist

COLUMNS = list(BASE_ROW)
WIDTH = len(COLUMNS)
SAFE = "abcxyz0129 -/@=+."
one_line_cell = st.one_of(
    st.sampled_from(["", "yes", "no", "urgent", "standard", "care_home", "2026-11-01", "31/02/2025", "84"]),
    st.text(alphabet=SAFE + ",;\t\"'", max_size=10),  # quoted by the writer when needed
)
multi_line_cell = st.lists(
    st.text(alphabet="abcxyz019 ", min_size=1, max_size=6), min_size=2, max_size=4
).map("\n".join)
safe_cell = st.text(alphabet="abcxyz0129-/", max_size=8)


def strip(cell: str) -> str:
    return "".join(ch for ch in cell if ch not in ",;\t")


@dataclass
class Item:
    kind: str  # "row", "blank" or "broken"
    cells: list[str]


row_item = st.builds(
    Item,
    st.just("row"),
    st.lists(one_line_cell, min_size=WIDTH, max_size=WIDTH).flatmap(
        lambda cells: st.one_of(
            st.just(cells),
            # A row with a line break in a value: its other cells hold no separators (a line holding a
            # whole row's worth of them would be read as a row: the documented rule).
            st.tuples(st.integers(1, WIDTH - 1), multi_line_cell).map(
                lambda kv: [
                    *(strip(c) for c in cells[: kv[0]]),
                    kv[1],
                    *(strip(c) for c in cells[kv[0] + 1 :]),
                ]
            ),
        )
    ),
)
broken_item = st.builds(
    Item,
    st.just("broken"),
    st.tuples(st.lists(safe_cell, min_size=WIDTH, max_size=WIDTH), st.integers(1, WIDTH - 1), safe_cell).map(
        lambda t: [*t[0][: t[1]], '"' + t[2], *t[0][t[1] + 1 :]]
    ),
)
items = st.lists(
    st.one_of(row_item, row_item, broken_item, st.builds(Item, st.just("blank"), st.just([]))),
    min_size=1,
    max_size=12,
)
BREAK = re.compile(r"\r\n|\r|\n")


def csv_line(cells: list[str], sep: str, ending: str) -> str:
    """One record as any spreadsheet writes it: a cell quoted when it holds the separator, a quote or a
    line break (the csv module quotes only the line ending it writes)."""
    quoted = [
        '"' + c.replace('"', '""') + '"' if any(ch in c for ch in (sep, '"', "\n", "\r")) else c
        for c in cells
    ]
    return sep.join(quoted) + ending


def physical_lines(text: str) -> int:
    return len(BREAK.findall(text)) + (0 if text.endswith(("\r", "\n")) else 1)


def check_every_line_is_accounted_for(
    listed: list[Item], sep: str, ending: str, encoding: str, trailing: bool
) -> None:
    buf = io.StringIO()
    buf.write(csv_line(COLUMNS, sep, ending))
    expected_rows: set[int] = set()
    broken_at: dict[int, int] = {}  # row number -> its line
    blank = breaks = 0
    line = 2
    for i, item in enumerate(listed):
        row = i + 2  # the header is row 1; every item is one record
        start = buf.tell()
        if item.kind == "blank":
            buf.write(ending)
            blank += 1
        elif item.kind == "broken":
            buf.write(sep.join(item.cells) + ending)
            expected_rows.add(row)
            broken_at[row] = line
        else:
            buf.write(csv_line(item.cells, sep, ending))
            if any(item.cells):
                expected_rows.add(row)
                breaks += sum(c.count("\n") for c in item.cells)
            else:
                blank += 1
        line += physical_lines(buf.getvalue()[start:])
    # Without its last line break (a blank last line has nothing else to it, so it keeps its own).
    text = buf.getvalue() if trailing or listed[-1].kind == "blank" else buf.getvalue().removesuffix(ending)
    if not expected_rows:
        return  # nothing to triage: refusing the file whole is allowed
    data = text.encode(encoding, errors="replace")
    result = build_worklist(data, AS_OF, filename="x.csv")
    read = result.read
    assert read.lines == physical_lines(text)
    assert read.quoted_line_breaks == breaks
    assert result.blank_rows_skipped == blank
    assert read.unclosed_quotes == len(broken_at)
    assert read.lines == read.title_lines + read.header_lines + blank + breaks + result.rows_in
    assert result.rows_in == len(expected_rows) == result.rows_accounted
    rows = [*result.worklist["row"], *result.outside_scope.get("row", []), *result.rejects["row"]]
    assert sorted(rows) == sorted(expected_rows), "a row lost, doubled or renumbered"
    problems = dict(zip(result.rejects["row"], result.rejects["problems"], strict=True))
    for row, at in broken_at.items():
        assert f"unclosed quote from line {at}" in problems[row]


lines_strategy = {
    "listed": items,
    "sep": st.sampled_from([",", "\t", ";"]),
    "ending": st.sampled_from(["\n", "\r\n", "\r"]),
    "encoding": st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    "trailing": st.booleans(),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**lines_strategy)
def test_every_line_is_accounted_for(
    listed: list[Item], sep: str, ending: str, encoding: str, trailing: bool
) -> None:
    check_every_line_is_accounted_for(listed, sep, ending, encoding, trailing)


@pytest.mark.long
@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**lines_strategy)
def test_every_line_is_accounted_for_long(
    listed: list[Item], sep: str, ending: str, encoding: str, trailing: bool
) -> None:
    check_every_line_is_accounted_for(listed, sep, ending, encoding, trailing)
