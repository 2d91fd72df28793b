"""The Triage tab: today's worklist from an export, with alerts, charts, equity tables and downloads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from page.keep import follows, kept_upload, kept_widget, reset
from page.mapping_step import mapping_step
from page.state import (
    CRITERIA_KEY,
    EXAMPLE,
    EXAMPLE_AS_OF,
    read_cached,
    register_cached,
    rules,
    rules_for,
    rules_key,
    triage_cached,
    worklist_fingerprint,
)
from page.tables import dataframe, table
from presentation import charts
from presentation.formats import as_text, dates_as_text, number, plural, reading
from presentation.labels import plain
from triage.alerts import without_authority
from triage.errors import DolsSimError
from triage.export import to_csv_bytes, to_xlsx_bytes
from triage.in_hand import IN_HAND_COLUMNS, caseload
from triage.mapping import ExportMapping, default_mapping, mapping_from_text
from triage.register import REGISTER_ALERT_LABELS, RegisterResult
from triage.rulebook import Rules
from triage.summary import COLUMN_LABELS, TriageSummary, nothing_accepted, summarise, urgent_expiring_within
from triage.validate import parse_as_of, today_in_england
from triage.vocabulary import REVIEW
from triage.worklist import TriageResult

#: Columns of the on-screen worklist: what a lead decides from. Every column is in the downloads.
SHOWN_COLUMNS = [
    "rank", "application_id", "priority", "reasons", "missing_information", "statutory_deadline",
    "days_waiting", "days_to_deadline", "breached", "authority", "without_authority_since",
    "last_lawful_day", "urgent_expiry", "extension_due", "worklist_group", "alerts", "received_date",
    "setting", "request_type", "already_deprived", "primary_support_reason", "data_warnings",
]  # fmt: skip
#: The review requests' table (Part 8: no statutory period, so no deadline to show).
REVIEW_COLUMNS = ["rank", "application_id", "priority", "authorisation_expiry", "authority"]
#: The "decide now" list: the law's last day for the decision.
DUE_COLUMNS = [
    "rank", "application_id", "priority", "request_type", "received_date", "statutory_deadline",
    "last_lawful_day", "urgent_final_day",
]  # fmt: skip
DATE_COLUMN = st.column_config.DateColumn(format="YYYY-MM-DD")
EXPORT_LABEL = (
    "Open applications export (CSV, tab-separated text or XLSX); processed in memory only, never saved"
)
CRITERIA_LABEL = (
    "Screening criteria (TOML, optional): your council's own, as dols-sim triage --criteria takes; "
    "the shipped ADASS-style ones if none"
)
MAPPING_LABEL = "Column mapping (TOML, optional): one this page downloaded, or your own"
REGISTER_LABEL = (
    "Register of authorisations in force (CSV, tab-separated text or XLSX, optional): joined with the "
    "export by person reference (`person_id`); processed in memory only, never saved"
)


def _on_screen(w: pd.DataFrame, all_bands: list[str]) -> pd.DataFrame:
    """The decision columns, with a coloured square beside the band (an image: it draws in any browser,
    and is cheaper than styling every cell, so the table reaches the browser sooner)."""
    out = w[SHOWN_COLUMNS].copy()
    swatches = {b: charts.band_swatch(c) for b, c in charts.band_colours(all_bands).items()}
    out.insert(1, "band colour", out["priority"].map(swatches).fillna(""))
    return out


@dataclass(frozen=True)
class Source:
    """The export being triaged: its bytes, its name, the as-of date it defaults to and its identity
    (the as-of date and the header row are reset when it changes)."""

    data: bytes
    name: str
    default_as_of: date
    identity: str


def _source() -> Source:
    upload = kept_upload(EXPORT_LABEL, "upload", ["csv", "txt", "tsv", "xlsx"])
    if upload is None:
        st.caption(
            f"Showing the shipped synthetic example ({EXAMPLE.name}), as of its own date "
            f"{EXAMPLE_AS_OF.isoformat()}; upload your own export above (read as of today)."
        )
        return Source(EXAMPLE.read_bytes(), EXAMPLE.name, EXAMPLE_AS_OF, "example")
    return Source(upload.data, upload.name, today_in_england(), upload.identity)


def _mapping() -> tuple[ExportMapping, str]:
    """The shipped mapping, with the user's own mapping file (if uploaded) on top; and that file's text."""
    upload = kept_upload(MAPPING_LABEL, "mapping_upload", ["toml"])
    if upload is None:
        return default_mapping(), ""
    text = upload.data.decode("utf-8-sig", errors="replace")
    try:
        return mapping_from_text(text, upload.name, rules().criteria.inputs.flags), text
    except DolsSimError as exc:
        st.error(f"The mapping file cannot be used (the shipped mapping is used instead): {as_text(exc)}")
        return default_mapping(), ""


def _criteria() -> None:
    """The council's own screening criteria, if uploaded: held in the session (memory only) for every
    tab's rules; a file that cannot be used is said, and the shipped criteria stay in use."""
    upload = kept_upload(CRITERIA_LABEL, "criteria_upload", ["toml"])
    if upload is None:
        st.session_state.pop(CRITERIA_KEY, None)
        return
    held = (upload.name, upload.data.decode("utf-8-sig", errors="replace"))
    try:
        own = rules_for(held[1], held[0])
    except DolsSimError as exc:
        st.session_state.pop(CRITERIA_KEY, None)
        st.error(
            f"The screening criteria cannot be used (the shipped criteria are used instead): {as_text(exc)}"
        )
        return
    st.session_state[CRITERIA_KEY] = held
    st.caption(f"Screening with {as_text(upload.name)}: {criteria_said(own)}.")


