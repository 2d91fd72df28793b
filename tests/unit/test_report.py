"""The one-file HTML report and the paired comparison."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from presentation import charts
from presentation.report import assumptions, html_report
from simulation.compare import paired_comparison
from simulation.experiment import run_replications
from simulation.scenario_file import scenario_to_toml
from tests.conftest import small
from triage.errors import DolsSimError

BANDS = ["high", "medium", "low", "unscreened"]


@pytest.fixture(scope="module")
def runs() -> tuple[pd.DataFrame, pd.DataFrame, object]:
    base = run_replications(small(), 4, 9)
    more = run_replications(small("staffing.bia_fte=12"), 4, 9)
    return base.replications, more.replications, base


def test_report_is_self_contained_and_escaped(runs: tuple) -> None:
    base = runs[2]
    toml = scenario_to_toml(small()).replace('name = "small"', 'name = "<script>alert(1)</script>"')
    html = html_report(
        title="Option A & <b>",
        scenario_toml=toml,
        summary=base.summary,
        seed=9,
        reps=4,
        charts=[charts.backlog_over_time(base.backlog, BANDS, target=100)],
        comparison=paired_comparison(runs[0], runs[1]),
        baseline_name="base",
    )
    assert "<svg" in html  # the chart is inline
    assert not re.search(r"<script|src=[\"']https?:|href=[\"']https?:", html)  # nothing fetched, no JS
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "Option A &amp; &lt;b&gt;" in html
    for label in ("Weeks until the backlog is below target", "Person-days deprived", "Total cost"):
        assert label in html  # labels from the KPI catalogue, not snake_case names
    assert "seed 9" in html and "4 replications" in html
    assert "Against the baseline: base" in html and "better" in html  # the comparison, with its verdict


def test_paired_comparison_matches_a_hand_computed_interval(runs: tuple) -> None:
    base, more, _ = runs
    table = paired_comparison(base, more).set_index("kpi")
    diff = more["decided"].to_numpy(float) - base["decided"].to_numpy(float)
    from scipy import stats

    half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
    row = table.loc["decided"]
    assert row["difference"] == pytest.approx(diff.mean())
    assert row["ci_low"] == pytest.approx(diff.mean() - half)
    assert row["ci_high"] == pytest.approx(diff.mean() + half)
    assert row["option"] - row["baseline"] == pytest.approx(row["difference"])


def test_paired_comparison_refuses_unpaired_runs(runs: tuple) -> None:
    base, more, _ = runs
    with pytest.raises(DolsSimError, match="same seed"):
        paired_comparison(base, more.iloc[:2])


def test_assumptions_read_the_timescales_file() -> None:
    from triage.rulebook import Timescales, UrgentClock

    default = " ".join(assumptions(Timescales()))
    assert "last 7 days" in default and "after day 21" in default and "28 days before" in default
    longer = " ".join(assumptions(Timescales(urgent=UrgentClock(period_days=21))))
    assert "last 21 days" in longer


def test_the_report_draws_what_the_page_draws() -> None:
    """Issue 21: the report's backlog chart has its mean lines, percentile band, target and clear-by
    date, and against a baseline the two runs' chart comes under the comparison table."""
    from datetime import date

    from page.compare_section import build_report
    from page.state import Run

    def kept(name: str, *overrides: str) -> Run:
        scenario = small(*overrides)
        return Run(name, scenario, scenario_to_toml(scenario), 9, 3, run_replications(scenario, 3, 9))

    base, option = kept("base"), kept("more BIAs", "staffing.bia_fte=12")
    alone = build_report(option, None, (), BANDS, date(2026, 1, 1))
    both = build_report(option, base, (), BANDS, date(2026, 1, 1))
    svgs = re.findall(r"<svg.*?</svg>", both, flags=re.S)
    assert len(re.findall(r"<svg.*?</svg>", alone, flags=re.S)) == 1 and len(svgs) == 2
    paired, backlog = svgs  # in the document's order: under the comparison, then the charts section
    for svg in (backlog, paired):
        assert svg.count('class="mark-line') >= 1  # the mean line(s)
        assert svg.count('class="mark-rule') >= 2  # the target and the clear-by date
        assert "stroke-dasharray" in svg
    assert 'class="mark-area' in backlog  # the 5th-95th percentile band
    # the paired chart sits between the comparison table and the charts section
    assert both.index("Against the baseline") < both.index(paired) < both.index("<h2>Charts</h2>")


