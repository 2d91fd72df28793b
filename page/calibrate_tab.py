"""The Calibrate tab: a history in (uploaded, held in memory only), the fit report, a backtest chart, and
the calibrated scenario carried into the Scenario tab.

Nothing uploaded is written to disk or logged: the bytes live in Streamlit's in-memory cache, keyed by
their content, like the Triage tab's export.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from page.keep import follows, kept_upload, kept_widget, reset
from page.state import SCENARIOS, rules, rules_key
from page.tables import dataframe
from presentation.calibration import (
    backtest_chart,
    backtest_frame,
    backtest_reading,
    fit_frame,
    nothing_misses,
)
from presentation.formats import as_text
from simulation.backtest import Backtest, backtest
from simulation.calibrate import (
    Calibration,
    calibrate_history,
    commented_toml,
    synth_history,
    unknown_reasons_said,
)
from simulation.scenario_file import scenario_from_toml
from triage.errors import DolsSimError
from triage.export import to_csv_bytes
from triage.history import History, read_history
from triage.validate import parse_as_of, today_in_england

#: The synthetic history shown until one is uploaded: the example council's run, ending on this day.
SYNTHETIC_AS_OF = date(2026, 10, 31)
SYNTHETIC_MONTHS = 36
#: The page's backtest: fewer replications than the command line's 30, so it answers in seconds.
PAGE_BACKTEST_REPS = 10
#: Where the Scenario tab finds the calibrated scenario (TOML text).
CALIBRATED_KEY = "calibrated_toml"


@st.cache_data(max_entries=2, show_spinner="Making a synthetic history...")
def synthetic_history(criteria_key: str = "") -> bytes:
    """The example council's 36 months as a history, as CSV bytes in memory."""
    example = scenario_from_toml((SCENARIOS / "example-council.toml").read_text(encoding="utf-8"))
    table, _ = synth_history(example, SYNTHETIC_MONTHS, 1, rules=rules(), as_of=SYNTHETIC_AS_OF)
    return to_csv_bytes(table)


@st.cache_data(max_entries=4, show_spinner="Calibrating (the model runs a few times to match the posts)...")
def calibrate_cached(
    data: bytes, filename: str, as_of: date, template: str, criteria_key: str
) -> tuple[History, Calibration]:
    """Cached in memory on (file bytes, name, date, template): changing a backtest date does not refit."""
    history = read_history(data, as_of, rules(), filename=filename)
    base = scenario_from_toml((SCENARIOS / template).read_text(encoding="utf-8"))
    return history, calibrate_history(history, template=base, rules=rules())


@st.cache_data(max_entries=4, show_spinner="Backtesting...")
def backtest_cached(
    toml_text: str,
    data: bytes,
    filename: str,
    as_of: date,
    start: date,
    end: date,
    criteria_key: str,
    _history: History,
) -> Backtest:
    return backtest(
        scenario_from_toml(toml_text), _history, start, end, reps=PAGE_BACKTEST_REPS, rules=rules()
    )


def add_months(day: date, months: int) -> date:
    """The first of the month ``months`` after ``day``'s month."""
    y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(y, m + 1, 1)


def _source() -> tuple[bytes, str, date, str]:
    """The history (bytes, name), the as-of date it defaults to, and its identity."""
    upload = kept_upload(
        "History of past requests (CSV or XLSX: the triage columns plus the date completed "
        "(`completed_date`) and the outcome (`outcome`)); "
        "processed in memory only, never saved",
        "cal_upload",
        ["csv", "xlsx"],
    )
    if upload is None:
        st.caption(
            f"Showing a synthetic history: the example council's {SYNTHETIC_MONTHS} months to "
            f"{SYNTHETIC_AS_OF.isoformat()} (no real person's data), as of its own date; upload your own "
            "above (read as of today)."
        )
        return synthetic_history(rules_key()), "synthetic-history.csv", SYNTHETIC_AS_OF, "synthetic"
    return upload.data, upload.name, today_in_england(), upload.identity


