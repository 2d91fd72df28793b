"""The Scenario tab: choose or upload a scenario, set the levers, run, and read the results."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from page.calibrate_tab import CALIBRATED_KEY
from page.compare_section import compare_runs, report_for, worklist_note
from page.keep import fingerprint, follows, kept_upload, kept_widget, reset
from page.levers import follow_base, lever_inputs, lever_key
from page.state import MAX_PAGE_REPS, SCENARIOS, Run, rules, rules_key, run_cached, runs, worklist_fingerprint
from page.tables import dataframe
from presentation import charts
from presentation.formats import as_text, format_value, money, plural
from presentation.labels import plain
from presentation.tables import estimate, kpi_table, waits_table
from simulation.experiment import Results
from simulation.metrics import WAIT_GROUPS, binding_sentence, headline_kpis, kpi_info
from simulation.plan import add_months
from simulation.scenario import Scenario
from simulation.scenario_file import scenario_from_toml, scenario_to_toml, with_values
from triage.errors import DolsSimError
from triage.export import to_csv_bytes

CALIBRATED = "The calibrated scenario (Calibrate tab)"
WAIT_GROUP_LABELS = {
    "band": "Band",
    "setting": "Setting",
    "primary_support_reason": "Support reason",
    "request_type": "Request type",
}


def _scenario_source() -> tuple[Scenario, str] | None:
    """The base scenario chosen, and its identity (the levers follow it when it changes)."""
    calibrated = st.session_state.get(CALIBRATED_KEY)
    choices = ["A shipped scenario", "Upload a scenario (TOML)"] + ([CALIBRATED] if calibrated else [])
    source = kept_widget(st.radio, "Start from", "scn_source", choices[0], options=choices, horizontal=True)
    if source not in choices:  # the calibrated scenario was chosen in an earlier run and is gone
        source = choices[0]
    if source == CALIBRATED:
        text, where = str(calibrated), "the calibrated scenario"
    elif source == "A shipped scenario":
        files = sorted(p.name for p in SCENARIOS.iterdir() if p.name.endswith(".toml"))
        name = kept_widget(st.selectbox, "Scenario", "scn_file", "example-council.toml", options=files)
        text, where = (SCENARIOS / name).read_text(encoding="utf-8"), name
    else:
        up = kept_upload("Scenario file (.toml)", "scn_upload", ["toml"])
        if up is None:
            st.info("Upload a scenario TOML (download one from this page to start), or pick a shipped one.")
            return None
        text, where = up.data.decode("utf-8", errors="replace"), up.name
    try:
        scenario = scenario_from_toml(text, source=where)
    except DolsSimError as exc:
        st.error(f"This scenario cannot be used: {as_text(exc)}")
        return None
    return scenario, f"{source}:{where}:{fingerprint(text)}"


def scenario_tab() -> None:
    st.subheader("Scenario: what if?")
    chosen = _scenario_source()
    if chosen is None:
        return
    base, identity = chosen
    st.caption(as_text(base.description or base.name))  # the file's text, never markup
    worklist = st.session_state.get("worklist")
    from_worklist = (
        bool(
            kept_widget(
                st.checkbox,
                "Start from today's worklist (the Triage tab) as the open backlog",
                "scn_from_worklist",
                False,
                disabled=worklist is None,
                help="Simulate forward from today: the start date becomes the worklist's as-of date.",
            )
        )
        and worklist is not None
    )
    as_of = st.session_state.get("worklist_as_of") if from_worklist else None
    # A new base resets every lever to its values; so does starting from (or leaving) the worklist,
    # for the start date (the worklist's as-of date, shown in its lever and used as shown).
    follow_base(base, identity)
    if follows("lever_start", f"{identity}:{as_of}"):
        reset(lever_key("horizon.start_date"), as_of or base.horizon.start_date)
    if follows("scn_clear_by_base", identity):
        by = st.session_state.get("plan_clear_by") or add_months(base.horizon.start_date, 24)
        reset("scn_clear_by", by)
    with st.form("levers"):
        values: dict[str, Any] = lever_inputs(base, start_fixed=from_worklist)
        c = st.columns(4)
        policies = [p.id for p in rules().policies.policy if p.id != rules().policies.ring_fence]
        policy_labels = {p.id: p.label for p in rules().policies.policy}
        policy_default = base.queue.policy if base.queue.policy in policies else policies[0]
        values["queue.policy"] = kept_widget(
            c[0].selectbox,
            "Queue policy",
            "lever_policy",
            policy_default,
            options=policies,
            format_func=lambda policy: plain(policy, policy_labels),
            help="The order the waiting list is worked in (see the glossary on the About tab).",
        )
        values["assessment.proportionate"] = kept_widget(
            c[1].checkbox,
            "Proportionate (desk-based) BIA for low band and renewals",
            "lever_proportionate",
            base.assessment.proportionate,
            help="ADASS (2016): desk-based assessments take a share of the usual BIA hours.",
        )
        reps = int(
            kept_widget(
                c[2].number_input,
                "Replications",
                "reps",
                20,
                min_value=2,
                max_value=MAX_PAGE_REPS,
                help="Independent runs.",
            )
        )
        seed = int(
            kept_widget(
                c[3].number_input,
                "Seed",
                "seed",
                42,
                min_value=0,
                max_value=2**31 - 1,
                help="Same seed, same numbers.",
            )
        )
        n = st.columns([3, 1])
        run_name = n[0].text_input("Name this run", value=f"Run {len(runs()) + 1}", key="run_name")
        clear_by = kept_widget(
            n[1].date_input,
            "Clear the backlog by",
            "scn_clear_by",
            add_months(base.horizon.start_date, 24),
            format="YYYY-MM-DD",
            help="Drawn on the chart; the Options tab finds what it takes to get there.",
        )
        submitted = st.form_submit_button("Run", type="primary")
    if submitted:
        st.session_state["plan_clear_by"] = clear_by
        _run(base, values, reps, seed, run_name, worklist if from_worklist else None)
    elif st.session_state.get("last_run") not in runs():
        st.info("Set the levers and press Run.")
    if st.session_state.get("last_run") in runs():
        show_run(runs()[st.session_state["last_run"]])
        compare_runs()


def _run(
    base: Scenario, values: dict[str, Any], reps: int, seed: int, name: str, worklist: pd.DataFrame | None
) -> None:
    try:
        scenario = with_values(base, values)
        # The cache is shared by every session: key it on the worklist's content, not its size.
        key = worklist_fingerprint(worklist) if worklist is not None else ""
        toml_text = scenario_to_toml(scenario)
        results = run_cached(toml_text, reps, seed, key, rules_key(), scenario, worklist)
    except DolsSimError as exc:
        st.error(as_text(exc))
        return
    runs()[name] = Run(name, scenario, toml_text, seed, reps, results)
    st.session_state["last_run"] = name
    st.session_state["option"] = name  # the comparison shows the newest run against the baseline


def _clear_tile(results: Results, months: int) -> tuple[str, str]:
    """The weeks-to-clear tile: a number only for replications that cleared within the horizon."""
    summary = results.summary
    cleared = estimate(summary, "cleared_within_horizon")[0]
    if cleared == 0:
        return "not cleared", f"not within the {months}-month horizon in any replication"
    mean, low, high = estimate(summary, "weeks_to_clear")
    if cleared < 1:
        return format_value(mean, "weeks"), f"only {cleared:.0%} of replications cleared within the horizon"
    return format_value(mean, "weeks"), f"95% CI {format_value(low, 'weeks')}–{format_value(high, 'weeks')}"


def _tile(column: DeltaGenerator, label: str, summary: pd.DataFrame, kpi: str, currency: str) -> None:
    """A headline figure: the mean, large, and its 95% CI beneath (too long to fit in the tile)."""
    mean, low, high = estimate(summary, kpi)
    unit = kpi_info(kpi).unit
    column.metric(label, format_value(mean, unit, currency))
    if not (math.isnan(low) or low == high):
        column.caption(f"95% CI {format_value(low, unit, currency)}–{format_value(high, unit, currency)}")


def show_run(run: Run) -> None:
    results, scenario = run.results, run.scenario
    currency = scenario.costs.currency
    s = results.summary
    st.markdown(f"#### Results: {as_text(run.name)} ({plural(run.reps, 'replication')}, seed {run.seed})")
    headline, chart = st.container(), st.container()
    # The chart is sent first, shown below the headline figures: it is the browser's longest drawing
    # (about 0.2 s of Vega), so it starts while the server builds the rest: the chart is up 0.05-0.1 s sooner.
    chart.altair_chart(
        charts.backlog_over_time(
            results.backlog,
            rules().criteria.all_bands,
            target=scenario.targets.backlog_target,
            clear_by=st.session_state.get("plan_clear_by"),
        ),
        width="stretch",
    )
    months = scenario.horizon.months
    m = headline.columns(4)
    clear, clear_note = _clear_tile(results, months)
    m[0].metric(
        "Weeks to clear the backlog",
        clear,
        help=f"First week with fewer than {scenario.targets.backlog_target:,} open (the backlog target).",
    )
    m[0].caption(clear_note)
    _tile(m[1], "Decided within statutory time", s, "within_statutory_share", currency)
    _tile(m[2], "Person-days without authorisation", s, "unauthorised_person_days", currency)
    _tile(m[3], f"Total cost over {plural(months, 'month')}", s, "cost_total", currency)
    per_year = estimate(s, "cost_total")[0] * 12 / months
    m[3].caption(f"about {money(per_year, currency)} a year")
    headline.info(binding_sentence(s))
    dataframe(st, kpi_table(results.summary, headline_kpis(), currency), hide_index=True, key="summary_table")
    _details(results, currency)
    note = worklist_note(results)
    toml_text = run.toml_text
    if note:
        st.caption(note)
        toml_text = "".join(f"# {line}\n" for line in note.split("; ")) + toml_text
    d = st.columns(4)
    d[0].download_button("Scenario (TOML)", toml_text, f"{run.name}.toml", "application/toml")
    d[1].download_button(
        "KPI summary (CSV)", partial(to_csv_bytes, results.summary), f"{run.name}-summary.csv", "text/csv"
    )
    d[2].download_button(
        "Replications (CSV)",
        partial(to_csv_bytes, results.replications),
        f"{run.name}-replications.csv",
        "text/csv",
    )
    d[3].download_button("One-click report (HTML)", report_for(run), f"{run.name}-report.html", "text/html")


@st.fragment
def _details(results: Results, currency: str) -> None:
    """Every KPI, and the waits by group: each built when opened, not with the headline results.

    They are six tables: drawing them with the results took a third of a second of the browser's time
    on every run, before the chart. A fragment, so opening one reruns this part only, not the page.
    """
    everything = st.expander("All results", key="scn_all_results", on_change="rerun")
    if everything.open:
        with everything:
            dataframe(
                st, kpi_table(results.summary, None, currency), hide_index=True, key="all_results_table"
            )
    if not len(results.waits):
        return
    groups = ", ".join(label.lower() for label in WAIT_GROUP_LABELS.values())
    waits = st.expander(
        f"Waits and share decided within the statutory time, by {groups}", key="scn_waits", on_change="rerun"
    )
    if waits.open:
        with waits:
            tabs = st.tabs(list(WAIT_GROUP_LABELS.values()))
            for tab, by in zip(tabs, WAIT_GROUPS, strict=True):
                dataframe(tab, waits_table(results.waits, by), hide_index=True, key=f"waits_{by}")
