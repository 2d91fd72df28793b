"""The page's frame: title and lazy tabs (only the open tab's code runs), bound to the URL."""

from __future__ import annotations

import streamlit as st

from page.about_tab import about_tab
from page.scenario_tab import scenario_tab
from page.triage_tab import triage_tab


def options_tab() -> None:
    """The Options tab, imported when it is opened: the first render need not load its engine (sweeps,
    plans, executors: about 0.2 s)."""
    from page.options_tab import options_tab as render

    render()


def calibrate_tab() -> None:
    """The Calibrate tab, imported when it is opened (its fits load scipy's optimisers)."""
    from page.calibrate_tab import calibrate_tab as render

    render()


TABS = {
    "Triage": triage_tab,
    "Scenario": scenario_tab,
    "Options": options_tab,
    "Calibrate": calibrate_tab,
    "About": about_tab,
}


def main() -> None:
    st.set_page_config(page_title="dols-sim", page_icon="⚖️", layout="wide")
    st.title("dols-sim: DoLS triage and backlog simulation")
    # Lazy tabs: only the open tab's code runs, so the first render does not wait for the others.
    # Bound to the URL (?tab=Scenario), so a tab can be linked to and survives a reload.
    tabs = st.tabs(list(TABS), key="tab", on_change="rerun", bind="query-params")
    for tab, render in zip(tabs, TABS.values(), strict=True):
        if tab.open:
            with tab:
                render()
