"""The About tab: what the tool is, its assumptions, the law's clock and the criteria in use, a glossary."""

from __future__ import annotations

from importlib.metadata import version
from importlib.resources import files

import pandas as pd
import streamlit as st

from page.state import CRITERIA_KEY, rules
from page.tables import dataframe, table
from presentation.formats import as_text, plural
from presentation.report import assumptions

TEXT = files("page") / "text"

#: What the tool covers, in one paragraph (the About tab shows it; the README repeats it word for word).
SCOPE = (
    "Scope: the Deprivation of Liberty Safeguards in England — adults (18 and over) in care homes "
    "and hospitals (Mental Capacity Act 2005 Schedule A1). A deprivation of liberty in the community "
    "(supported living, a person's own home: Re X) and of 16-17 year olds is authorised by the Court of "
    "Protection; under 16, by the High Court. The Liberty Protection Safeguards (Mental Capacity "
    "(Amendment) Act 2019) are not in force, so this tool follows the DoLS."
)


def about_tab() -> None:
    r = rules()
    t = r.timescales
    st.subheader("About dols-sim")
    st.markdown(f"Version **{version('dols-sim')}**. " + (TEXT / "about.md").read_text(encoding="utf-8"))
    st.markdown(SCOPE)
    st.markdown("#### What the simulation assumes")
    st.markdown("\n".join(f"- {a}" for a in assumptions(t)))
    st.markdown("#### The law's clock in use")
    clock = [
        ("Standard request: assessments completed within", plural(t.standard.assessment_period_days, "day")),
        ("Urgent authorisation lasts", plural(t.urgent.period_days, "day")),
        ("Extension of an urgent authorisation, at most", plural(t.urgent.max_extension_days, "day")),
        ("Standard authorisation, at most", plural(t.standard_authorisation.max_days, "day")),
        (
            "Renewal request, no earlier than",
            f"{plural(t.standard_authorisation.renewal_request_window_days, 'day')} before expiry",
        ),
        (
            "Alert: standing authorisation ends within (a team's choice)",
            plural(t.alerts.renewal_authorisation_ending_within_days, "day"),
        ),
        ("Counting (standard / urgent)", f"{t.counting.standard} / {t.counting.urgent}"),
        ("DoLS in force from", t.scheme.in_force_from.isoformat()),
    ]
    table(st, pd.DataFrame(clock, columns=["rule", "value"]))
    st.caption(
        "Day one: the day of receipt (or the day an urgent authorisation is given) is day 1, so 21 days "
        "from 1 March ends on 21 March. Source: triage/rules/timescales.toml."
    )
    st.markdown("#### Screening criteria in use")
    dataframe(
        st,
        pd.DataFrame(
            [
                {
                    "criterion": c.label,
                    "band": c.band,
                    "id in the criteria file": c.id,
                    "when, in the criteria file": ", ".join(f"{k} = {v}" for k, v in c.when.items()),
                }
                for c in r.criteria.criterion
            ]
        ),
        hide_index=True,
        key="criteria_table",
    )
    own: tuple[str, str] | None = st.session_state.get(CRITERIA_KEY)
    if own is not None:
        st.caption(
            f"Your council's own criteria: {as_text(own[0])}, uploaded on the Triage tab (held in this "
            f"session's memory only). No criterion fired → '{r.criteria.no_criterion_band}'."
        )
    else:
        st.caption(
            "Modelled on the ADASS screening tool (2014) and its 2024 West Midlands revision, not their "
            "wording: an indicative guide only; each case must be judged on its own facts. "
            f"No criterion fired → '{r.criteria.no_criterion_band}'. Source: "
            "triage/rules/screening_criteria.toml (upload your own on the Triage tab)."
        )
    st.markdown("#### Glossary")
    st.markdown((TEXT / "glossary.md").read_text(encoding="utf-8"))
    st.markdown("#### How to cite")
    st.code(f"dols-sim {version('dols-sim')}: triage and backlog simulation for DoLS teams. 2026.")