def criteria_said(own: Rules) -> str:
    """The council's criteria in a line: its bands, highest first, and how many criteria each has."""
    c = own.criteria
    counts = [(band, sum(1 for r in c.criterion if r.band == band)) for band in c.bands]
    return "bands " + ", ".join(f"{band} ({n} {'criterion' if n == 1 else 'criteria'})" for band, n in counts)


def triage_tab() -> None:
    st.subheader("Today's worklist")
    u1, u2 = st.columns([3, 2])  # side by side: the worklist starts higher on the screen
    with u1:
        source = _source()
    with u2:
        _criteria()  # first: the mapping's flags come from the criteria in use
        base, mapping_text = _mapping()
    register_upload = kept_upload(REGISTER_LABEL, "register_upload", ["csv", "txt", "tsv", "xlsx"])
    if follows("as_of", source.identity):  # a new export is read as of its own default day
        reset("as_of", source.default_as_of.isoformat())
        reset("header_row", 0)
    data, name = source.data, source.name
    c1, c2, c3 = st.columns([2, 2, 1])
    # A text field, not a date picker: it takes effect on Enter (a picker only on leaving the field).
    typed = kept_widget(
        c1.text_input,
        "As of",
        "as_of",
        source.default_as_of.isoformat(),
        placeholder="YYYY-MM-DD or DD/MM/YYYY",
        help="The day the worklist is for (YYYY-MM-DD or DD/MM/YYYY; press Enter): deadlines, waits "
        "and alerts are counted to this day. An upload is read as of today in England.",
    )
    alert_days = int(
        kept_widget(
            c2.number_input,
            "Alert: urgent authorisations expiring within (days)",
            "alert_days",
            rules().timescales.alerts.urgent_expiring_within_days,
            min_value=1,
            max_value=28,
            help="Urgent authorisations still in force that end within this many days are listed below.",
        )
    )
    header_row = int(
        kept_widget(
            c3.number_input,
            "Header on row (0: find it)",
            "header_row",
            0,
            min_value=0,
            max_value=1000,
            help="The row of the file that holds the column names. 0 finds it: title and blank rows "
            "above it (usual in report exports) are skipped.",
        )
    )
    try:
        as_of = parse_as_of(typed)
    except DolsSimError as exc:
        st.error(f"As of {as_text(exc)}")
        return
    try:
        raw = read_cached(data, name, header_row or None)
    except DolsSimError as exc:
        st.error(f"This file cannot be used: {as_text(exc)}")
        return
    export = mapping_step(raw, base, rules(), as_of)
    if export is None:
        return
    columns = tuple(sorted(export.columns.used.items()))
    result = triage_cached(data, name, as_of, columns, mapping_text, rules_key(), export)
    all_bands = rules().criteria.all_bands
    register = None
    if register_upload is not None:
        try:
            register = register_cached(
                register_upload.data,
                register_upload.name,
                as_of,
                worklist_fingerprint(result.open_requests),
                mapping_text,
                rules_key(),
                result.open_requests,
                base,
            )
        except DolsSimError as exc:
            st.error(f"The register cannot be used: {as_text(exc)}")
    summary = summarise(result, all_bands, register)
    if not summary.accepted and not summary.in_hand:
        st.error(as_text(nothing_on_the_worklist(summary, name)))
        st.caption(rows_accounted(summary))
        outside_the_dols(result)
        if summary.rejected:
            dataframe(st, result.rejects, hide_index=True, key="rejects_table")
        return
    # Work in hand is open too: a simulation starts from every open request, and every alert covers it.
    st.session_state["worklist"] = result.open_requests
    st.session_state["worklist_as_of"] = as_of
    w = result.worklist
    open_requests = result.open_requests
    expiring = urgent_expiring_within(open_requests, alert_days)

    st.caption(as_text(reading(summary)))
    st.caption(rows_accounted(summary))
    m = st.columns(6)
    m[0].metric(
        "On the worklist",
        number(summary.accepted, 0),
        help="Awaiting allocation, ranked. Work in hand is listed apart"
        + (f" ({summary.in_hand:,} requests)." if summary.in_hand else "."),
    )
    m[1].metric("Outside the DoLS (under 18)", number(summary.outside_scope, 0))
    m[2].metric("Refused rows", number(summary.rejected, 0))
    m[3].metric("Past statutory deadline", number(summary.breached, 0))
    m[4].metric(f"Urgent expiring ≤ {plural(alert_days, 'day')}", number(len(expiring), 0))
    m[5].metric("Extension decisions due", number(summary.extension_due, 0))
    alert_metrics(summary)
    decisions_due_metrics(summary)
    if summary.breached:
        st.error(f"Past the statutory deadline: {plural(summary.breached, 'application')}.")
    without_authority_message(summary)
    decisions_due_message(summary)
    if len(expiring):
        st.warning(f"Urgent authorisations ending within {plural(alert_days, 'day')}: {len(expiring):,}.")
    if summary.outside_scope:
        st.info(
            f"Outside the DoLS (under 18): {plural(summary.outside_scope, 'row')}, not on the worklist "
            "(see 'Outside the DoLS' below for the route for each)."
        )
    if summary.rejected:
        st.info(f"Refused: {plural(summary.rejected, 'row')} (see 'Refused rows' below for why).")
    if summary.in_hand:
        stages = ", ".join(f"{label} {n:,}" for label, n in summary.in_hand_by_stage.items())
        st.info(
            f"Work in hand: {plural(summary.in_hand, 'request')} ({stages}), not ranked for allocation but "
            "in every count above (see 'Work in hand' below, with each assessor's caseload)."
        )
    screening_and_column_warnings(summary)

    st.markdown("#### Next 10 to work")
    top = w.head(10)[
        [
            "rank",
            "application_id",
            "priority",
            "worklist_group",
            "statutory_deadline",
            "days_to_deadline",
            "authority",
            "reasons",
        ]
    ]
    table(st, dates_as_text(top).set_index("rank"))

    st.markdown("#### Charts")
    c1, c2 = st.columns(2)
    c1.altair_chart(charts.open_by_band_and_wait(open_requests, all_bands), width="stretch")
    c2.altair_chart(charts.deadlines_ahead(open_requests, as_of, all_bands), width="stretch")
    st.altair_chart(charts.band_mix(open_requests, all_bands), width="stretch")

    alerts_cols = [
        "rank", "application_id", "priority", "urgent_expiry", "days_to_deadline", "extension_due",
        "urgent_final_day",
    ]  # fmt: skip
    with st.expander(f"Urgent authorisations ending within {plural(alert_days, 'day')} ({len(expiring):,})"):
        dataframe(
            st,
            expiring[alerts_cols],
            hide_index=True,
            key="expiring_table",
            column_config={"urgent_expiry": DATE_COLUMN},
        )

    alert_lists(open_requests, as_of)
    review_requests(open_requests)
    worklist_filters(w, all_bands)
    work_in_hand(result)
    if register is not None:
        authorisations_register(register, summary)
    equity_tables(summary)
    outside_the_dols(result)

    st.markdown("#### Refused rows")
    if summary.rejected:
        dataframe(st, result.rejects, hide_index=True, key="rejects_table")
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


