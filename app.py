"""dols-sim web page (Streamlit): Triage · Scenario · About.

Thin on purpose: widgets and charts over the same library functions as the ``dols-sim`` CLI, no model
logic here. Uploads are read from memory (``UploadedFile.getvalue()``), never written to disk, never
logged; ``.streamlit/config.toml`` turns usage statistics off.

Run: ``dols-sim app`` (or ``streamlit run app.py``).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from functools import partial
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import streamlit as st

from simulation import charts
from simulation.compare import paired_comparison
from simulation.experiment import Results, run_replications
from simulation.model import check_against_rules
from simulation.report import assumptions, html_report
from simulation.scenario import Scenario, scenario_from_toml, scenario_to_toml, with_overrides
from triage.errors import DolsSimError
from triage.export import to_csv_bytes, to_xlsx_bytes
from triage.rulebook import Rules, load_rules
from triage.summary import TriageSummary, summarise, urgent_expiring_within
from triage.worklist import TriageResult, build_worklist

ROOT = Path(__file__).parent
EXAMPLE = ROOT / "examples" / "open_applications.csv"
SCENARIOS = ROOT / "scenarios"
EXAMPLE_AS_OF = date(2026, 11, 23)  # the date the shipped synthetic export was made for
MAX_PAGE_REPS = 200  # the page's workers are shared by every session; bigger runs belong in `dols-sim run`
Run = tuple[str, int, int, Results]  # a kept scenario run: its TOML, seed, replications, results
BAND_MARKER = {"high": "🔴", "unscreened": "⚪", "medium": "🟠", "low": "🟢"}


@st.cache_resource
def rules() -> Rules:
    return load_rules()


@st.cache_data(max_entries=8, show_spinner=False)
def triage_cached(data: bytes, filename: str, as_of: date) -> TriageResult:
    """Cached in memory on (file bytes, name, date): changing a filter does not re-run the triage."""
    return build_worklist(data, as_of, rules(), filename=filename)


#: Columns of the on-screen worklist: what a lead decides from. Every column is in the downloads.
SHOWN_COLUMNS = [
    "rank", "application_id", "priority", "reasons", "missing_information", "statutory_deadline",
    "days_waiting", "days_to_deadline", "breached", "urgent_expiry", "extension_due", "worklist_group",
    "received_date", "setting", "request_type", "primary_support_reason", "data_warnings",
]  # fmt: skip


def _on_screen(w: pd.DataFrame) -> pd.DataFrame:
    """The decision columns, with a red / amber / green marker beside the band (cheaper than styling
    every cell): a narrower table reaches the browser, and is drawn, much sooner."""
    out = w[SHOWN_COLUMNS].copy()
    out.insert(1, "band colour", out["priority"].map(BAND_MARKER).fillna(""))
    return out


# ---- Triage ------------------------------------------------------------------------------------------


def triage_tab() -> None:
    st.subheader("Today's worklist")
    upload = st.file_uploader(
        "Open applications export (CSV or XLSX); processed in memory only, never saved",
        type=["csv", "xlsx"],
        key="upload",
    )
    if upload is None:
        data, name = EXAMPLE.read_bytes(), EXAMPLE.name
        st.caption(f"Showing the shipped synthetic example ({EXAMPLE.name}); upload your own export above.")
        default_as_of = EXAMPLE_AS_OF
    else:
        data, name = upload.getvalue(), upload.name
        default_as_of = date.today()
    c1, c2 = st.columns(2)
    as_of = c1.date_input("As of", value=default_as_of, key="as_of", format="YYYY-MM-DD")
    alert_days = c2.number_input(
        "Alert: urgent authorisations expiring within (days)",
        1,
        28,
        rules().timescales.alerts.urgent_expiring_within_days,
        key="alert_days",
    )
    try:
        result = triage_cached(data, name, as_of)
    except DolsSimError as exc:
        st.error(f"This file cannot be used: {exc}")
        return
    st.session_state["worklist"] = result.worklist
    st.session_state["worklist_as_of"] = as_of
    bands = rules().criteria.all_bands
    summary = summarise(result, bands)
    w = result.worklist
    expiring = urgent_expiring_within(w, alert_days)

    m = st.columns(5)
    m[0].metric("On the worklist", summary.accepted)
    m[1].metric("Refused rows", summary.rejected)
    m[2].metric("Past statutory deadline", summary.breached)
    m[3].metric(f"Urgent expiring ≤ {alert_days} days", len(expiring))
    m[4].metric("Extension decisions due", summary.extension_due)
    if summary.breached:
        st.error(f"{summary.breached} applications are past their statutory deadline.")
    if len(expiring):
        st.warning(f"{len(expiring)} urgent authorisations end within {alert_days} days.")
    if summary.rejected:
        st.info(f"{summary.rejected} rows were refused: see 'Refused rows' below for why.")

    st.markdown("#### Next 10 to work")
    next_cols = [
        "rank",
        "application_id",
        "priority",
        "worklist_group",
        "statutory_deadline",
        "days_to_deadline",
    ]
    top = w.head(10)[[*next_cols, "reasons"]].copy()
    top["statutory_deadline"] = top["statutory_deadline"].dt.strftime("%Y-%m-%d")
    st.table(top.set_index("rank"))

    st.markdown("#### Charts")
    c1, c2 = st.columns(2)
    c1.altair_chart(charts.open_by_band_and_wait(w, bands), width="stretch")
    c2.altair_chart(charts.deadlines_ahead(w, as_of, bands), width="stretch")
    st.altair_chart(charts.band_mix(w, bands), width="stretch")

    alerts_cols = ["rank", "application_id", "priority", "urgent_expiry", "days_to_deadline", "extension_due"]
    with st.expander(f"Urgent authorisations ending within {alert_days} days ({len(expiring)})"):
        st.dataframe(expiring[alerts_cols], hide_index=True, key="expiring_table")

    worklist_filters(w, bands, summary)

    equity_tables(summary)

    st.markdown("#### Refused rows")
    if summary.rejected:
        st.dataframe(result.rejects, hide_index=True, key="rejects_table")
    else:
        st.write("None: every row is on the worklist.")

    # Downloads are built only when clicked (callables), not on every rerun of the page.
    d = st.columns(3)
    d[0].download_button("Worklist (CSV)", partial(to_csv_bytes, w), "worklist.csv", "text/csv")
    d[1].download_button(
        "Worklist (XLSX)",
        partial(to_xlsx_bytes, w),
        "worklist.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    d[2].download_button(
        "Refused rows (CSV)", partial(to_csv_bytes, result.rejects), "rejects.csv", "text/csv"
    )


def worklist_filters(w: pd.DataFrame, bands: list[str], summary: TriageSummary) -> None:
    st.markdown("#### Worklist")
    f = st.columns(4)
    band = f[0].multiselect("Band", bands, key="band_filter")
    setting = f[1].multiselect("Setting", sorted(w["setting"].unique()), key="setting_filter")
    reason = f[2].multiselect(
        "Support reason", sorted(w["primary_support_reason"].unique()), key="reason_filter"
    )
    breached_only = f[3].checkbox("Past deadline only", key="breached_only")
    shown = w
    if band:
        shown = shown[shown["priority"].isin(band)]
    if setting:
        shown = shown[shown["setting"].isin(setting)]
    if reason:
        shown = shown[shown["primary_support_reason"].isin(reason)]
    if breached_only:
        shown = shown[shown["breached"]]
    st.caption(
        f"{len(shown)} of {len(w)} applications, in working order (the downloads below have every column)"
    )
    st.dataframe(
        _on_screen(shown),
        hide_index=True,
        key="worklist_table",
        column_config={
            "statutory_deadline": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "urgent_expiry": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "received_date": st.column_config.DateColumn(format="YYYY-MM-DD"),
        },
    )


def equity_tables(summary: TriageSummary) -> None:
    st.markdown("#### Who waits: by support reason and setting")
    st.caption(
        "The CQC worries that people with dementia or a learning disability wait disproportionately "
        "long in the lower band: compare median and longest waits here."
    )
    c1, c2 = st.columns(2)
    c1.dataframe(summary.by_support_reason, hide_index=True, key="equity_reason")
    c2.dataframe(summary.by_setting, hide_index=True, key="equity_setting")
    st.dataframe(summary.by_band, hide_index=True, key="by_band")


# ---- Scenario ----------------------------------------------------------------------------------------

#: The levers in the form: (key path, label, step). Values go through with_overrides, so they are
#: validated exactly like a scenario file (errors name the key path).
LEVERS: list[tuple[str, str, float]] = [
    ("demand.applications_per_month", "Applications per month", 10.0),
    ("demand.growth_pct_per_year", "Demand growth (% a year)", 1.0),
    ("staffing.bia_fte", "In-house BIA (FTE)", 0.5),
    ("staffing.independent_bia_per_month", "Independent BIA assessments bought a month", 10.0),
    ("staffing.mental_health_assessors", "Mental health assessors (FTE)", 0.5),
    ("costs.bia_fte_per_year", "Cost of a BIA FTE a year (GBP)", 1000.0),
    ("costs.independent_bia_per_assessment", "Cost of an independent BIA assessment (GBP)", 10.0),
    ("costs.mental_health_assessment", "Cost of a mental health assessment (GBP)", 10.0),
]


def _get(scenario: Scenario, path: str) -> float:
    value: object = scenario
    for part in path.split("."):
        value = getattr(value, part)
    return float(value)  # type: ignore[arg-type]


def worklist_fingerprint(worklist: pd.DataFrame) -> str:
    """A digest of the worklist's content (no data kept), to key cached runs started from it."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(worklist, index=False).to_numpy().tobytes())
    return digest.hexdigest()


