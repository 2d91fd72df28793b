"""dols-sim web page (Streamlit): Triage · Scenario · About.

Thin on purpose: widgets and charts over the same library functions as the ``dols-sim`` CLI, no model
logic here. Uploads are read from memory (``UploadedFile.getvalue()``), never written to disk, never
logged; ``.streamlit/config.toml`` turns usage statistics off.

Run: ``dols-sim app`` (or ``streamlit run app.py``).
"""

from __future__ import annotations

from datetime import date
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import streamlit as st

from simulation import charts
from triage.errors import DolsSimError
from triage.export import to_csv_bytes, to_xlsx_bytes
from triage.rules import Rules, load_rules
from triage.summary import TriageSummary, summarise
from triage.worklist import TriageResult, build_worklist

ROOT = Path(__file__).parent
EXAMPLE = ROOT / "examples" / "open_applications.csv"
EXAMPLE_AS_OF = date(2026, 11, 23)  # the date the shipped synthetic export was made for
BAND_BACKGROUND = {"high": "#f5b7b1", "unscreened": "#d5d8dc", "medium": "#fad7a0", "low": "#abebc6"}


@st.cache_resource
def rules() -> Rules:
    return load_rules()


@st.cache_data(max_entries=8, show_spinner=False)
def triage_cached(data: bytes, filename: str, as_of: date) -> TriageResult:
    """Cached in memory on (file bytes, name, date): changing a filter does not re-run the triage."""
    return build_worklist(data, as_of, rules(), filename=filename)


def _style_band(row: pd.Series) -> list[str]:
    colour = BAND_BACKGROUND.get(str(row.get("priority")), "")
    return [f"background-color: {colour}" if c == "priority" else "" for c in row.index]


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
        "Alert: urgent authorisations expiring within (days)", 1, 28, 7, key="alert_days"
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
    expiring = w[w["request_type"].eq("urgent") & w["days_to_deadline"].between(0, alert_days)]

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

    alerts_cols = ["rank", "application_id", "priority", "urgent_expiry", "days_to_deadline", "extension_due"]
    with st.expander(f"Urgent authorisations ending within {alert_days} days ({len(expiring)})"):
        st.dataframe(expiring[alerts_cols], hide_index=True, key="expiring_table")

    worklist_filters(w, bands, summary)

    st.markdown("#### Charts")
    c1, c2 = st.columns(2)
    c1.altair_chart(charts.open_by_band_and_wait(w, bands), width="stretch")
    c2.altair_chart(charts.deadlines_ahead(w, as_of), width="stretch")
    st.altair_chart(charts.band_mix(w, bands), width="stretch")

    equity_tables(summary)

    st.markdown("#### Refused rows")
    if summary.rejected:
        st.dataframe(result.rejects, hide_index=True, key="rejects_table")
    else:
        st.write("None: every row is on the worklist.")

    d = st.columns(3)
    d[0].download_button("Worklist (CSV)", to_csv_bytes(w), "worklist.csv", "text/csv")
    d[1].download_button(
        "Worklist (XLSX)",
        to_xlsx_bytes(w),
        "worklist.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    d[2].download_button("Refused rows (CSV)", to_csv_bytes(result.rejects), "rejects.csv", "text/csv")


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
    st.caption(f"{len(shown)} of {len(w)} applications, in working order")
    st.dataframe(
        shown.style.apply(_style_band, axis=1) if len(shown) <= 5000 else shown,
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
    tabs = st.tabs(["Triage", "About"])
    with tabs[0]:
        triage_tab()
    with tabs[1]:
        about_tab()


main()
