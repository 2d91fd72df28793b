"""The web page under Streamlit's AppTest: the numbers shown equal the library's own for the same inputs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from page.options_tab import LABELS
from presentation.charts import band_colours, band_swatch
from presentation.tables import comparison_table, kpi_table, waits_table
from simulation.compare import paired_comparison
from simulation.experiment import Results, run_replications
from simulation.metrics import headline_kpis, kpi_info
from simulation.scenario_file import load_scenario, with_overrides
from triage.errors import DolsSimError
from triage.rulebook import load_criteria
from triage.summary import summarise
from triage.worklist import build_worklist

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "open_applications.csv"


@pytest.fixture
def page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def open_tab(at: AppTest, name: str) -> AppTest:
    """Tabs are lazy (only the open one runs): open one as a click would."""
    at.session_state["tab"] = name
    at.run()
    assert not at.exception, at.exception
    return at


def frame(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first dataframe shown that has these columns (AppTest does not index dataframes by key)."""
    for d in at.dataframe:
        if set(columns) <= set(d.value.columns):
            return d.value
    raise AssertionError(f"no dataframe with columns {columns}")


def metric(at: AppTest, label_start: str) -> str:
    for m in at.metric:
        if m.label.startswith(label_start):
            return str(m.value)
    raise AssertionError(f"no metric {label_start!r}: {[m.label for m in at.metric]}")


@pytest.mark.parametrize("as_of", [date(2026, 11, 23), date(2027, 1, 10)])
def test_triage_numbers_match_the_library(page: AppTest, as_of: date) -> None:
    page.text_input(key="as_of").set_value(as_of.isoformat()).run()
    result = build_worklist(EXAMPLE, as_of)
    s = summarise(result)
    assert metric(page, "On the worklist") == f"{s.accepted:,}"
    assert metric(page, "Refused rows") == f"{s.rejected:,}"
    assert metric(page, "Past statutory deadline") == f"{s.breached:,}"
    assert metric(page, "Extension decisions due") == f"{s.extension_due:,}"
    assert metric(page, "Outside the DoLS (under 18)") == f"{s.outside_scope:,}"
    accounted = f"{s.accepted:,} on the worklist + {s.outside_scope:,} outside the DoLS (under 18) + "
    assert f"{accounted}{s.rejected:,} refused = {s.rows_in:,} rows in" in captions(page)
    assert result.rows_accounted == result.rows_in
    shown = frame(page, "reasons", "data_warnings")
    assert list(shown["application_id"]) == list(result.worklist["application_id"])
    top = page.table[0].value
    assert list(top["application ID"]) == list(result.worklist["application_id"][:10])  # in plain words