def test_the_report_has_no_code_name_outside_the_scenario_file(runs: tuple) -> None:
    """Issue 21: every word a person reads in the report is plain; only the scenario as run (a TOML file,
    in <pre>) keeps the code names a script needs. SVG text (axis titles, legends) counts too."""
    import html as markup

    from presentation.labels import code_names_in
    from triage.rulebook import Timescales

    base = runs[2]
    report = html_report(
        title="Option A",
        scenario_toml=scenario_to_toml(small()),
        summary=base.summary,
        seed=9,
        reps=4,
        charts=[charts.backlog_over_time(base.backlog, BANDS, target=100)],
        comparison=paired_comparison(runs[0], runs[1]),
        baseline_name="base",
        assumed=assumptions(Timescales()),
    )
    assert "initial_backlog" in report  # the TOML keeps its keys ...
    read = re.sub(r"<pre>.*?</pre>|<style>.*?</style>", "", report, flags=re.S)
    words = [markup.unescape(t) for t in re.findall(r">([^<>]+)<", read)]
    assert len(words) > 50
    assert [n for w in words for n in code_names_in(w)] == []  # ... and nothing else shows one


def test_a_figure_that_moves_against_intuition_says_why(runs: tuple) -> None:
    """Issue 21: more assessors complete more, and the published mean days to complete rises and the
    share within 21 days falls (both are measured over completions, and old requests are cleared): said,
    with the paired figures; more BIAs against a mental health assessor bottleneck decide no more: the
    binding group said; nothing is said of a run against itself."""
    from simulation.compare import why_it_moves

    base = runs[0]
    more = run_replications(small("staffing.bia_fte=20"), 4, 9).replications
    said = why_it_moves(base, more)
    paired = paired_comparison(base, more).set_index("kpi")
    assert paired.at["mean_days_to_complete", "ci_low"] > 0 and paired.at["completed", "ci_low"] > 0
    rise = paired.at["mean_days_to_complete", "difference"]
    assert any(s.startswith(f"Mean days to complete rises ({rise:+,.0f} days)") for s in said)
    assert any(s.startswith("The share completed within 21 days falls") for s in said)
    starved = run_replications(small("staffing.bia_fte=20", "staffing.mental_health_assessors=0.3"), 4, 9)
    (bound,) = why_it_moves(base, starved.replications)
    assert bound.startswith("More BIA time, and no more decided: the binding constraint is mental health")
    assert why_it_moves(base, base) == []


def test_the_report_draws_its_data_whatever_transformer_is_active(runs: tuple) -> None:
    """The page builds the report on a download's thread while its script may be drawing a chart with
    Streamlit's data transformer enabled (Altair's are global): the report's lines and rules came out
    empty. A transformer that drops every frame's data is enabled here; the SVG still has them all."""
    import altair as alt

    from presentation.report import chart_svg

    chart = charts.backlog_over_time(runs[2].backlog, BANDS, target=100, clear_by=pd.Timestamp("2026-01-01"))
    alt.data_transformers.register("drops_the_data", lambda data, **_: {"name": "gone"})
    with alt.data_transformers.enable("drops_the_data"):
        svg = chart_svg(chart)
    assert 'class="mark-line' in svg and 'class="mark-area' in svg
    drawn = re.findall(r'<g class="mark-rule role-mark[^"]*"[^>]*>(.*?)</g>', svg, flags=re.S)
    assert len(drawn) == 2 and all("<path" in d or "<line" in d for d in drawn)  # target and clear-by
