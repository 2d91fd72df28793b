"""The Options tab: what does it take to clear the backlog by a date, and what does it cost?

One action (Find the cheapest option) runs ``plan`` over a grid of in-house BIAs and bought assessments
exactly as ``dols-sim plan`` does (same search, same replications, same answer, in about its time), and
shows the answer; then it runs the rest of the grid for the heat map (chance of clearing by the date,
cost, unauthorised person-days), reusing every replication the search ran, with a progress bar. Runs go
to the page's shared pool of worker processes, with the same numbers as ``dols-sim plan``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from page.keep import fingerprint, follows, kept_widget, reset
from page.levers import LEVERS
from page.state import (
    SCENARIOS,
    Progress,
    replication_pool,
    rules,
    rules_key,
    run_cached,
    runs,
    worklist_fingerprint,
)
from page.tables import dataframe
from presentation import charts
from presentation.formats import as_text, money, plural
from presentation.options import (
    added_staff_said,
    heat_frame,
    plan_headline,
    plan_table,
    relief_sentence,
    search_sentence,
)
from simulation.admission import admit
from simulation.executors import Workers, default_workers
from simulation.metrics import STAFF_GROUPS
from simulation.plan import Planner, PlanResult, add_months, keep_up, post_costs, raised
from simulation.scenario import Scenario
from simulation.scenario_file import scenario_from_toml, scenario_to_toml, with_values
from simulation.sweep import Execution
from triage.errors import DolsSimError

FTE, BOUGHT = "staffing.bia_fte", "staffing.independent_bia_per_month"
LABELS = {lever.path: lever.label for lever in LEVERS}
EXAMPLE_NAME = "The shipped example council"
TODAY_NAME = "Today's worklist (Triage tab), with the example council's settings"
MEASURES = {
    "Chance of clearing by the date": "chance",
    "Cost to the date": "cost",
    "Person-days without authorisation": "unauthorised",
}


@dataclass(frozen=True)
class Found:
    """A plan and its heat map, kept in the session so changing the map's measure does not rerun them."""

    result: PlanResult
    #: None until the rest of the grid has run (after the answer is on screen)
    heat: pd.DataFrame | None
    scenario: Scenario
    worklist: pd.DataFrame | None
    seed: int
    currency: str
    #: staff raised to keep up with the biggest option: {key path: (before, after)}
    added: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: the ranges searched, {key path: values}
    vary: dict[str, list[float]] = field(default_factory=dict)
    #: the search's planner, kept in memory so the heat map reuses its replications
    planner: Planner | None = field(default=None, compare=False, repr=False)


def _bases() -> dict[str, tuple[Scenario, pd.DataFrame | None]]:
    """Scenarios to plan from: each kept run (with the worklist it started from), the example council,
    and today's worklist (the Triage tab's) with the example council's settings, from its as-of date."""
    out: dict[str, tuple[Scenario, pd.DataFrame | None]] = {}
    worklist = st.session_state.get("worklist")
    for name, run in reversed(list(runs().items())):
        from_worklist = bool(run.results.manifest.get("initial_worklist_rows"))
        out[f"Run: {name}"] = (run.scenario, worklist if from_worklist else None)
    text = (SCENARIOS / "example-council.toml").read_text(encoding="utf-8")
    example = scenario_from_toml(text, source="example-council.toml")
    out[EXAMPLE_NAME] = (example, None)
    if worklist is not None:
        today = with_values(example, {"horizon.start_date": st.session_state["worklist_as_of"]})
        out[TODAY_NAME] = (today, worklist)
    return out


def _range(
    column: Any, label: str, values: tuple[float, float, float], key: str, step: float, shown: str
) -> list[float]:
    lo, hi, by = values
    a, b, c = column.columns(3)
    low = kept_widget(
        a.number_input, f"{label}: from", f"{key}_from", lo, min_value=0.0, step=step, format=shown
    )
    high = kept_widget(b.number_input, "to", f"{key}_to", hi, min_value=0.0, step=step, format=shown)
    every = kept_widget(c.number_input, "step", f"{key}_step", by, min_value=step, step=step, format=shown)
    if high < low:
        raise DolsSimError(f"{label}: 'to' ({high:g}) is below 'from' ({low:g})")
    count = round((high - low) / every) + 1
    if count > 21:
        raise DolsSimError(f"{label}: {count} values; take a bigger step (at most 21 values)")
    return [round(low + every * k, 6) for k in range(count)]


