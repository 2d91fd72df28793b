"""Altair charts shared by the web page and the HTML report (no Streamlit here, so scripts can use them).

Band colours follow the screening tool's red / amber / green by a band's *rank* in the criteria in use
(highest red, lowest green, any between graded), with grey for applications that could not be screened,
so a lead reads the charts the way they read the ADASS tool, and a council's own band names keep their
colours.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from presentation.formats import CURRENCY_SYMBOLS

#: Highest band to lowest: red, amber, green (bands between are graded between them).
RAG = ("#c0392b", "#e67e22", "#27ae60")
NOT_SCREENED = "#7f8c8d"
ALL_BANDS = "#34495e"
WAIT_BUCKETS = [0, 3, 5, 13, 26, 52, 104, np.inf]  # weeks
WAIT_LABELS = ["< 3 weeks", "3-5 weeks", "5-13 weeks", "13-26 weeks", "26-52 weeks", "1-2 years", "2+ years"]


def _mix(a: str, b: str, t: float) -> str:
    ca, cb = (tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in (a, b))
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb, strict=True))


def band_colours(all_bands: list[str]) -> dict[str, str]:
    """A colour per band by its rank: ``all_bands`` is the criteria's bands highest first, then the band
    given when no criterion fires (``Criteria.all_bands``), which is grey; ``all`` is dark grey."""
    *ranked, unscreened = all_bands
    colours = {unscreened: NOT_SCREENED, "all": ALL_BANDS}
    for i, band in enumerate(ranked):
        pos = i / (len(ranked) - 1) * (len(RAG) - 1) if len(ranked) > 1 else 0.0
        k = min(int(pos), len(RAG) - 2)
        colours[band] = _mix(RAG[k], RAG[k + 1], pos - k)
    return colours


def band_scale(all_bands: list[str]) -> alt.Scale:
    colours = band_colours(all_bands)
    return alt.Scale(domain=all_bands, range=[colours[b] for b in all_bands])


def band_swatch(colour: str) -> str:
    """A small coloured square as an SVG data URL: draws the same in every browser (an emoji square
    does not: Debian's Chromium shows an empty box)."""
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' width='14' height='14'>"
        f"<rect width='14' height='14' rx='3' fill='{colour}'/></svg>"
    )
    return "data:image/svg+xml;utf8," + svg.replace("#", "%23").replace("<", "%3C").replace(">", "%3E")


def open_by_band_and_wait(worklist: pd.DataFrame, bands: list[str]) -> alt.Chart:
    """Open applications by how long they have waited, stacked by band."""
    weeks = worklist["days_waiting"] / 7
    bucket = pd.cut(weeks, WAIT_BUCKETS, labels=WAIT_LABELS, right=False)
    data = (
        pd.DataFrame({"waited": bucket, "band": worklist["priority"]})
        .groupby(["waited", "band"], observed=True)
        .size()
        .reset_index(name="applications")
    )
    data["waited"] = data["waited"].astype(str)
    return (
        alt.Chart(data, title="Open applications by time waited")
        .mark_bar()
        .encode(
            x=alt.X("waited:N", sort=WAIT_LABELS, title="Waited since receipt"),
            y=alt.Y("applications:Q", title="Open applications"),
            color=alt.Color("band:N", scale=band_scale(bands), title="Band"),
            order=alt.Order("band_order:Q"),
            tooltip=["waited", "band", "applications"],
        )
        .transform_calculate(band_order=f"indexof({bands}, datum.band)")
    )


def deadlines_ahead(worklist: pd.DataFrame, as_of: date, bands: list[str], weeks: int = 8) -> alt.Chart:
    """Statutory deadlines falling in each of the coming weeks (and those already past). Reviews (Part
    8) have no statutory deadline, so they are not in it."""
    worklist = worklist[worklist["days_to_deadline"].notna()]
    days = worklist["days_to_deadline"].astype("int64")
    week = np.floor(days / 7).astype(int)
    label = np.where(days < 0, "already past", "week " + (week + 1).astype(str))
    data = pd.DataFrame({"when": label, "band": worklist["priority"], "week": np.where(days < 0, -1, week)})
    data = data[data["week"] < weeks]
    data = data.groupby(["when", "week", "band"]).size().reset_index(name="applications")
    order = ["already past", *[f"week {k + 1}" for k in range(weeks)]]
    return (
        alt.Chart(data, title=f"Statutory deadlines in the next {weeks} weeks (from {as_of.isoformat()})")
        .mark_bar()
        .encode(
            x=alt.X("when:N", sort=order, title=None),
            y=alt.Y("applications:Q", title="Applications"),
            color=alt.Color("band:N", scale=band_scale(bands), title="Band"),
            tooltip=["when", "band", "applications"],
        )
    )