def worklist_filters(w: pd.DataFrame, all_bands: list[str]) -> None:
    st.markdown("#### Worklist")
    f = st.columns(4)
    band = f[0].multiselect("Band", all_bands, key="band_filter")
    setting = f[1].multiselect(
        "Setting", sorted(w["setting"].unique()), key="setting_filter", format_func=plain
    )
    reason = f[2].multiselect(
        "Support reason", sorted(w["primary_support_reason"].unique()), key="reason_filter", format_func=plain
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
        f"{number(len(shown), 0)} of {plural(len(w), 'application')}, in working order "
        "(the downloads below have every column)"
    )
    dataframe(
        st,
        _on_screen(shown, all_bands),
        hide_index=True,
        key="worklist_table",
        column_config={
            "band colour": st.column_config.ImageColumn("band colour", width="small"),
            "statutory_deadline": DATE_COLUMN,
            "without_authority_since": DATE_COLUMN,
            "urgent_expiry": DATE_COLUMN,
            "received_date": DATE_COLUMN,
        },
    )


def equity_tables(summary: TriageSummary) -> None:
    st.markdown("#### Who waits: by support reason and setting")
    st.caption(
        "The CQC worries that people with dementia or a learning disability wait disproportionately "
        "long in the lower band: compare median and longest waits here."
    )
    c1, c2 = st.columns(2)
    dataframe(
        c1, summary.by_support_reason.rename(columns=COLUMN_LABELS), hide_index=True, key="equity_reason"
    )
    dataframe(c2, summary.by_setting.rename(columns=COLUMN_LABELS), hide_index=True, key="equity_setting")
    dataframe(st, summary.by_band.rename(columns=COLUMN_LABELS), hide_index=True, key="by_band")


