"""A one-file HTML report of a scenario run, for a commissioner to attach to a board paper.

Self-contained on purpose: charts are inline SVG (rendered by vl-convert, no CDN or JavaScript), styles
are inline, so the file opens the same offline, in an email client, or printed. Every value is HTML-
escaped. It carries the scenario as run (TOML), the assumptions, the KPI table with 95% confidence
intervals, the charts, and, when given, the paired comparison against a baseline.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from importlib.metadata import version
from typing import Any

import altair as alt
import pandas as pd
from altair.utils.core import sanitize_pandas_dataframe

from presentation.formats import plural
from presentation.tables import comparison_table, kpi_table
from simulation.metrics import headline_kpis
from triage.rulebook import Timescales


def assumptions(timescales: Timescales) -> tuple[str, ...]:
    """What the model assumes, in plain words, with the day counts read from the timescales file."""
    t = timescales
    return (
        "Each request is screened on receipt (and may be closed at once), then needs a best interests "
        "assessment and a mental health assessment by different people, then sign-off by an authoriser.",
        "Arrivals are Poisson each month (with growth and seasonality as set); every arrival is banded by "
        "the same screening rules as the triage worklist, and waits in the order of the chosen queue policy "
        "(the worklist's own policies: a request moves up when, say, its deadline passes); a share of BIA "
        "time can be ring-fenced for urgent and high-priority requests still decidable in time.",
        "Assessors carry a caseload: each case takes its turnaround (elapsed days) from allocation to "
        "report, while their hours limit how many cases they can take.",
        f"Urgent authorisations last {t.urgent.period_days} days; one {t.urgent.max_extension_days}-day "
        "extension is requested when undecided; after that, and after day "
        f"{t.standard.assessment_period_days} for standard requests, each day undecided counts as a "
        "person-day deprived without authorisation.",
        "A request can close before a decision, by the published reasons: the person dies, or circumstances "
        "change (discharged, moved), with daily hazards by setting while waiting or being assessed, and a "
        "hospital stay that ends it. Closed requests count as completed, as NHS England counts them.",
        "Granted authorisations produce a renewal request "
        f"{t.standard_authorisation.renewal_request_window_days} days before they expire.",
        "Confidence intervals are 95% t-intervals across independent replications; runs compared at the "
        "same seed share random numbers (common random numbers), so differences are paired.",
    )


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1000px;margin:2em auto;
color:#222;line-height:1.4}
h1{font-size:1.6em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}
pre{background:#f6f6f6;padding:.8em;overflow:auto;font-size:.8em}
.meta{color:#555;font-size:.9em}.chart{margin:1em 0}
"""


def _table(df: pd.DataFrame) -> str:
    """A table of already formatted text (see :mod:`presentation.tables`), escaped."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = [
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>"
        for r in df.itertuples(index=False)
    ]
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


#: The report is read on a page, not a dashboard: its charts as wide as its tables (pixels).
REPORT_CHART_WIDTH, REPORT_CHART_HEIGHT = 760, 320


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """An Altair chart as an inline SVG string.

    Its data are put in the spec as values first (:func:`_inline`): Altair's data transformer is global
    to all threads, and the page builds the report on a download's thread while its own script may be
    drawing a chart with Streamlit's transformer enabled, which leaves a frame's data out of the spec (the
    report's mean lines and rules came out empty).
    """
    import vl_convert as vlc

    drawn = _inline(chart).properties(width=REPORT_CHART_WIDTH, height=REPORT_CHART_HEIGHT)
    return str(vlc.vegalite_to_svg(drawn.to_dict()))


def _inline(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """A copy of ``chart`` whose DataFrames (its own and every layer's) are inline values, so ``to_dict``
    never passes them to the active data transformer."""
    out = chart.copy(deep=True)  # type: ignore[attr-defined]
    _inline_data(out)
    return out


def _inline_data(part: object) -> None:
    data = getattr(part, "data", alt.Undefined)
    if isinstance(data, pd.DataFrame):
        values: list[dict[str, Any]] = sanitize_pandas_dataframe(data).to_dict(orient="records")  # type: ignore[assignment]
        setattr(part, "data", alt.InlineData(values=values))  # noqa: B010 (any chart part)
    for key in ("layer", "hconcat", "vconcat", "concat"):
        children = getattr(part, key, None)
        if isinstance(children, list):
            for child in children:
                _inline_data(child)


def html_report(
    *,
    title: str,
    scenario_toml: str,
    summary: pd.DataFrame,
    seed: int,
    reps: int,
    charts: Sequence[alt.TopLevelMixin] = (),
    comparison: pd.DataFrame | None = None,
    baseline_name: str | None = None,
    comparison_chart: alt.TopLevelMixin | None = None,
    notes: Sequence[str] = (),
    assumed: Sequence[str] = (),
    currency: str = "GBP",
) -> str:
    """The report as one HTML string (write it with ``Path.write_text`` or offer it as a download);
    ``comparison_chart`` is drawn under the comparison table (the two runs' backlog, as on the page)."""
    when = datetime.now().strftime("%Y-%m-%d %H:%M")
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='meta'>dols-sim {html.escape(version('dols-sim'))} · generated {when} · "
        f"{plural(reps, 'replication')} · seed {seed} (same scenario + same seed = same numbers)</p>",
        "<h2>Key results: mean (95% confidence interval)</h2>",
        _table(kpi_table(summary, headline_kpis(), currency)),
    ]
    for note in notes:
        parts.append(f"<p>{html.escape(note)}</p>")
    if comparison is not None and baseline_name:
        parts += [
            f"<h2>Against the baseline: {html.escape(baseline_name)} (paired, same seed)</h2>",
            _table(comparison_table(comparison, currency)),
        ]
        if comparison_chart is not None:
            parts.append(f"<div class='chart'>{chart_svg(comparison_chart)}</div>")
    if charts:
        parts.append("<h2>Charts</h2>")
        parts += [f"<div class='chart'>{chart_svg(c)}</div>" for c in charts]
    if assumed:
        parts += ["<h2>Assumptions</h2><ul>", *[f"<li>{html.escape(a)}</li>" for a in assumed], "</ul>"]
    parts += [
        "<h2>All results: mean (95% confidence interval)</h2>",
        _table(kpi_table(summary, None, currency)),
    ]
    parts += ["<h2>Scenario as run</h2>", f"<pre>{html.escape(scenario_toml)}</pre>", "</body></html>"]
    return "\n".join(parts)