def band_mix(worklist: pd.DataFrame, bands: list[str]) -> alt.Chart:
    """Share of applications in each band: if nearly all are red, the criteria are not discriminating."""
    counts = worklist["priority"].value_counts().reindex(bands, fill_value=0).reset_index()
    counts.columns = pd.Index(["band", "applications"])
    counts["share"] = counts["applications"] / max(int(counts["applications"].sum()), 1)
    return (
        alt.Chart(counts, title="Band mix")
        .mark_bar()
        .encode(
            y=alt.Y("band:N", sort=bands, title=None),
            x=alt.X("share:Q", axis=alt.Axis(format="%"), title="Share of open applications"),
            color=alt.Color("band:N", scale=band_scale(bands), legend=None),
            tooltip=["band", "applications", alt.Tooltip("share:Q", format=".0%")],
        )
    )


#: Runs set side by side: hues far apart (not two blues), readable by most colour-blind people.
RUN_COLOURS = ("#0b6e99", "#e4572e", "#6a4c93", "#2a9d8f", "#f4a261")


def backlog_over_time(
    backlog: pd.DataFrame,
    all_bands: list[str],
    title: str = "Open applications over time",
    target: float | None = None,
    clear_by: date | None = None,
) -> alt.LayerChart:
    """Mean open backlog by week, on dates, with a 5th-95th percentile band across replications, per band
    (or per run, when ``backlog`` has a ``run`` column); ``target`` draws the backlog target as a line,
    ``clear_by`` the date it should be reached by as an upright one.

    ``backlog`` has columns date, band, mean, p05, p95 (and optionally run, to overlay several runs).
    """
    data = backlog.copy()
    colour_field = "run" if "run" in data.columns else "band"
    if colour_field == "band":
        shown = [b for b in [*all_bands, "all"] if b in set(data["band"])]
        colours = band_colours(all_bands)
        scale = alt.Scale(domain=shown, range=[colours[b] for b in shown])
        colour = alt.Color("band:N", scale=scale, title="Band", legend=alt.Legend(symbolOpacity=1))
    else:
        runs = list(dict.fromkeys(data["run"]))
        scale = alt.Scale(domain=runs, range=[RUN_COLOURS[i % len(RUN_COLOURS)] for i in range(len(runs))])
        colour = alt.Color("run:N", scale=scale, title="Run", legend=alt.Legend(symbolOpacity=1))
    base = alt.Chart(data, title=title).encode(
        x=alt.X("date:T", title=None, axis=alt.Axis(format="%b %Y")),
        color=colour,
    )
    band_area = base.mark_area(opacity=0.2).encode(y=alt.Y("p05:Q", title="Open applications"), y2="p95:Q")
    line = base.mark_line().encode(
        y="mean:Q",
        tooltip=[
            f"{colour_field}:N",
            alt.Tooltip("date:T", title="week ending", format="%Y-%m-%d"),
            alt.Tooltip("mean:Q", format=",.0f"),
            alt.Tooltip("p05:Q", format=",.0f"),
            alt.Tooltip("p95:Q", format=",.0f"),
        ],
    )
    layers: list[alt.Chart] = [band_area, line]
    if target is not None:
        rule = alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(strokeDash=[6, 4], color="#555")
        layers.append(rule.encode(y="target:Q", tooltip=[alt.Tooltip("target:Q", title="backlog target")]))
    if clear_by is not None:
        when = pd.DataFrame({"clear_by": [pd.Timestamp(clear_by)]})
        rule = alt.Chart(when).mark_rule(strokeDash=[2, 3], color="#111", strokeWidth=2)
        tip = alt.Tooltip("clear_by:T", title="clear by", format="%Y-%m-%d")
        layers.append(rule.encode(x="clear_by:T", tooltip=[tip]))
    return alt.LayerChart(layer=layers)


