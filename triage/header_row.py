"""Which row of an export holds the column names, when a report puts titles or blank rows above it.

Why: case-system reports often start with a title ("DoLS open applications"), a run date and a blank
row before the table. Those rows are read as titles, counted (nothing is lost without a word), and the
header is the first row that looks like a table's: more than one cell filled, where the rows below fill
more than one too. A user can also say which row it is ("header on row N", ``--header-row N``).
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median

#: The header is looked for in this many rows from the top (a report's preamble is a few rows).
SEARCH_ROWS = 20


def header_index(filled: Sequence[int]) -> int:
    """The index of the header among a file's first rows, given how many cells each row fills.

    A row with at most one cell filled is a title (or blank) when the rows under it fill more than
    one on the median: a one-column file keeps its first row as the header.
    """
    window = list(filled[: SEARCH_ROWS * 2])
    for i, n in enumerate(window[:SEARCH_ROWS]):
        if n >= 2:
            return i
        below = [b for b in window[i + 1 :] if b]
        if n and (not below or median(below) < 2):
            return i
    return next((i for i, n in enumerate(window) if n), 0)


def header_row_problem(header_row: int, last_row: int) -> str | None:
    """Why a header row the user gave cannot be used, or None."""
    if header_row < 1:
        return f"header row {header_row}: expected a row number from 1"
    if header_row > last_row:
        return f"header row {header_row}: the file has {last_row:,} rows"
    return None