def alert_metrics(summary: TriageSummary) -> None:
    """Who is deprived of liberty without authority and whose standing authorisation is about to end:
    whatever the worklist's order, never out of sight."""
    a = summary.alerts
    window = rules().timescales.alerts.renewal_authorisation_ending_within_days
    m = st.columns(5)
    m[0].metric(
        "Deprived of liberty without authority",
        number(summary.without_authority_total, 0),
        help="Requests without authority"
        + (
            f", and {summary.register_counts['ended_no_request']:,} authorisations of the register that "
            "ended with no further request"
            if summary.register_counts
            else ""
        )
        + ".",
    )
    m[1].metric("of which standard request, already deprived", number(a.without_authority_standard, 0))
    m[2].metric("of which urgent authorisation ended", number(a.without_authority_urgent, 0))
    m[3].metric("of which standing authorisation ended", number(a.without_authority_renewal, 0))
    m[4].metric(
        f"Standing authorisation ends ≤ {plural(window, 'day')}", number(a.authorisation_ending_soon, 0)
    )


def decisions_due_metrics(summary: TriageSummary) -> None:
    """Decisions that cannot wait for the worklist's order: the law's last day, and IMCAs to instruct."""
    a = summary.alerts
    m = st.columns(4)
    m[0].metric("Last lawful day today", number(a.last_lawful_day_today, 0))
    m[1].metric("Last lawful day tomorrow", number(a.last_lawful_day_tomorrow, 0))
    m[2].metric("Urgent on its final day (already extended)", number(a.urgent_final_day, 0))
    m[3].metric("IMCA to instruct (s39A)", number(a.imca_to_instruct, 0))


def without_authority_split(summary: TriageSummary) -> str:
    """The without-authority count in words: each kind, and how many rest on the setting's default."""
    a = summary.alerts
    standard = (
        f"standard requests for people already deprived of liberty: {number(a.without_authority_standard, 0)}"
    )
    if a.without_authority_standard:
        standard += (
            f", of which {number(a.without_authority_assumed, 0)} on the setting's default (the export "
            "does not say)"
        )
    return (
        f"{standard}; urgent authorisation ended: {number(a.without_authority_urgent, 0)}; standing "
        f"authorisation ended: {number(a.without_authority_renewal, 0)}"
    )


def without_authority_message(summary: TriageSummary) -> None:
    a = summary.alerts
    if a.without_authority:
        st.error(
            f"Deprived of liberty without authority: {plural(a.without_authority, 'person', 'people')} "
            f"({without_authority_split(summary)}). A request gives no authority: only an urgent or a "
            "standard authorisation does."
        )
    if a.ended_before_request:
        st.warning(
            f"The authorisation had already ended when the request arrived: "
            f"{plural(a.ended_before_request, 'application')}."
        )