def test_alert_counts_match_the_library(page: AppTest) -> None:
    """Issue 11: people without authority and standing authorisations about to end are counted on the
    page as in the library, and listed (longest first)."""
    result = build_worklist(EXAMPLE, date(2026, 11, 23))
    a = summarise(result).alerts
    assert metric(page, "Deprived of liberty without authority") == f"{a.without_authority:,}" != "0"
    assert metric(page, "of which standard request") == f"{a.without_authority_standard:,}"
    assert metric(page, "of which urgent authorisation ended") == f"{a.without_authority_urgent:,}"
    assert metric(page, "of which standing authorisation ended") == f"{a.without_authority_renewal:,}"
    parts = ("of which standard request", "of which urgent", "of which standing")
    assert sum(int(metric(page, p).replace(",", "")) for p in parts) == a.without_authority
    assert metric(page, "Standing authorisation ends ≤ 7 days") == f"{a.authorisation_ending_soon:,}"
    assert metric(page, "Last lawful day today") == f"{a.last_lawful_day_today:,}"
    assert metric(page, "Last lawful day tomorrow") == f"{a.last_lawful_day_tomorrow:,}"
    assert metric(page, "Urgent on its final day") == f"{a.urgent_final_day:,}"
    assert metric(page, "IMCA to instruct (s39A)") == f"{a.imca_to_instruct:,}"
    # the split in words, the setting's default included
    (said,) = [e.value for e in page.error if e.value.startswith("Deprived of liberty without authority")]
    assert f"already deprived of liberty: {a.without_authority_standard:,}" in said
    assert f"of which {a.without_authority_assumed:,} on the setting's default" in said
    assert f"urgent authorisation ended: {a.without_authority_urgent:,}" in said
    listed = frame(page, "without_authority_since", "days_without_authority")
    assert len(listed) == a.without_authority and listed["without_authority_since"].is_monotonic_increasing
    # the export's columns were all recognised: the mapping step is folded and says what it read
    (read,) = [m.value for m in page.markdown if m.value.startswith("Read: ")]
    assert all(f"`{c}`" in read for c in ("application_id", "received_date", "setting", "request_type"))


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def test_outside_the_dols_and_reviews_are_listed_apart(page: AppTest) -> None:
    """Under-18s are neither on the worklist nor refused: listed apart, with the route; a Part 8
    review is listed in its own section; every row of the upload is accounted for."""
    from tests.conftest import csv_bytes, make_rows

    data = csv_bytes(
        make_rows(
            {"age": "84"},
            {"age": "16"},
            {"age": "12"},
            {"request_type": "review", "current_authorisation_expiry": "2027-01-31"},
            {"age": "eighty"},
        )
    )
    page.file_uploader(key="upload").set_value(("small.csv", data, "text/csv")).run()
    page.text_input(key="as_of").set_value("2026-11-23").run()
    assert not page.exception, page.exception
    result = build_worklist(data, date(2026, 11, 23), filename="small.csv")
    assert (len(result.worklist), len(result.outside_scope), len(result.rejects)) == (2, 2, 1)

    outside = frame(page, "route", "age")
    assert list(outside["application_id"]) == ["A2", "A3"] == list(result.outside_scope["application_id"])
    routes = dict(zip(outside["application_id"], outside["route"], strict=True))
    assert routes["A2"].startswith("Court of Protection") and routes["A3"].startswith("High Court")
    assert metric(page, "Outside the DoLS (under 18)") == "2"
    labels = [b.proto.label for b in page.get("download_button")]
    assert "Outside the DoLS (CSV)" in labels
    assert "2 on the worklist + 2 outside the DoLS (under 18) + 1 refused = 5 rows in" in captions(page)
    assert result.rows_accounted == result.rows_in == 5

    (reviews,) = [
        d.value for d in page.dataframe if "authority" in d.value and "authorisation_expiry" in d.value
    ]
    assert list(reviews["application_id"]) == ["A4"]
    assert reviews["authorisation_expiry"].iloc[0] == pd.Timestamp("2027-01-31")
    assert not any(c.startswith("None: no review requests") for c in captions(page))


def test_work_in_hand_and_caseloads_are_shown_apart_from_the_ranking(page: AppTest) -> None:
    """Issue 20: a request already with an assessor is not ranked for allocation; it has its own table,
    each assessor's caseload, and downloads; the counts above cover it; every row is accounted for."""
    from tests.conftest import csv_bytes, make_rows

    data = csv_bytes(
        make_rows(
            {},
            {"status": "Allocated to BIA", "status_date": "2026-11-10", "assessor": "Sam"},
            {"status": "Awaiting Sign Off", "status_date": "2026-11-20", "assessor": "Sam"},
            {"status": "With MHA", "status_date": "2026-11-19", "assessor": "Ali"},
        )
    )
    page.file_uploader(key="upload").set_value(("in_hand.csv", data, "text/csv")).run()
    page.text_input(key="as_of").set_value("2026-11-23").run()
    assert not page.exception, page.exception
    result = build_worklist(data, date(2026, 11, 23), filename="in_hand.csv")
    held = frame(page, "stage", "days_in_stage")
    assert list(held["application_id"]) == ["A2", "A4", "A3"] == list(result.in_hand["application_id"])
    assert list(held["days_in_stage"]) == [13, 4, 3]
    load = frame(page, "assessor", "cases")
    assert dict(zip(load["assessor"], load["cases"], strict=True)) == {"Sam": 2, "Ali": 1}
    assert metric(page, "On the worklist") == "1"
    assert metric(page, "Past statutory deadline") == f"{summarise(result).breached:,}" == "4"
    labels = [b.proto.label for b in page.get("download_button")]
    assert {"Work in hand (CSV)", "Caseload (CSV)"} <= set(labels)
    assert (
        "1 on the worklist + 3 in hand + 0 outside the DoLS (under 18) + 0 refused = 4 rows in"
        in captions(page)
    )