def options_tab() -> None:
    st.subheader("Options: what does it take to clear the backlog by a date, and what does it cost?")
    bases = _bases()
    names = list(bases)
    name = kept_widget(
        st.selectbox, "Plan from", "opt_base", names[0], options=names, help="A run kept on the Scenario tab."
    )
    if name not in bases:  # a run kept earlier is gone
        name = names[0]
        reset("opt_base", name)
    base, worklist = bases[name]
    start = base.horizon.start_date
    if follows("opt_base_values", f"{name}:{fingerprint(scenario_to_toml(base))}"):
        # Another base: its own date to clear by and its own target, not the last base's.
        reset("opt_clear_by", max(start, st.session_state.get("plan_clear_by") or add_months(start, 24)))
        reset("opt_target", base.targets.backlog_target)
    with st.form("options"):
        c = st.columns(4)
        clear_by = kept_widget(
            c[0].date_input,
            "Clear the backlog by",
            "opt_clear_by",
            add_months(start, 24),
            min_value=start,
            format="YYYY-MM-DD",
        )
        target = kept_widget(
            c[1].number_input,
            "Backlog target (open applications)",
            "opt_target",
            base.targets.backlog_target,
            min_value=0,
            step=10,
        )
        share = kept_widget(
            c[2].number_input, "Chance needed (%)", "opt_confidence", 90, min_value=1, max_value=100, step=5
        )
        reps = int(
            kept_widget(
                c[3].number_input, "Replications per option", "opt_reps", 10, min_value=2, max_value=100
            )
        )
        g = st.columns(2)
        try:
            ftes = _range(g[0], LABELS[FTE], (6.0, 14.0, 2.0), "opt_fte", 0.5, "%.1f")
            bought = _range(g[1], LABELS[BOUGHT], (0.0, 400.0, 100.0), "opt_bought", 10.0, "%.0f")
        except DolsSimError as exc:
            st.error(as_text(exc))
            ftes, bought = [], []
        h = st.columns([3, 1])
        keep = kept_widget(
            h[0].checkbox,
            "Give mental health assessors and authorisers enough time for the biggest option",
            "opt_keep_up",
            True,
            help="Every application needs all three steps: if only BIA capacity grows, they soon bind.",
        )
        seed = int(kept_widget(h[1].number_input, "Seed", "opt_seed", 42, min_value=0, max_value=2**31 - 1))
        pressed = st.form_submit_button("Find the cheapest option", type="primary")
    if pressed and ftes and bought:
        vary = {FTE: ftes, BOUGHT: bought}
        _find(base, worklist, clear_by, int(target), share / 100, reps, seed, vary, keep)
    found: Found | None = st.session_state.get("options_found")
    if found is None:
        st.info("Set the date and the ranges, then press Find the cheapest option.")
        return
    _show(found)


def _find(
    base: Scenario,
    worklist: pd.DataFrame | None,
    clear_by: date,
    target: int,
    confidence: float,
    reps: int,
    seed: int,
    vary: dict[str, list[float]],
    keep: bool,
) -> None:
    st.session_state["plan_clear_by"] = clear_by
    bar = Progress("Searching for the cheapest option...")

    def searched(done: int, total: int) -> None:
        bar.update(done, total, f"Searched {done} of {total} rows of the grid")

    run = Execution(Workers(replication_pool(), "processes", default_workers()), progress=searched)
    try:
        found = find_options(base, worklist, clear_by, target, confidence, reps, seed, vary, keep, run)
    except DolsSimError as exc:
        bar.empty()
        st.error(as_text(exc))
        return
    bar.empty()
    st.session_state["options_found"] = found


def find_options(
    base: Scenario,
    worklist: pd.DataFrame | None,
    clear_by: date,
    target: int,
    confidence: float,
    reps: int,
    seed: int,
    vary: dict[str, list[float]],
    keep: bool,
    run: Execution,
) -> Found:
    """The Options tab's search, the same as ``dols-sim plan`` (``--keep-up`` when ``keep``): the answer
    first, so the page answers in the CLI's time; the heat map's other cells are run afterwards
    (:func:`fill_heat_map`), reusing every replication the search ran.

    No Streamlit here: ``benchmarks/options_bench.py`` times it beside the CLI.
    """
    levels = keep_up(base, vary) if keep else {}
    scenario = with_values(base, levels) if levels else base
    added = raised(base, levels)
    admitted = admit(scenario, rules(), initial_worklist=worklist, read_files=False)
    planner = Planner(admitted, clear_by, target=target, confidence=confidence, reps=reps, seed=seed, run=run)
    result = planner.plan(vary)
    return Found(
        result, None, planner.admitted.scenario, worklist, seed, scenario.costs.currency, added, vary, planner
    )


def fill_heat_map(found: Found, on_result: Callable[[], None] | None = None) -> Found:
    """``found`` with its heat map: every option of the grid at the plan's replications (those the
    search ran are not run again)."""
    planner = found.planner
    assert planner is not None
    planner.evaluator.on_result = on_result
    try:
        heat = heat_frame(planner.option_map(found.vary), [FTE, BOUGHT], found.currency)
    finally:
        planner.evaluator.on_result = None
    return replace(found, heat=heat)