def decisions_due_message(summary: TriageSummary) -> None:
    a = summary.alerts
    due = [
        (a.last_lawful_day_today, "last lawful day today (21 days from receipt)"),
        (a.last_lawful_day_tomorrow, "last lawful day tomorrow"),
        (a.urgent_final_day, "urgent authorisation on its final day, already extended (no second extension)"),
    ]
    said = [f"{what}: {number(n, 0)}" for n, what in due if n]
    if said:
        st.warning("Decide now: " + "; ".join(said) + ".")
    if a.imca_to_instruct:
        st.warning(
            f"Instruct an IMCA (s39A): {plural(a.imca_to_instruct, 'person', 'people')} with no one "
            "appropriate to consult but paid carers."
        )


def rows_accounted(summary: TriageSummary) -> str:
    """Every row of the file is somewhere: on the worklist, in hand, outside the DoLS, or refused."""
    in_hand = f" + {number(summary.in_hand, 0)} in hand" if summary.in_hand else ""
    return (
        f"{number(summary.accepted, 0)} on the worklist{in_hand} + {number(summary.outside_scope, 0)} "
        f"outside the DoLS (under 18) + {number(summary.rejected, 0)} refused = "
        f"{plural(summary.rows_in, 'row')} in"
    )


def nothing_on_the_worklist(summary: TriageSummary, name: str) -> str:
    if not summary.outside_scope:
        return nothing_accepted(summary, name) + " (see why below)"
    return (
        f"{name}: no row is on the worklist: {plural(summary.outside_scope, 'row')} outside the DoLS "
        f"(under 18), {plural(summary.rejected, 'row')} refused (see below)"
    )


def authorisations_register(register: RegisterResult, summary: TriageSummary) -> None:
    """The register of authorisations in force: its alerts counted, the table, its rejects, downloads."""
    st.markdown(f"#### Register of authorisations in force: {len(register.register):,}")
    st.caption(
        f"{number(len(register.register), 0)} in the register + {number(len(register.rejects), 0)} refused = "
        f"{plural(register.rows_in, 'row')} in. Joined with the open requests by person reference "
        "(`person_id`): an "
        "authorisation with a further request received is the request's to count."
    )
    counts = list(summary.register_counts.items())
    for start in range(0, len(counts), 4):
        m = st.columns(4)
        for col, (key, value) in zip(m, counts[start : start + 4], strict=False):
            col.metric(REGISTER_ALERT_LABELS[key], number(value, 0))
    if summary.unmatched_further_requests:
        st.warning(
            f"{plural(summary.unmatched_further_requests, 'renewal or review')} on the worklist with a "
            "person reference in no authorisation of the register."
        )
    alerted = register.register[register.register["alerts"].ne("")]
    dataframe(st, dates_as_text(alerted), hide_index=True, key="register_table")
    if len(register.rejects):
        st.markdown("##### Refused register rows")
        dataframe(st, register.rejects, hide_index=True, key="register_rejects_table")
    d = st.columns(2)
    d[0].download_button(
        "Register with alerts (CSV)",
        partial(to_csv_bytes, register.register),
        "register.csv",
        "text/csv",
        key="register_download",
    )
    d[1].download_button(
        "Refused register rows (CSV)",
        partial(to_csv_bytes, register.rejects),
        "register_rejects.csv",
        "text/csv",
        key="register_rejects_download",
    )


def work_in_hand(result: TriageResult) -> None:
    """Requests already with an assessor or awaiting sign-off: their own table and each caseload."""
    held = result.in_hand
    st.markdown(f"#### Work in hand: {len(held):,}")
    if not len(held):
        st.caption(
            "None: every open request awaits allocation (an export with a status column, e.g. 'Case "
            "Status', and 'Allocated To' shows the requests already with an assessor here)."
        )
        return
    st.caption(
        "With a best interests assessor, a mental health assessor or awaiting sign-off: not ranked for "
        "allocation, on the same statutory clock. Days in stage count from the status date."
    )
    dataframe(st, dates_as_text(held[IN_HAND_COLUMNS]), hide_index=True, key="in_hand_table")
    st.markdown("##### Caseload by assessor")
    dataframe(st, caseload(held), hide_index=True, key="caseload_table")
    d = st.columns(2)
    d[0].download_button(
        "Work in hand (CSV)", partial(to_csv_bytes, held), "in_hand.csv", "text/csv", key="in_hand_download"
    )
    d[1].download_button(
        "Caseload (CSV)",
        partial(to_csv_bytes, caseload(held)),
        "caseload.csv",
        "text/csv",
        key="caseload_download",
    )


