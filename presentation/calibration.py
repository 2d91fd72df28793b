"""How a calibration and a backtest look to people: the fit report, the backtest summary and its chart.

The CSV files keep raw names and full precision (scripts read them); these are what a person reads in
the terminal, on the page and in the README's picture.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from presentation.formats import format_value, number, plural
from simulation.backtest import BAND, MEASURES

if TYPE_CHECKING:
    from simulation.backtest import Backtest
    from simulation.calibrate import Estimate

#: How each estimate's unit is shown (the formats module's units, or a number of decimals).
_UNITS = {"share": "share", "per_month": "count", "fte": "fte", "pct": "pct", "multiplier": "ratio",
          "per_day": "per_day", "days": "days"}  # fmt: skip


def _show(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "per_day":
        return f"{value:.5f}"
    if unit in ("multiplier", "fte"):
        return f"{value:.2f}"
    if unit == "pct":
        return f"{value:+.1f}%"
    if unit == "per_month":
        return number(value, 1 if abs(value) < 100 else 0)
    return format_value(value, _UNITS.get(unit, unit))


def estimate_text(e: Estimate) -> str:
    """``12.0 (10.3–13.7)``; a refused figure shows the template's value kept."""
    if e.refused:
        return f"{_show(e.value, e.unit)} (template)" if not math.isnan(e.value) else "not fitted"
    if math.isnan(e.low):
        return _show(e.value, e.unit)
    joiner = " to " if e.low < 0 or e.high < 0 else "–"
    return f"{_show(e.value, e.unit)} ({_show(e.low, e.unit)}{joiner}{_show(e.high, e.unit)})"


def fit_frame(estimates: list[Estimate]) -> pd.DataFrame:
    """The fit report for people: one row per figure, its interval and the rows it rests on; a refused
    figure says why (the longer notes are in the scenario file's comments and the report CSV)."""
    return pd.DataFrame(
        {
            "Figure": [e.label for e in estimates],
            "Value (95% simultaneous CI)": [
                f"not fitted: {e.note}" if e.refused else estimate_text(e) for e in estimates
            ],
            "Rows": [number(e.rows, 0) for e in estimates],
        }
    )


def fit_table(estimates: list[Estimate]) -> object:
    """The fit report as a terminal table."""
    return _rich(fit_frame(estimates), "Fit report", right=("Value (95% simultaneous CI)", "Rows"))


def backtest_frame(result: Backtest) -> pd.DataFrame:
    """Per measure: months whose observed value lies inside the simulated band, and the mean errors."""
    rows = []
    for measure, (label, unit) in MEASURES.items():
        part = result.table.loc[(result.table["measure"] == measure) & result.table["observed"].notna()]
        err = part["error"].to_numpy(dtype=float)
        shown = "share" if unit == "share" else "days" if unit == "days" else "count"
        rows.append(
            {
                "Measure": label,
                f"Inside the {BAND:.0%} band": f"{int(part['inside'].sum())} of {plural(len(part), 'month')}",
                "Mean error": format_value(float(err.mean()), shown) if len(err) else "–",
                "Mean abs. error": format_value(float(abs(err).mean()), shown) if len(err) else "–",
            }
        )
    return pd.DataFrame(rows)


def backtest_reading(result: Backtest) -> list[str]:
    """What each of the backtest's misses points to, a sentence each (none when nothing misses)."""
    from simulation.backtest_reading import misses

    return [m.sentence for m in misses(result)]


def nothing_misses() -> str:
    """What the page and the command line say when no measure misses."""
    from simulation.backtest_reading import MISS_SHARE

    return (
        f"No measure misses: each lies outside the {BAND:.0%} band in at most {MISS_SHARE:.0%} of its "
        "months, as a right model's would by chance."
    )


def backtest_table(result: Backtest) -> object:
    title = (
        f"Backtest: {plural(result.months, 'month')} from {result.start.isoformat()}, "
        f"{plural(result.reps, 'replication')} (seed {result.seed}); error = observed - simulated mean"
    )
    frame = backtest_frame(result)
    return _rich(frame, title, right=tuple(frame.columns[1:]))


def _rich(frame: pd.DataFrame, title: str, right: tuple[str, ...]) -> object:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        table.add_column(col, justify="right" if col in right else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*(str(v) for v in row))
    return table


def backtest_chart(table: pd.DataFrame, width: int = 260, height: int = 150) -> alt.FacetChart:
    """One small panel per measure: the simulated band (shaded), its mean (line), the observed months
    (dots, red when outside the band)."""
    data = table.copy()
    data["month"] = pd.to_datetime(data["month"])
    data["measure_label"] = data["measure"].map({k: v[0] for k, v in MEASURES.items()})
    data["where"] = data["inside"].map({True: "inside the band", False: "outside the band"})
    base = alt.Chart().encode(x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %y")))
    band = base.mark_area(opacity=0.25, color="#2c7fb8").encode(
        y=alt.Y("low:Q", title=None, scale=alt.Scale(zero=False)), y2="high:Q"
    )
    mean = base.mark_line(color="#2c7fb8").encode(y="simulated:Q")
    observed = base.mark_point(filled=True, size=40).encode(
        y="observed:Q",
        color=alt.Color(
            "where:N",
            title="Observed",
            scale=alt.Scale(domain=["inside the band", "outside the band"], range=["#222222", "#c0392b"]),
        ),
    )
    order = [v[0] for v in MEASURES.values()]
    return (
        alt.layer(band, mean, observed, data=data)
        .properties(width=width, height=height)
        .facet(facet=alt.Facet("measure_label:N", title=None, sort=order), columns=3)
        .resolve_scale(y="independent")
        .properties(title=f"Observed months against the simulated {BAND:.0%} band (shaded) and mean (line)")
    )


def save_chart(chart: alt.TopLevelMixin, path: Path) -> None:
    """PNG (or SVG by the suffix) rendered offline by vl-convert: no browser, no network."""
    import vl_convert as vlc

    spec = chart.to_dict()
    if path.suffix.lower() == ".svg":
        path.write_text(vlc.vegalite_to_svg(spec), encoding="utf-8")
    else:
        path.write_bytes(vlc.vegalite_to_png(spec, scale=1.5))
