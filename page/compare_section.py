"""Comparing kept runs against a baseline (paired: same seed, common random numbers), and the report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial

import altair as alt
import pandas as pd
import streamlit as st

from page.state import Run, rules, runs
from page.tables import dataframe
from presentation import charts
from presentation.formats import plural
from presentation.report import assumptions, html_report
from presentation.tables import comparison_table
from simulation.compare import paired_comparison, why_it_moves
from simulation.experiment import Results


def baseline_for(run: Run) -> Run | None:
    """The baseline to compare ``run`` with: the one chosen, else the first kept run that pairs with it."""
    kept = runs()
    chosen = kept.get(st.session_state.get("baseline", ""))
    candidates = [chosen] if chosen is not None else list(kept.values())
    return next((b for b in candidates if b is not None and b.name != run.name and b.pairs_with(run)), None)


def report_for(run: Run) -> Callable[[], str]:
    """The download's builder of the one-file HTML report: the run, and its comparison with the baseline
    chosen now (built when clicked, on the download's own thread, so it takes plain values)."""
    return partial(
        build_report,
        run,
        baseline_for(run),
        assumptions(rules().timescales),
        rules().criteria.all_bands,
        st.session_state.get("plan_clear_by"),
    )


def build_report(
    run: Run,
    baseline: Run | None,
    assumed: tuple[str, ...],
    all_bands: list[str],
    clear_by: date | None = None,
) -> str:
    """The report as the page shows the run: the backlog chart with its mean lines, band, target and
    clear-by date, and, against a baseline, the comparison table with the two runs' chart beside it."""
    comparison = paired = None
    target = run.scenario.targets.backlog_target
    shown = [charts.backlog_over_time(run.results.backlog, all_bands, target=target, clear_by=clear_by)]
    if baseline is not None:
        comparison = paired_comparison(baseline.results.replications, run.results.replications)
        paired = paired_chart(baseline, run, all_bands, clear_by)
    return html_report(
        title=f"dols-sim: {run.name}",
        scenario_toml=run.toml_text,
        summary=run.results.summary,
        seed=run.seed,
        reps=run.reps,
        charts=shown,
        comparison=comparison,
        baseline_name=baseline.name if baseline is not None else None,
        comparison_chart=paired,
        notes=([note] if (note := worklist_note(run.results)) else [])
        + (why_it_moves(baseline.results.replications, run.results.replications) if baseline else []),
        assumed=assumed,
        currency=run.scenario.costs.currency,
    )


def paired_chart(
    base: Run, option: Run, all_bands: list[str], clear_by: date | None = None
) -> alt.LayerChart:
    """The baseline's and the option's whole backlog over time on one chart (page and report alike)."""
    both = []
    for run in (base, option):
        all_band = run.results.backlog[run.results.backlog["band"] == "all"].copy()
        all_band["run"] = run.name
        both.append(all_band)
    return charts.backlog_over_time(
        pd.concat(both),
        all_bands,
        "Open applications: baseline and option",
        target=option.scenario.targets.backlog_target,
        clear_by=clear_by,
    )


def compare_runs() -> None:
    kept = runs()
    if len(kept) < 2:
        st.caption("Run another option (same seed and replications) to compare it with a baseline here.")
        return
    st.markdown("#### Compare against a baseline (paired, same seed)")
    names = list(kept)
    c1, c2 = st.columns(2)
    if st.session_state.get("baseline") not in kept:
        st.session_state["baseline"] = names[0]
    if st.session_state.get("option") not in kept:
        st.session_state["option"] = names[-1]
    base = kept[c1.selectbox("Baseline", names, key="baseline")]
    option = kept[c2.selectbox("Option", names, key="option")]
    if not base.pairs_with(option):
        st.warning("These runs used different seeds or replications, so they cannot be paired.")
        return
    comparison = paired_comparison(base.results.replications, option.results.replications)
    dataframe(
        st, comparison_table(comparison, option.scenario.costs.currency), hide_index=True, key="compare_table"
    )
    for why in why_it_moves(base.results.replications, option.results.replications):
        st.info(why)  # a figure that moves against intuition, and why
    chart = paired_chart(base, option, rules().criteria.all_bands, st.session_state.get("plan_clear_by"))
    st.altair_chart(chart, width="stretch")


def worklist_note(results: Results) -> str:
    """Say so when a run started from an uploaded worklist (the TOML's initial_backlog was not used)."""
    rows = results.manifest.get("initial_worklist_rows")
    if not rows:
        return ""
    start = results.manifest["scenario"]["horizon"]["start_date"]
    return (
        f"Started from today's worklist: {plural(rows, 'open application')} as of {start}; "
        "the scenario's starting backlog (`initial_backlog`) was not used."
    )