def test_the_register_of_authorisations_is_read_alerted_and_counted(page: AppTest) -> None:
    """Issue 20: a register uploaded beside the export; its alerts are counted, an authorisation that
    ended with no further request is in the headline count, its rows and rejects are shown apart."""
    from tests.conftest import csv_bytes, make_rows

    data = csv_bytes(make_rows({"person_id": "P9", "received_date": "2026-11-20"}))
    register = (
        b"Authorisation Reference,Client ID,Date Authorised,Expiry Date,RPR Appointed,Conditions Attached\n"
        b"S1,P1,01/12/25,20/11/26,03/12/25,\n"
        b"S2,P2,01/06/26,31/05/27,,\n"
        b"S3,P3,01/06/26,31/05/27,03/06/26,Yes\n"
        b"S4,P4,01/06/26,01/05/26,,\n"
    )
    page.file_uploader(key="upload").set_value(("export.csv", data, "text/csv")).run()
    page.file_uploader(key="register_upload").set_value(("register.csv", register, "text/csv")).run()
    page.text_input(key="as_of").set_value("2026-11-23").run()
    assert not page.exception, page.exception
    assert metric(page, "Deprived of liberty without authority") == "2"  # P9 from receipt; S1 ended
    assert metric(page, "ended, no further request") == "1"
    assert metric(page, "no RPR appointed") == "1"
    assert metric(page, "conditions to check") == "1"
    shown = frame(page, "authorisation_id", "without_authority_since", "alerts")
    assert sorted(shown["authorisation_id"]) == ["S1", "S2", "S3"]
    refused = frame(page, "authorisation_id", "problems")
    assert list(refused["authorisation_id"]) == ["S4"]
    assert "3 in the register + 1 refused = 4 rows in." in " ".join(captions(page))
    labels = [b.proto.label for b in page.get("download_button")]
    assert {"Register with alerts (CSV)", "Refused register rows (CSV)"} <= set(labels)


def test_the_example_has_no_reviews_and_says_so(page: AppTest) -> None:
    assert summarise(build_worklist(EXAMPLE, date(2026, 11, 23))).reviews == 0
    assert "None: no review requests on the worklist." in captions(page)


def test_as_of_reads_uk_dates_and_refuses_nonsense(page: AppTest) -> None:
    page.text_input(key="as_of").set_value("10/01/2027").run()
    assert (
        metric(page, "Past statutory deadline")
        == f"{summarise(build_worklist(EXAMPLE, date(2027, 1, 10))).breached:,}"
    )
    page.text_input(key="as_of").set_value("31/02/2027").run()
    assert not page.exception
    assert any("'31/02/2027': not a date" in e.value for e in page.error)


def test_alert_window_counts_urgent_expiring(page: AppTest) -> None:
    w = build_worklist(EXAMPLE, date(2026, 11, 23)).worklist
    # the default window is the rules file's, so the page agrees with the clock's own flag
    assert metric(page, "Urgent expiring ≤ 7 days") == f"{int(w['urgent_expiring_soon'].sum()):,}"
    page.number_input(key="alert_days").set_value(3).run()
    # counted independently, from dates: urgent, ending on 23 to 26 November inclusive
    ends = w.loc[w["request_type"] == "urgent", "urgent_expiry"]
    expected = int(ends.between(pd.Timestamp("2026-11-23"), pd.Timestamp("2026-11-26")).sum())
    assert metric(page, "Urgent expiring ≤ 3 days") == f"{expected:,}" != "0"


def test_filters(page: AppTest) -> None:
    page.multiselect(key="band_filter").set_value(["low"]).run()
    page.checkbox(key="breached_only").check().run()
    shown = frame(page, "reasons", "data_warnings")
    w = build_worklist(EXAMPLE, date(2026, 11, 23)).worklist
    expected = w[(w["priority"] == "low") & w["breached"]]
    assert len(shown) == len(expected) > 0
    low_swatch = band_swatch(band_colours(load_criteria().all_bands)["low"])
    assert set(shown["priority"]) == {"low"} and set(shown["band colour"]) == {low_swatch}