def outside_the_dols(result: TriageResult) -> None:
    """People under 18: the DoLS do not cover them, but each request still needs an answer."""
    outside = result.outside_scope
    if not len(outside):
        return
    st.markdown(f"#### Outside the DoLS (under 18): {len(outside):,}")
    st.caption(
        "The DoLS cover adults (18 and over). The route column says who can authorise the deprivation "
        "of liberty instead; each request still needs an answer. Not on the worklist, not refused."
    )
    dataframe(st, outside, hide_index=True, key="outside_scope_table")
    st.download_button(
        "Outside the DoLS (CSV)",
        partial(to_csv_bytes, outside),
        "outside_the_dols.csv",
        "text/csv",
        key="outside_scope_download",
    )


def review_requests(w: pd.DataFrame) -> None:
    """Part 8 reviews: no statutory period, so they are listed apart from the deadlines."""
    reviews = w[w["request_type"].eq(REVIEW)]
    st.markdown(f"#### Review requests (Part 8): {len(reviews):,}")
    if not len(reviews):
        st.caption("None: no review requests on the worklist.")
        return
    st.caption(
        "A review (Schedule A1 Part 8) has no statutory period: no deadline is counted. The standing "
        "authorisation stays in force until it ends."
    )
    dataframe(
        st,
        reviews[REVIEW_COLUMNS],
        hide_index=True,
        key="reviews_table",
        column_config={"authorisation_expiry": DATE_COLUMN},
    )


def screening_and_column_warnings(summary: TriageSummary) -> None:
    """Missing screening answers are never silent: which questions have no column, and what it costs."""
    if summary.absent_screening_columns:
        st.warning(
            f"No column for screening question(s) {', '.join(summary.absent_screening_columns)}: "
            f"{plural(summary.unscreened_for_absent_columns, 'row')} unscreened for want of them. If the "
            "export has them under other names, choose them in the mapping step above."
        )
    for warning in summary.column_warnings:
        st.warning(as_text(warning[0].upper() + warning[1:]))
    if summary.not_applicable_answers:
        st.info(
            f"Screening answers given as N/A: {number(summary.not_applicable_answers, 0)}, read as not known "
            "(never as 'no'): those forms need a follow-up."
        )


def alert_lists(w: pd.DataFrame, as_of: date) -> None:
    """The people behind the alert counts (below the charts, so the counts and charts draw first)."""
    window = rules().timescales.alerts.renewal_authorisation_ending_within_days
    gone = without_authority_listing(w, as_of)
    with st.expander(f"Deprived of liberty without authority since ... ({len(gone):,})"):
        dataframe(
            st,
            gone,
            hide_index=True,
            key="without_authority_table",
            column_config={"without_authority_since": DATE_COLUMN},
        )
    due = w[w["last_lawful_day"].ne("") | w["urgent_final_day"]]
    with st.expander(f"Last lawful day today or tomorrow, or urgent on its final day ({len(due):,})"):
        dataframe(
            st,
            due[DUE_COLUMNS],
            hide_index=True,
            key="decide_now_table",
            column_config={"statutory_deadline": DATE_COLUMN, "received_date": DATE_COLUMN},
        )
    imca = w[w["imca_to_instruct"]]
    with st.expander(f"IMCA to instruct (s39A) ({len(imca):,})"):
        dataframe(
            st,
            imca[["rank", "application_id", "priority", "request_type", "received_date"]],
            hide_index=True,
            key="imca_table",
            column_config={"received_date": DATE_COLUMN},
        )
    ending = w[w["authorisation_ending_soon"]]
    with st.expander(f"Standing authorisations ending within {plural(window, 'day')} ({len(ending):,})"):
        dataframe(
            st,
            ending[["rank", "application_id", "priority", "authorisation_expiry", "days_to_deadline"]],
            hide_index=True,
            key="authorisation_ending_table",
            column_config={"authorisation_expiry": DATE_COLUMN},
        )


def without_authority_listing(w: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The library's list (longest first), with whether "already deprived" rests on the setting's
    default and whether the authorisation had ended before the request arrived."""
    gone = without_authority(w, as_of)
    extra = w[["application_id", "already_deprived_assumed", "authority_ended_before_request"]]
    return gone.merge(extra, on="application_id", how="left", validate="one_to_one")