def calibrate_tab() -> None:
    st.subheader("Calibrate: your council from its history")
    data, name, default_as_of, identity = _source()
    if follows("cal_as_of", identity):  # a new history is read as of its own default day
        reset("cal_as_of", default_as_of.isoformat())
    c1, c2 = st.columns(2)
    typed = kept_widget(
        c1.text_input,
        "As of",
        "cal_as_of",
        default_as_of.isoformat(),
        help="The day the history was exported (YYYY-MM-DD or DD/MM/YYYY; press Enter).",
    )
    templates = sorted(p.name for p in SCENARIOS.iterdir() if p.name.endswith(".toml"))
    template = kept_widget(
        c2.selectbox,
        "Template (what a history cannot say: hours, caseloads, policy, costs)",
        "cal_template",
        "example-council.toml",
        options=templates,
    )
    try:
        as_of = parse_as_of(typed)
        history, cal = calibrate_cached(data, name, as_of, template, rules_key())
    except DolsSimError as exc:
        st.error(f"This history cannot be calibrated: {as_text(exc)}")
        return
    st.write(
        f"{cal.rows_in:,} rows in, {cal.rows_used:,} used, {len(cal.rejects):,} refused; window "
        f"{cal.window_start.isoformat()} to {cal.as_of.isoformat()}. Intervals hold together with 95% "
        "confidence; a figure with too little data is not fitted and the template's value is kept."
    )
    dataframe(st, fit_frame(cal.estimates), hide_index=True, width="stretch")
    if said := unknown_reasons_said(cal):
        spellings = ", ".join(f"'{k}' ({v:,})" for k, v in sorted(cal.unknown_closure_reasons.items()))
        st.warning(f"{said}: {as_text(spellings)}.")  # the history's own spellings, as text
    for line in cal.checks:
        st.caption(f"Check: {line}")
    text = commented_toml(cal)
    c = st.columns(3)
    c[0].download_button(
        "Download the calibrated scenario (TOML)", text, "my-council.toml", key="cal_download"
    )
    if len(cal.rejects):
        c[1].download_button(
            "Download refused rows (CSV)", to_csv_bytes(cal.rejects), "rejects.csv", key="cal_rej"
        )
    if c[2].button("Use this scenario in the Scenario tab", key="cal_use"):
        st.session_state[CALIBRATED_KEY] = text
        st.success("Done: on the Scenario tab, choose 'The calibrated scenario (Calibrate tab)'.")

    st.markdown("#### Backtest: the calibrated scenario against the history")
    last = date(cal.as_of.year, cal.as_of.month, 1)
    if (cal.as_of + timedelta(days=1)).day == 1:
        last = add_months(last, 1)
    if follows("cal_bt", f"{identity}:{cal.as_of}"):  # the backtest's window follows the history's end
        reset("cal_bt_from", add_months(last, -12))
        reset("cal_bt_to", last - timedelta(days=1))
    b1, b2 = st.columns(2)
    start = kept_widget(b1.date_input, "From (a month's first day)", "cal_bt_from", add_months(last, -12))
    end = kept_widget(b2.date_input, "To", "cal_bt_to", last - timedelta(days=1))
    if st.button(f"Run the backtest ({PAGE_BACKTEST_REPS} replications)", key="cal_bt_run"):
        try:
            result = backtest_cached(text, data, name, as_of, start, end, rules_key(), history)
        except DolsSimError as exc:
            st.error(f"The backtest cannot run: {as_text(exc)}")
            return
        dataframe(st, backtest_frame(result), hide_index=True, width="stretch")
        reading = backtest_reading(result)  # which fitted figure each miss points to
        for sentence in reading:
            st.warning(sentence)
        if not reading:
            st.success(nothing_misses())
        st.altair_chart(backtest_chart(result.table, width=220, height=140), width="content")