def test_equity_and_rejects_tables(page: AppTest) -> None:
    s = summarise(build_worklist(EXAMPLE, date(2026, 11, 23)))
    reason = frame(page, "support reason", "longest wait (days)")
    assert reason["open"].sum() == s.accepted
    rejects = frame(page, "problems")
    assert len(rejects) == s.rejected and rejects["problems"].str.len().min() > 0


def test_about_reads_the_rules_files(page: AppTest) -> None:
    open_tab(page, "About")
    criteria = frame(page, "criterion", "when, in the criteria file")
    shipped = load_criteria().criterion
    assert list(criteria["id in the criteria file"]) == [c.id for c in shipped]
    assert list(criteria["criterion"]) == [c.label for c in shipped]  # the plain name first
    clock = " ".join(page.table[-1].value.to_string().split())
    assert "21 days" in clock and "7 days" in clock


def test_about_says_what_the_dols_cover(page: AppTest) -> None:
    from page.about_tab import SCOPE

    open_tab(page, "About")
    assert SCOPE in [m.value for m in page.markdown]
    for fact in ("18 and over", "Schedule A1", "Re X", "Court of Protection", "High Court", "not in force"):
        assert fact in SCOPE


# ---- Scenario tab ----------------------------------------------------------------------------------


def run_scenario(at: AppTest, reps: int, seed: int, bia_fte: float | None = None, name: str = "") -> None:
    if at.session_state["tab"] != "Scenario":
        open_tab(at, "Scenario")
    at.number_input(key="reps").set_value(reps)
    at.number_input(key="seed").set_value(seed)
    if bia_fte is not None:
        at.number_input(key="lever_staffing.bia_fte").set_value(bia_fte)
    if name:
        at.text_input(key="run_name").set_value(name)
    at.button[0].click().run()
    assert not at.exception, at.exception


def find_options(at: AppTest, ranges: dict[str, float]) -> None:
    """The Options tab's search, as a click would start it: each range field (``opt_fte_from``, ...,
    ``opt_reps``) set, then Find the cheapest option."""
    for key, value in ranges.items():
        at.number_input(key=key).set_value(value)
    at.button[0].click().run()
    assert not at.exception, at.exception


def library_results(reps: int, seed: int, bia_fte: float | None = None) -> Results:
    scenario = load_scenario(ROOT / "scenarios" / "example-council.toml")
    if bia_fte is not None:
        scenario = with_overrides(scenario, [f"staffing.bia_fte={bia_fte}"])
    return run_replications(scenario, reps, seed)


def test_scenario_numbers_match_the_library(page: AppTest) -> None:
    run_scenario(page, reps=3, seed=11, bia_fte=14.0)
    lib = library_results(3, 11, 14.0)
    shown = frame(page, "KPI", "mean (95% CI)")
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), kpi_table(lib.summary, headline_kpis()))
    s = lib.summary.set_index("kpi")
    assert (
        metric(page, "Person-days without authorisation")
        == f"{s.at['unauthorised_person_days', 'mean']:,.0f}"
    )
    low, high = s.loc["unauthorised_person_days", ["ci_low", "ci_high"]]
    assert f"95% CI {low:,.0f}–{high:,.0f}" in [c.value for c in page.caption]  # the CI beside the figure
    assert metric(page, "Total cost over 36 months") == f"£{s.at['cost_total', 'mean']:,.0f}"
    cleared = metric(page, "Weeks to clear")
    if not lib.replications["cleared_within_horizon"].any():  # the horizon is never shown as a result
        assert cleared == "not cleared"
    else:
        assert cleared == f"{s.at['weeks_to_clear', 'mean']:,.0f}"


