"""Numbers for people: thousands separators, sensible rounding, CIs beside means, plurals, dates.

One place decides how a value of each unit is shown (the KPI catalogue in :mod:`simulation.metrics` gives
each KPI its unit), so the terminal table, the page and the report show the same figure the same way.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from triage.summary import TriageSummary

CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


def money(value: float, currency: str = "GBP") -> str:
    """``£2,802,720`` (whole units: a plan is not made in pence)."""
    symbol = CURRENCY_SYMBOLS.get(currency)
    sign = "-" if value < 0 else ""
    amount = f"{abs(value):,.0f}"
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{currency} {amount}"


def number(value: float, decimals: int | None = None) -> str:
    """Thousands separators; whole numbers from 100 up, one decimal below (unless ``decimals``)."""
    if decimals is None:
        decimals = 0 if abs(value) >= 100 or float(value).is_integer() else 1
    return f"{value:,.{decimals}f}"


def format_value(value: float | None, unit: str, currency: str = "GBP") -> str:
    """A value for people by its unit (``count``, ``days``, ``weeks``, ``share``, ``points`` (a difference
    of shares), ``money``, ``flag``); a missing value is an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "share":
        return f"{value:.1%}"
    if unit == "points":  # a difference of two shares: percentage points, never a per cent of a per cent
        return f"{value * 100:+.1f} points"
    if unit == "money":
        return money(value, currency)
    if unit == "count":
        return number(value, 0)
    if unit == "flag":
        return f"{value:.0%}"
    return number(value)


def format_with_ci(mean: float, low: float, high: float, unit: str, currency: str = "GBP") -> str:
    """``12 (10–14)``: the mean and its 95% confidence interval; ``−3 (−5 to −1)`` when negative."""
    shown = format_value(mean, unit, currency)
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        return shown
    if unit == "points":
        lo, hi = f"{low * 100:+.1f}", f"{high * 100:+.1f}"
        return shown if lo == hi == f"{mean * 100:+.1f}" else f"{shown} ({lo} to {hi})"
    lo, hi = format_value(low, unit, currency), format_value(high, unit, currency)
    if lo == hi == shown:
        return shown
    joiner = " to " if low < 0 or high < 0 else "–"
    return f"{shown} ({lo}{joiner}{hi})"


def plural(n: float, one: str, many: str | None = None) -> str:
    """``1 application``, ``2,000 applications``."""
    word = one if n == 1 else (many or one + "s")
    return f"{number(n, 0)} {word}"


def day(value: Any) -> str:
    """A date as ``2026-03-11`` (never with a time); blank when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, datetime | pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def dates_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every date column as ``YYYY-MM-DD`` text (for tables shown to people)."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d").fillna("")
    return out


def reading(s: TriageSummary) -> str:
    """What the reader found, adding up to every line of the file: ``Read 2,001 lines of x.csv (UTF-8,
    comma-separated, LF line endings): 1 header + 2,000 rows``, with blank lines, lines inside quoted
    values and unclosed quotes when there are any (the terminal and the page both show it)."""
    f = s.read
    unit = "sheet row" if not f.separator else "line"
    parts = [f"{number(f.header_lines, 0)} header", plural(s.rows_in, "row")]
    if f.title_lines:
        parts.insert(0, f"{plural(f.title_lines, 'title ' + unit)} above the header")
    if f.unclosed_quotes:
        parts[-1] += f" ({number(f.unclosed_quotes, 0)} refused for an unclosed quote)"
    if s.blank_rows_skipped:
        parts.append(f"{number(s.blank_rows_skipped, 0)} blank")
    if f.quoted_line_breaks:
        parts.append(f"{number(f.quoted_line_breaks, 0)} inside quoted values")
    return f"Read {plural(f.lines, unit)} of {s.source_name} ({f.describe()}): {' + '.join(parts)}"


#: What can make Markdown of user text: images and links (``![](url)`` is fetched by the browser as soon as it
#: is shown), HTML, Streamlit's maths ($), emphasis and code, and the escape itself.
_MARKUP = re.compile(r"([\\`*!\[\]<>$])")


def as_text(value: object) -> str:
    """User text (a scenario's description, a file's name, an error quoting a cell) for a Markdown
    element, shown as written: each mark that could make Markdown of it is backslash-escaped, so
    ``![](//host/x)`` is those characters, never an image the browser fetches (a tracking channel), and
    ``**x**`` is not bold. Other punctuation is left as it is (it cannot start markup here)."""
    return _MARKUP.sub(r"\\\1", str(value))
