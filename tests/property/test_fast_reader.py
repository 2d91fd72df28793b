"""Fuzz: the fast text reader (Arrow's CSV parser, issue 19's speed work) reads exactly what the pandas
reader reads, or declines and leaves the file to the slower, exact paths.

Hostile text (quotes opened and never closed, doubled quotes, literal quotes inside unquoted values,
separators of the other kinds, NUL, lone carriage returns, no final line break) is where two CSV parsers
disagree; wherever the fast reader answers, its table must equal pandas' cell for cell, and a last line
whose quote never closes must never be read as a row.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import triage.text_export as text_export

HEADER = ["h1", "h2", "h3"]
PIECES = ["a", "b", " ", '"', ",", "\n", "\r", "\t", ";", "é", "x", '""', "\r\n", "\x00"]


def pandas_only(text: str, data_lines: int) -> tuple[object, np.ndarray] | None:
    fast = text_export._arrow_table
    text_export._arrow_table = lambda *args: None  # type: ignore[assignment]
    try:
        return text_export._fast_table(text, HEADER, ",", data_lines)
    finally:
        text_export._arrow_table = fast  # type: ignore[assignment]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_the_fast_reader_agrees_with_pandas_or_declines(body: str) -> None:
    text = "h1,h2,h3\n" + body
    lines, _ = text_export.count_lines(text)
    fast = text_export._arrow_table(text, HEADER, ",", lines - 1)
    if fast is None:
        return
    slow = pandas_only(text, lines - 1)
    assert slow is not None, f"the fast reader read {body!r}, which pandas refuses"
    table, extras = slow
    assert not extras.any()
    assert fast.fillna("").equals(table.fillna(""))  # type: ignore[attr-defined]


def test_a_quote_left_open_on_the_last_line_is_left_to_the_exact_path() -> None:
    for body in ['a"b,c,"d', 'a,b,"c""', 'a,b,"c""\n']:
        text = "h1,h2,h3\n" + body
        lines, _ = text_export.count_lines(text)
        assert text_export._arrow_table(text, HEADER, ",", lines - 1) is None
    assert text_export._arrow_table("h1,h2,h3\na,b,c\n", HEADER, ",", 1) is not None