def test_details_are_built_when_opened_and_match_the_library(page: AppTest) -> None:
    run_scenario(page, reps=3, seed=11)
    lib = library_results(3, 11)
    assert not any("group" in d.value.columns for d in page.dataframe)  # not drawn with the results
    page.session_state["scn_all_results"] = True
    page.session_state["scn_waits"] = True
    page.run()
    assert not page.exception, page.exception
    everything = [d.value for d in page.dataframe if set(d.value.columns) == {"KPI", "mean (95% CI)"}]
    pd.testing.assert_frame_equal(everything[-1].reset_index(drop=True), kpi_table(lib.summary, None))
    by_band = frame(page, "group", kpi_info("p90_wait_days").label)
    pd.testing.assert_frame_equal(by_band.reset_index(drop=True), waits_table(lib.waits, "band"))


def test_paired_comparison_against_a_baseline(page: AppTest) -> None:
    run_scenario(page, reps=3, seed=5, name="baseline")
    run_scenario(page, reps=3, seed=5, bia_fte=20.0, name="more BIAs")
    table = frame(page, "difference (95% CI)", "baseline", "option")
    expected = paired_comparison(library_results(3, 5).replications, library_results(3, 5, 20.0).replications)
    pd.testing.assert_frame_equal(table.reset_index(drop=True), comparison_table(expected))
    decided = table.set_index("KPI").loc[kpi_info("decided").label]
    assert decided["option is"] == "better"  # more assessors decide more, under common random numbers
    assert page.selectbox(key="option").value == "more BIAs"  # the newest run is the option shown
    from simulation.compare import why_it_moves

    why = why_it_moves(library_results(3, 5).replications, library_results(3, 5, 20.0).replications)
    assert why and all(w in [i.value for i in page.info] for w in why)  # the "why" beside the figures


def test_bad_lever_value_is_a_message_not_a_traceback(page: AppTest) -> None:
    open_tab(page, "Scenario")
    page.number_input(key="lever_staffing.bia_fte").set_value(-2.0)
    page.button[0].click().run()
    assert not page.exception
    assert any("staffing.bia_fte" in e.value and "-2" in e.value for e in page.error)
    assert page.number_input(key="lever_staffing.bia_fte").value == -2.0  # what the user typed is kept


def test_scenario_from_todays_worklist(page: AppTest) -> None:
    open_tab(page, "Scenario")
    page.checkbox(key="scn_from_worklist").check()
    run_scenario(page, reps=2, seed=3)
    initial = frame(page, "KPI", "mean (95% CI)").set_index("KPI").loc["Open at start", "mean (95% CI)"]
    assert initial == f"{len(build_worklist(EXAMPLE, date(2026, 11, 23)).worklist):,}"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (['queue.policy="random"'], "queue.policy: must be one of"),
        (["initial_backlog.size=0", 'initial_backlog.worklist="/etc/passwd"'], "not used here"),
    ],
)
def test_scenarios_the_page_cannot_run_are_a_message(overrides: list[str], message: str) -> None:
    """The page admits a scenario as the CLI does, but never reads a file a scenario names."""
    from simulation.admission import admit

    scenario = with_overrides(load_scenario(ROOT / "scenarios" / "example-council.toml"), overrides)
    with pytest.raises(DolsSimError, match=message):
        admit(scenario, read_files=False)


def test_the_mapping_preview_shows_rows_as_they_will_be_read() -> None:
    """The mapping step's preview: codes, dates and answers as validation reads them, or why refused."""
    from page.mapping_step import preview
    from tests.conftest import csv_bytes, make_rows
    from triage.columns import map_columns
    from triage.ingest import read_export
    from triage.rulebook import load_rules

    rows = make_rows(
        {"setting": "Nursing Home", "received_date": "01/03/26", "objecting": "Y", "age": "90"},
        {"setting": "Supported Living"},
    )
    raw = read_export(csv_bytes(rows), "x.csv")
    shown = preview(map_columns(raw), date(2026, 11, 23), load_rules()).set_index("row")
    assert shown.loc["2", ["setting", "received_date", "objecting", "age", "as read"]].tolist() == [
        "care_home", "2026-03-01", "yes", "90", "ok",
    ]  # fmt: skip
    # the community is outside the DoLS (Re X): refused, and the message says why
    assert shown.loc["3", "as read"].startswith(
        "refused: setting 'Supported Living': expected care_home or hospital"
    )
    assert shown.loc["3", "application_id"] == "A2" and shown.loc["3", "setting"] == ""