def _heat_map(found: Found) -> Found:
    """The heat map, run now if the search has only just answered (a progress bar while it runs)."""
    if found.heat is not None:
        return found
    total = len(found.vary[FTE]) * len(found.vary[BOUGHT]) * found.result.reps
    bar = Progress("Running the rest of the grid for the heat map...")
    counted = [0]

    def tick() -> None:
        counted[0] += 1
        bar.update(counted[0], total, f"Heat map: replication {counted[0]:,} of at most {total:,}")

    try:
        found = fill_heat_map(found, tick)
    finally:
        bar.empty()
    st.session_state["options_found"] = found
    return found


def _show(found: Found) -> None:
    result, currency = found.result, found.currency
    headline = plan_headline(result, currency, LABELS)
    if result.answer is None:
        st.warning(headline)
    else:
        e = result.answer
        cost = e.mean("cost_total")
        m = st.columns(4)
        m[0].metric("Cheapest option", ", ".join(f"{v:g}" for v in e.option.as_dict.values()))
        m[0].caption(" and ".join(LABELS[k] for k in e.option.as_dict))
        m[1].metric(f"Chance of clearing by {result.clear_by}", f"{e.probability:.0%}")
        m[1].caption(f"{e.cleared} of {plural(e.reps, 'replication')}")
        m[2].metric(f"Cost to {result.clear_by}", money(cost, currency))
        m[2].caption(f"over {plural(result.run_months, 'month')} from {result.start}")
        m[3].metric("Cost a year", money(result.per_year(cost), currency))
        posts = sum(c.per_year for c in post_costs(found.scenario, found.added))
        if posts > 0:
            m[3].caption(f"+ up to {money(posts, currency)} a year for the posts added to keep up (below)")
        st.success(headline)
        dataframe(st, plan_table(result, currency, LABELS), hide_index=True, key="plan_table")
        group = result.binding_staff_group
        if group:
            st.caption(f"In the cheapest option, {STAFF_GROUPS[group]} are the binding constraint.")
    if found.added:
        st.info(added_staff_sentence(found))
    edge = at_the_edge(found)
    if edge:
        st.warning(edge)
    st.caption(relief_sentence(result))
    st.caption(search_sentence(result))
    measure = MEASURES[st.radio("Heat map of", list(MEASURES), horizontal=True, key="opt_measure")]
    answer = result.answer.option.as_dict if result.answer else None
    found = _heat_map(found)
    assert found.heat is not None
    chart = charts.option_heat_map(
        found.heat, (BOUGHT, LABELS[BOUGHT]), (FTE, LABELS[FTE]), measure, answer, found.currency
    )
    st.altair_chart(chart, width="stretch")
    st.caption(
        f"Each cell: {plural(result.reps, 'replication')} of that option up to {result.clear_by} (seed "
        f"{found.seed}); the outlined cell is the cheapest option that clears often enough."
    )
    if result.answer is not None:
        _answer_chart(found)


def added_staff_sentence(found: Found) -> str:
    """What the search assumed beyond the BIA ranges, and the added staff's cost as posts."""
    costs = post_costs(found.scenario, found.added)
    said = added_staff_said(found.added, costs, found.currency, LABELS)
    return said + " Untick 'Give mental health assessors and authorisers enough time' to plan without them."


def at_the_edge(found: Found) -> str | None:
    """A warning when the answer sits at the top or bottom of a range searched: the cheapest option
    may lie outside it."""
    answer = found.result.answer
    if answer is None:
        return None
    edges = []
    for k, v in answer.option.as_dict.items():
        values = found.vary.get(k) or []
        if len(values) > 1 and v in (min(values), max(values)):
            side = "top" if v == max(values) else "bottom"
            edges.append(f"{LABELS.get(k, k)} {v:g} is at the {side} of the range searched")
    if not edges:
        return None
    return "; ".join(edges) + ": a cheaper option may lie beyond it, so widen that range and search again."


def _answer_chart(found: Found) -> None:
    """The cheapest option's backlog over time, with the target and the clear-by date drawn."""
    result = found.result
    assert result.answer is not None
    scenario = with_values(found.scenario, result.answer.option.as_dict)
    key = "" if found.worklist is None else worklist_fingerprint(found.worklist)
    try:
        toml = scenario_to_toml(scenario)
        run = run_cached(toml, result.reps, found.seed, key, rules_key(), scenario, found.worklist)
    except DolsSimError as exc:
        st.error(as_text(exc))
        return
    chart = charts.backlog_over_time(
        run.backlog,
        rules().criteria.all_bands,
        "Open applications with the cheapest option",
        target=result.target,
        clear_by=date.fromisoformat(result.clear_by),
    )
    st.altair_chart(chart, width="stretch")