@st.cache_resource
def replication_pool() -> ProcessPoolExecutor:
    """One pool of worker processes for the whole server, shared by every session.

    Replications run on all cores (a 20-replication run is about twice as fast on two), and ten
    sessions queue on the same workers rather than oversubscribing the machine. ``forkserver``: forking
    a threaded web server is unsafe, and its workers start with the model already imported. The numbers
    are the same as a serial run (replication i depends only on the scenario, i and the seed).
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["simulation.experiment"])
    pool = ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=ctx)
    for _ in range(os.cpu_count() or 1):
        pool.submit(int)  # start the workers now, while the user sets the levers
    return pool


@st.cache_data(max_entries=16, show_spinner=False)
def run_cached(
    toml_text: str, reps: int, seed: int, worklist_key: str, _worklist: pd.DataFrame | None
) -> Results:
    """Cached in memory on (scenario as TOML, reps, seed, worklist): the same run is never done twice."""
    bar = st.progress(0.0, text="Running replications...")
    scenario = scenario_from_toml(toml_text)
    for attempt in (1, 2):
        try:
            results = run_replications(
                scenario,
                reps,
                seed,
                rules=rules(),
                initial_worklist=_worklist,
                progress=lambda done, total: bar.progress(
                    done / total, text=f"Replication {done} of {total}"
                ),
                executor=replication_pool(),
            )
            break
        except BrokenProcessPool:  # a worker died (e.g. out of memory): a fresh pool for everyone, once
            replication_pool.clear()
            if attempt == 2:
                raise DolsSimError(
                    "the simulation workers stopped unexpectedly; try fewer replications"
                ) from None
    bar.empty()
    return results


def check_page_scenario(scenario: Scenario) -> Scenario:
    """What a scenario must also satisfy to run on the page (raises DolsSimError with one line)."""
    check_against_rules(scenario, rules())  # e.g. a date-dependent or unknown queue policy
    if scenario.initial_backlog.worklist:
        # A file path in a scenario would be read on the server: start from the Triage tab instead.
        raise DolsSimError(
            "initial_backlog.worklist: not used on the page; upload the export on the Triage tab "
            "and tick 'Start from today's worklist'"
        )
    return scenario


def _scenario_source() -> Scenario | None:
    source = st.radio(
        "Start from", ["A shipped scenario", "Upload a scenario (TOML)"], horizontal=True, key="scn_source"
    )
    if source == "A shipped scenario":
        files = sorted(p.name for p in SCENARIOS.glob("*.toml"))
        name = st.selectbox("Scenario", files, key="scn_file", index=files.index("example-council.toml"))
        text, where = (SCENARIOS / name).read_text(), name
    else:
        up = st.file_uploader("Scenario file (.toml)", type=["toml"], key="scn_upload")
        if up is None:
            st.info("Upload a scenario TOML (download one from this page to start), or pick a shipped one.")
            return None
        text, where = up.getvalue().decode("utf-8", errors="replace"), up.name
    try:
        return check_page_scenario(scenario_from_toml(text, source=where))
    except DolsSimError as exc:
        st.error(f"This scenario cannot be used: {exc}")
        return None


def scenario_tab() -> None:
    st.subheader("Scenario: what if?")
    replication_pool()
    base = _scenario_source()
    if base is None:
        return
    st.caption(base.description or base.name)
    worklist = st.session_state.get("worklist")
    from_worklist = st.checkbox(
        "Start from today's worklist (the Triage tab) as the open backlog",
        key="scn_from_worklist",
        disabled=worklist is None,
    )
    with st.form("levers"):
        cols = st.columns(4)
        values: dict[str, float] = {}
        for i, (path, label, step) in enumerate(LEVERS):
            values[path] = cols[i % 4].number_input(
                label, value=_get(base, path), step=step, key=f"lever_{path}"
            )
        c = st.columns(4)
        policies = [p.id for p in rules().policies.policy if p.is_static]
        policy = c[0].selectbox(
            "Queue policy", policies, index=policies.index(base.queue.policy), key="lever_policy"
        )
        proportionate = c[1].checkbox(
            "Proportionate (desk-based) BIA for low band and renewals",
            value=base.assessment.proportionate,
            key="lever_proportionate",
        )
        reps = int(c[2].number_input("Replications", 2, MAX_PAGE_REPS, 20, key="reps"))
        seed = int(c[3].number_input("Seed", 0, 2**31 - 1, 42, key="seed"))
        run_name = st.text_input("Name this run", value=f"Run {len(_runs()) + 1}", key="run_name")
        submitted = st.form_submit_button("Run", type="primary")
    if not submitted and "last_run" not in st.session_state:
        st.info("Set the levers and press Run.")
    if submitted:
        overrides = [f"{path}={value!r}" for path, value in values.items()]
        overrides += [f'queue.policy="{policy}"', f"assessment.proportionate={str(proportionate).lower()}"]
        if from_worklist and worklist is not None:  # simulate forward from the worklist's as-of date
            overrides.append(f"horizon.start_date={st.session_state['worklist_as_of'].isoformat()}")
        try:
            scenario = with_overrides(base, overrides)
        except DolsSimError as exc:
            st.error(str(exc))
            return
        initial = worklist if from_worklist else None
        # The cache is shared by every session: key it on the worklist's content, not its size.
        key = worklist_fingerprint(initial) if initial is not None else ""
        toml_text = scenario_to_toml(scenario)
        try:
            results = run_cached(toml_text, reps, seed, key, initial)
        except DolsSimError as exc:
            st.error(str(exc))
            return
        _runs()[run_name] = (toml_text, seed, reps, results)
        st.session_state["last_run"] = run_name
    if st.session_state.get("last_run") in _runs():
        show_run(st.session_state["last_run"])
        compare_runs()


def _runs() -> dict[str, Run]:
    runs: dict[str, Run] = st.session_state.setdefault("runs", {})
    return runs


def _kpi(summary: pd.DataFrame, kpi: str) -> pd.Series:
    return summary.set_index("kpi").loc[kpi]


def show_run(name: str) -> None:
    toml_text, seed, reps, results = _runs()[name]
    s = results.summary
    st.markdown(f"#### Results: {name} ({reps} replications, seed {seed})")
    m = st.columns(4)
    weeks = _kpi(s, "weeks_to_clear")
    m[0].metric("Weeks to clear the backlog", f"{weeks['mean']:.1f}", help="Censored at the horizon if never")
    m[1].metric("Decided within statutory time", f"{_kpi(s, 'within_statutory_share')['mean']:.1%}")
    m[2].metric("Unauthorised person-days", f"{_kpi(s, 'unauthorised_person_days')['mean']:,.0f}")
    m[3].metric("Total cost (GBP)", f"{_kpi(s, 'cost_total')['mean']:,.0f}")
    backlog_chart = charts.backlog_over_time(results.backlog)
    st.altair_chart(backlog_chart, width="stretch")
    st.dataframe(s, hide_index=True, key="summary_table")
    waits = results.waits
    if len(waits):
        st.markdown("##### Waits and share decided within the statutory time")
        st.dataframe(waits, hide_index=True, key="waits_table")
    note = worklist_note(results)
    if note:
        st.caption(note)
        toml_text = "".join(f"# {line}\n" for line in note.split("; ")) + toml_text
    d = st.columns(4)
    d[0].download_button("Scenario (TOML)", toml_text, f"{name}.toml", "application/toml")
    d[1].download_button("KPI summary (CSV)", partial(to_csv_bytes, s), f"{name}-summary.csv", "text/csv")
    d[2].download_button(
        "Replications (CSV)",
        partial(to_csv_bytes, results.replications),
        f"{name}-replications.csv",
        "text/csv",
    )
    d[3].download_button(
        "One-click report (HTML)",
        partial(run_report, name, _runs()[name], *_baseline_for(name)),
        f"{name}-report.html",
        "text/html",
    )


def _baseline_for(name: str) -> tuple[str | None, Run | None]:
    """The chosen baseline, if it can be paired with this run (same seed and replications)."""
    baseline = st.session_state.get("baseline")
    if not baseline or baseline == name or baseline not in _runs():
        return None, None
    run, base = _runs()[name], _runs()[baseline]
    return (baseline, base) if base[1:3] == run[1:3] else (None, None)


def run_report(name: str, run: Run, baseline: str | None, base_run: Run | None) -> str:
    """The one-file HTML report of a run (and its paired comparison with the baseline, if any).

    Called by the download button on its own thread, so it takes plain values, not session state.
    """
    toml_text, seed, reps, results = run
    comparison = None
    if base_run is not None:
        comparison = paired_comparison(base_run[3].replications, results.replications)
    return html_report(
        title=f"dols-sim: {name}",
        scenario_toml=toml_text,
        summary=results.summary,
        seed=seed,
        reps=reps,
        charts=[charts.backlog_over_time(results.backlog)],
        comparison=comparison,
        baseline_name=baseline if comparison is not None else None,
        notes=[note] if (note := worklist_note(results)) else [],
        assumed=assumptions(rules().timescales),
    )


def worklist_note(results: Results) -> str:
    """Say so when a run started from an uploaded worklist (the TOML's initial_backlog was not used)."""
    rows = results.manifest.get("initial_worklist_rows")
    if not rows:
        return ""
    start = results.manifest["scenario"]["horizon"]["start_date"]
    return (
        f"Started from today's worklist: {rows:,} open applications as of {start}; "
        "the initial_backlog settings were not used."
    )


def compare_runs() -> None:
    runs = _runs()
    if len(runs) < 2:
        st.caption("Run another option (same seed and replications) to compare it with a baseline here.")
        return
    st.markdown("#### Compare against a baseline (paired, same seed)")
    names = list(runs)
    c1, c2 = st.columns(2)
    base = c1.selectbox("Baseline", names, key="baseline")
    option = c2.selectbox("Option", names, index=len(names) - 1, key="option")
    _, b_seed, b_reps, b_res = runs[base]
    _, o_seed, o_reps, o_res = runs[option]
    if (b_seed, b_reps) != (o_seed, o_reps):
        st.warning("These runs used different seeds or replications, so they cannot be paired.")
        return
    st.dataframe(
        paired_comparison(b_res.replications, o_res.replications), hide_index=True, key="compare_table"
    )
    both = []
    for label, res in ((base, b_res), (option, o_res)):
        all_bands = res.backlog[res.backlog["band"] == "all"].copy()
        all_bands["run"] = label
        both.append(all_bands)
    st.altair_chart(
        charts.backlog_over_time(pd.concat(both), "Open applications: baseline and option"), width="stretch"
    )


# ---- About -------------------------------------------------------------------------------------------


def about_tab() -> None:
    r = rules()
    t = r.timescales
    st.subheader("About dols-sim")
    st.markdown(
        f"Version **{version('dols-sim')}**. Triage and backlog simulation for Deprivation of Liberty "
        "Safeguards teams. All data shown by default is synthetic. Uploads stay in memory and are never "
        "saved or logged; no usage statistics are sent."
    )
    st.markdown("#### What the simulation assumes")
    st.markdown("\n".join(f"- {a}" for a in assumptions(t)))
    st.markdown("#### The law's clock in use")
    st.table(
        pd.DataFrame(
            [
                (
                    "Standard request: assessments completed within",
                    f"{t.standard.assessment_period_days} days",
                ),
                ("Urgent authorisation lasts", f"{t.urgent.period_days} days"),
                ("Extension of an urgent authorisation, at most", f"{t.urgent.max_extension_days} days"),
                ("Standard authorisation, at most", f"{t.standard_authorisation.max_days} days"),
                (
                    "Renewal request, no earlier than",
                    f"{t.standard_authorisation.renewal_request_window_days} days before expiry",
                ),
                ("Counting (standard / urgent)", f"{t.counting.standard} / {t.counting.urgent}"),
                ("DoLS in force from", t.scheme.in_force_from.isoformat()),
            ],
            columns=["rule", "value"],
        )
    )
    st.caption(
        "day_one: the day of receipt (or the day an urgent authorisation is given) is day 1, so 21 days "
        "from 1 March ends on 21 March. Source: triage/rules/timescales.toml."
    )
    st.markdown("#### Screening criteria in use")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "id": c.id,
                    "band": c.band,
                    "label": c.label,
                    "when": ", ".join(f"{k} = {v}" for k, v in c.when.items()),
                }
                for c in r.criteria.criterion
            ]
        ),
        hide_index=True,
        key="criteria_table",
    )
    st.caption(
        "Modelled on the ADASS screening tool (2014) and its 2024 West Midlands revision, not their "
        "wording: an indicative guide only; each case must be judged on its own facts. "
        f"No criterion fired → '{r.criteria.no_criterion_band}'."
    )
    st.markdown("#### How to cite")
    st.code(f"dols-sim {version('dols-sim')}: triage and backlog simulation for DoLS teams. 2026.")


def main() -> None:
    st.set_page_config(page_title="dols-sim", page_icon="⚖️", layout="wide")
    st.title("dols-sim: DoLS triage and backlog simulation")
    # Lazy tabs: only the open tab's code runs, so the first render does not wait for the others.
    # Bound to the URL (?tab=Scenario), so a tab can be linked to and survives a reload.
    tabs = st.tabs(["Triage", "Scenario", "About"], key="tab", on_change="rerun", bind="query-params")
    for tab, render in zip(tabs, (triage_tab, scenario_tab, about_tab), strict=True):
        if tab.open:
            with tab:
                render()


if __name__ == "__main__":  # Streamlit runs the page as __main__; pool workers import it as __mp_main__
    main()