def test_options_tab_answers_as_the_library(page: AppTest) -> None:
    """The Options tab's cheapest option, chance, cost and heat map are the library's plan for the same
    question (the other staff groups sized to keep up, as the page's default)."""
    from datetime import date as day

    from presentation.formats import money
    from simulation.plan import keep_up, plan

    open_tab(page, "Options")
    page.date_input(key="opt_clear_by").set_value(day(2026, 10, 1))
    find_options(page, {
        "opt_fte_from": 6.0, "opt_fte_to": 14.0, "opt_fte_step": 4.0,
        "opt_bought_from": 0.0, "opt_bought_to": 400.0, "opt_bought_step": 200.0,
        "opt_reps": 3,
    })  # fmt: skip
    vary = {"staffing.bia_fte": [6.0, 10.0, 14.0], "staffing.independent_bia_per_month": [0.0, 200.0, 400.0]}
    example = load_scenario(ROOT / "scenarios" / "example-council.toml")
    from simulation.scenario_file import with_values

    lib = plan(with_values(example, keep_up(example, vary)), day(2026, 10, 1), vary, reps=3, seed=42)
    assert lib.answer is not None
    cost = lib.answer.mean("cost_total")
    assert metric(page, "Cost to 2026-10-01") == money(cost)
    assert metric(page, "Chance of clearing by 2026-10-01") == f"{lib.answer.probability:.0%}"
    assert metric(page, "Cheapest option") == ", ".join(f"{v:g}" for v in lib.answer.option.as_dict.values())
    assert len(page.get("vega_lite_chart")) >= 2  # the heat map and the answer's backlog
    # The same search as the CLI's, not a whole grid first: the answer looked at the library's options
    # (a worker running ahead may add a replication or two), and the heat map, run after it, holds
    # every option of the grid.
    found = page.session_state["options_found"]
    assert [e.option for e in found.result.evaluated] == [e.option for e in lib.evaluated]
    assert found.result.manifest["replications_run"] < 9 * 3
    assert len(found.heat) == 9 and set(found.heat["staffing.bia_fte"]) == {6.0, 10.0, 14.0}
    # What the search assumed is on screen: each staff group raised, before and after, and how it is costed.
    levels = keep_up(example, vary)
    said = " ".join(i.value for i in page.info)
    assert "To keep up with the biggest option" in said
    assert f"Mental health assessors (FTE) {example.staffing.mental_health_assessors:g} → " in said
    assert f"→ {levels['staffing.mental_health_assessors']:g}: " in said
    from presentation.options import added_staff_said
    from simulation.plan import post_costs, raised

    added = raised(example, levels)
    assert added_staff_said(added, post_costs(example, added), "GBP", LABELS) in said  # what the CLI says
    posts = sum(c.per_year for c in post_costs(example, added))
    assert posts > 0 and f"adds up to {money(posts)} a year" in said
    page.radio(key="opt_measure").set_value("Cost to the date").run()
    assert not page.exception and metric(page, "Cost to 2026-10-01") == money(cost)  # kept, not rerun


def test_options_tab_plans_from_todays_worklist(page: AppTest) -> None:
    """With the Triage tab's worklist, a plan starts on its as-of date from the open applications."""
    open_tab(page, "Options")
    page.selectbox(key="opt_base").set_value(
        "Today's worklist (Triage tab), with the example council's settings"
    ).run()
    page.date_input(key="opt_clear_by").set_value(date(2028, 6, 30))
    find_options(page, {"opt_fte_from": 10.0, "opt_fte_to": 10.0, "opt_bought_from": 300.0,
                        "opt_bought_to": 400.0, "opt_reps": 2})  # fmt: skip
    said = " ".join(m.value for m in page.success)
    assert "by 2028-06-30" in said and "from 2026-11-23" in said  # the run starts on the worklist's date
    open_now = f"{len(build_worklist(EXAMPLE, date(2026, 11, 23)).worklist):,} open"
    assert any(open_now in c.value for c in page.caption)  # the relief capacity starts from its backlog
