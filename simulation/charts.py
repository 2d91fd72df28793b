"""Altair charts shared by the web page and the HTML report (no Streamlit here, so scripts can use them).

Band colours follow the screening tool's red / amber / green, with grey for applications that could not
be screened, so a lead reads the charts the way they read the ADASS tool.
"""

from __future__ import annotations

from datetime import date

import altair as alt
import numpy as np
import pandas as pd

BAND_COLOURS = {
    "high": "#c0392b",
    "unscreened": "#7f8c8d",
    "medium": "#e67e22",
    "low": "#27ae60",
    "all": "#34495e",
}
WAIT_BUCKETS = [0, 3, 5, 13, 26, 52, 104, np.inf]  # weeks
WAIT_LABELS = ["< 3 weeks", "3-5 weeks", "5-13 weeks", "13-26 weeks", "26-52 weeks", "1-2 years", "2+ years"]


def band_scale(bands: list[str]) -> alt.Scale:
    return alt.Scale(domain=bands, range=[BAND_COLOURS.get(b, "#95a5a6") for b in bands])


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
    """Statutory deadlines falling in each of the coming weeks (and those already past)."""
    days = worklist["days_to_deadline"]
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


def backlog_over_time(backlog: pd.DataFrame, title: str = "Open applications over time") -> alt.TopLevelMixin:
    """Mean open backlog by week with a 5th-95th percentile band across replications, per band.

    ``backlog`` has columns week, band, mean, p05, p95 (and optionally run, to overlay several runs).
    """
    data = backlog.copy()
    colour_field = "run" if "run" in data.columns else "band"
    if colour_field == "band":
        bands = [b for b in BAND_COLOURS if b in set(data["band"])]
        colour = alt.Color("band:N", scale=band_scale(bands), title="Band")
    else:
        colour = alt.Color("run:N", title="Run")
    base = alt.Chart(data, title=title).encode(
        x=alt.X("week:Q", title="Week from start"),
        color=colour,
    )
    band_area = base.mark_area(opacity=0.2).encode(y=alt.Y("p05:Q", title="Open applications"), y2="p95:Q")
    line = base.mark_line().encode(
        y="mean:Q",
        tooltip=[
            colour_field,
            "week",
            alt.Tooltip("mean:Q", format=",.0f"),
            alt.Tooltip("p05:Q", format=",.0f"),
            alt.Tooltip("p95:Q", format=",.0f"),
        ],
    )
    return alt.layer(band_area, line)