#: What an option heat map can show: column, title, colour scheme (the good end light for costs), and
#: the legend's title (the unit, so a scale of costs says its currency).
HEAT_MEASURES: dict[str, tuple[str, str, Any, str]] = {
    "chance": ("chance", "Chance of clearing by the date", "greens", "chance"),
    "cost": ("cost", "Cost to the date", "oranges", "cost ({currency})"),
    "unauthorised": ("unauthorised", "Person-days without authorisation", "reds", "person-days"),
}

#: Where on a scheme (0 light .. 1 dark) a cell is dark enough to need white text to be read.
DARK_FROM = 0.55


def cell_ink(values: pd.Series, fixed: tuple[float, float] | None = None) -> pd.Series:
    """The text colour for each heat map cell: white on the dark end of the scale, near-black on the
    light end (the scale's domain ``fixed``, else the values' own range), so every label can be read."""
    lo, hi = fixed if fixed is not None else (float(values.min()), float(values.max()))
    share = (values - lo) / (hi - lo) if hi > lo else values * 0.0
    return share.map(lambda v: "#ffffff" if v >= DARK_FROM else "#111111")


def option_heat_map(
    frame: pd.DataFrame,
    x: tuple[str, str],
    y: tuple[str, str],
    measure: str = "chance",
    answer: dict[str, float] | None = None,
    currency: str = "GBP",
) -> alt.LayerChart:
    """A grid of options (``x`` and ``y``: column and axis title), coloured by ``measure`` (a key of
    :data:`HEAT_MEASURES`), each cell labelled with its value for people; ``answer`` outlines one cell.

    ``frame`` is :func:`presentation.options.heat_frame`'s: the two keys, then ``chance``, ``cost`` and
    ``unauthorised`` with ``<measure>_text`` beside each. Why the care over legibility: a commissioner
    reads the numbers in the cells, on a projector as often as on a laptop.
    """
    column, title, scheme, unit = HEAT_MEASURES[measure]
    data = frame.rename(columns={x[0]: "x", y[0]: "y"})
    fixed = (0.0, 1.0) if measure == "chance" else None
    data["ink"] = cell_ink(data[column], fixed)
    xs = sorted(set(data["x"]))
    ys = sorted(set(data["y"]), reverse=True)
    scale = alt.Scale(scheme=scheme, domain=[0, 1]) if measure == "chance" else alt.Scale(scheme=scheme)
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
    legend = alt.Legend(
        format="%" if measure == "chance" else ",.0f",
        title=unit.format(currency=currency),
        titleFontSize=12,
        labelFontSize=12,
        labelExpr=f"'{symbol}' + format(datum.value, ',.0f')" if measure == "cost" else alt.Undefined,
    )
    heading = alt.TitleParams(
        title, anchor="start", fontSize=14, subtitle=f"{y[1]} (rows) by {x[1]} (columns)", limit=0
    )
    base = alt.Chart(data, title=heading).encode(
        x=alt.X("x:O", sort=xs, title=x[1], axis=alt.Axis(labelAngle=0, labelFontSize=12, titleFontSize=12)),
        y=alt.Y("y:O", sort=ys, title=y[1], axis=alt.Axis(labelFontSize=12, titleFontSize=12)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(f"{column}:Q", scale=scale, legend=legend),
        tooltip=[
            alt.Tooltip("x:O", title=x[1]),
            alt.Tooltip("y:O", title=y[1]),
            alt.Tooltip("chance_text:N", title="chance of clearing"),
            alt.Tooltip("cost_text:N", title="cost"),
            alt.Tooltip("unauthorised_text:N", title="person-days without authorisation"),
        ],
    )
    # A condition, not a second colour scale: a layer shares the cells' (quantitative) colour scale.
    ink = alt.condition("datum.ink == '#ffffff'", alt.value("#ffffff"), alt.value("#111111"))
    text = base.mark_text(fontSize=12).encode(text=f"{measure}_text:N", color=ink)
    layers: list[alt.Chart] = [cells, text]
    if answer is not None:
        marked = data[(data["x"] == answer[x[0]]) & (data["y"] == answer[y[0]])]
        # Black round white: seen on the lightest cell and the darkest.
        for stroke, width in (("#111111", 5), ("#ffffff", 2)):
            outline = alt.Chart(marked).mark_rect(fill=None, stroke=stroke, strokeWidth=width)
            layers.append(outline.encode(x=alt.X("x:O", sort=xs), y=alt.Y("y:O", sort=ys)))
    return alt.LayerChart(layer=layers).properties(height=alt.Step(40))
