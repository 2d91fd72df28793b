"""Issue 21 under Streamlit's AppTest: what a user chose stays chosen across a change of tab, an upload
is read as of today, and the Scenario tab's levers are the chosen base scenario's (what runs is what
the screen shows)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from streamlit.testing.v1 import AppTest

from page.levers import LEVERS, lever_key, value_at
from presentation.tables import kpi_table
from simulation.experiment import run_replications
from simulation.metrics import headline_kpis
from simulation.scenario_file import load_scenario, scenario_from_toml, with_overrides
from tests.exports import example_moved_to
from tests.functional.test_app import EXAMPLE, ROOT, frame, metric, open_tab, page  # noqa: F401
from triage.validate import today_in_england
from triage.worklist import build_worklist

ENGLAND = ROOT / "scenarios" / "england-2023-24.toml"


EXAMPLE_AS_OF = date(2026, 11, 23)


def _export_moved_to_today() -> bytes:
    """An export pulled this morning: the example moved so that its own day is yesterday."""
    return example_moved_to(today_in_england() - timedelta(days=1))


def test_an_upload_is_read_as_of_today_and_nothing_is_refused_for_its_date(page: AppTest) -> None:  # noqa: F811
    """Issue 21: the page kept the example's day for an upload, so requests received since were refused
    as "after the as-of date". Read as of today, the moved export refuses what the example refuses."""
    page.file_uploader(key="upload").set_value(("today.csv", _export_moved_to_today(), "text/csv"))
    page.run()
    assert not page.exception, page.exception
    assert page.text_input(key="as_of").value == today_in_england().isoformat()
    expected = build_worklist(EXAMPLE, EXAMPLE_AS_OF)
    assert metric(page, "Refused rows") == f"{len(expected.rejects):,}"
    assert metric(page, "On the worklist") == f"{len(expected.worklist):,}"


def test_triage_choices_survive_a_round_trip_to_another_tab(page: AppTest) -> None:  # noqa: F811
    page.text_input(key="as_of").set_value("2027-01-10").run()
    page.number_input(key="alert_days").set_value(12).run()
    shown = metric(page, "Past statutory deadline")
    open_tab(page, "Scenario")
    open_tab(page, "Triage")
    assert page.text_input(key="as_of").value == "2027-01-10"
    assert page.number_input(key="alert_days").value == 12
    assert metric(page, "Past statutory deadline") == shown


def test_an_upload_survives_a_round_trip_and_can_be_forgotten(page: AppTest) -> None:  # noqa: F811
    data = _export_moved_to_today()
    page.file_uploader(key="upload").set_value(("mine.csv", data, "text/csv")).run()
    open_tab(page, "Scenario")
    open_tab(page, "Triage")
    assert any("Using mine.csv" in c.value for c in page.caption)
    assert page.text_input(key="as_of").value == today_in_england().isoformat()
    page.button(key="upload:forget").click().run()
    assert any("Showing the shipped synthetic example" in c.value for c in page.caption)
    assert page.text_input(key="as_of").value == "2026-11-23"  # the example's own day again


def _levers(at: AppTest) -> dict[str, object]:
    return {
        lv.path: (
            at.date_input(key=lever_key(lv.path)).value
            if lv.path == "horizon.start_date"
            else at.number_input(key=lever_key(lv.path)).value
        )
        for lv in LEVERS
    }


def test_the_levers_are_the_chosen_base_scenarios(page: AppTest) -> None:  # noqa: F811
    open_tab(page, "Scenario")
    page.number_input(key=lever_key("staffing.bia_fte")).set_value(30.0).run()
    page.selectbox(key="scn_file").set_value(ENGLAND.name).run()
    assert not page.exception, page.exception
    england = load_scenario(ENGLAND)
    for path, shown in _levers(page).items():
        expected = value_at(england, path)
        assert shown == expected, f"{path}: the lever shows {shown}, England's scenario has {expected}"
    # England is too big for the page: it says so and the levers stay England's
    page.button[0].click().run()
    assert any("work budget" in e.value and "dols-sim run" in e.value for e in page.error)
    assert page.number_input(key=lever_key("staffing.bia_fte")).value == value_at(england, "staffing.bia_fte")


def test_an_uploaded_scenario_is_what_runs_and_stays_chosen(page: AppTest) -> None:  # noqa: F811
    """Upload a council's own scenario: the levers show its values, Run runs exactly it, and after a
    round trip to another tab the upload and the levers are as they were."""
    mine = ROOT / "scenarios" / "example-council.toml"
    text = mine.read_text(encoding="utf-8").replace(
        "applications_per_month = 168.0", "applications_per_month = 240.0"
    )
    assert "applications_per_month = 240.0" in text
    scenario = scenario_from_toml(text, source="mine.toml")
    open_tab(page, "Scenario")
    page.radio(key="scn_source").set_value("Upload a scenario (TOML)").run()
    page.file_uploader(key="scn_upload").set_value(("mine.toml", text.encode(), "text/plain")).run()
    assert not page.exception, page.exception
    assert page.number_input(key=lever_key("demand.applications_per_month")).value == 240.0
    page.number_input(key=lever_key("horizon.months")).set_value(6)
    page.number_input(key="reps").set_value(2)
    page.number_input(key="seed").set_value(7)
    page.button[0].click().run()
    assert not page.exception, page.exception
    library = run_replications(with_overrides(scenario, ["horizon.months=6"]), 2, 7)
    shown = frame(page, "KPI", "mean (95% CI)").reset_index(drop=True)
    pd.testing.assert_frame_equal(shown, kpi_table(library.summary, headline_kpis()))
    open_tab(page, "Triage")
    open_tab(page, "Scenario")
    assert any("Using mine.toml" in c.value for c in page.caption)
    assert page.number_input(key=lever_key("horizon.months")).value == 6
    assert page.number_input(key=lever_key("demand.applications_per_month")).value == 240.0


def test_starting_from_the_worklist_shows_its_as_of_date_in_the_start_lever(page: AppTest) -> None:  # noqa: F811
    page.text_input(key="as_of").set_value("2027-01-10").run()
    open_tab(page, "Scenario")
    page.checkbox(key="scn_from_worklist").check().run()
    start = page.date_input(key=lever_key("horizon.start_date"))
    assert start.value == date(2027, 1, 10)
    assert start.disabled
    page.checkbox(key="scn_from_worklist").uncheck().run()
    assert page.date_input(key=lever_key("horizon.start_date")).value == value_at(
        load_scenario(ROOT / "scenarios" / "example-council.toml"), "horizon.start_date"
    )


def _council_criteria() -> str:
    """The shipped criteria with family or friends objecting moved from high to medium: a council's own."""
    text = (ROOT / "triage" / "rules" / "screening_criteria.toml").read_text(encoding="utf-8")
    moved = text.replace(
        'id = "family_objecting"\nlabel = "Family or friends objecting; possible challenge"\nband = "high"',
        'id = "family_objecting"\nlabel = "Family or friends objecting; possible challenge"\nband = "medium"',
    )
    assert moved != text
    return moved


def test_a_councils_own_criteria_screen_the_worklist_and_stay_chosen(page: AppTest) -> None:  # noqa: F811
    """Issue 21: the page takes a council's screening criteria file, as ``triage --criteria`` does: the
    worklist's bands are the library's under those criteria, across a change of tab, until forgotten."""
    from triage.rulebook import Rules, criteria_from_text, load_rules

    text = _council_criteria()
    page.file_uploader(key="criteria_upload").set_value(("ours.toml", text.encode(), "text/plain")).run()
    assert not page.exception, page.exception
    assert not [e for e in page.error if "screening criteria" in e.value]
    assert any("Screening with ours.toml: bands high (" in c.value for c in page.caption)
    shipped = load_rules()
    ours = Rules(shipped.timescales, criteria_from_text(text, "ours.toml"), shipped.policies)
    expected = build_worklist(EXAMPLE, EXAMPLE_AS_OF, ours).worklist
    before = build_worklist(EXAMPLE, EXAMPLE_AS_OF).worklist
    was = before.set_index("application_id")["priority"]
    moved = (expected.set_index("application_id")["priority"] != was.loc[expected["application_id"]]).sum()
    assert moved > 0  # the council's criteria change someone's band, so the check below can fail

    def shown_bands() -> pd.Series:
        shown = frame(page, "application_id", "priority")
        return shown.set_index("application_id")["priority"]

    bands = shown_bands()
    assert (bands == expected.set_index("application_id").loc[bands.index, "priority"]).all()
    open_tab(page, "About")
    open_tab(page, "Triage")
    assert any("Using ours.toml" in c.value for c in page.caption)
    assert shown_bands().equals(bands)
    page.button(key="criteria_upload:forget").click().run()
    again = shown_bands()
    assert (again == before.set_index("application_id").loc[again.index, "priority"]).all()


def test_criteria_that_cannot_be_used_are_said_and_the_shipped_ones_kept(page: AppTest) -> None:  # noqa: F811
    bad = _council_criteria().replace('band = "medium"', 'band = "amber"', 1)
    page.file_uploader(key="criteria_upload").set_value(("ours.toml", bad.encode(), "text/plain")).run()
    assert not page.exception
    said = " ".join(e.value for e in page.error)
    assert "The screening criteria cannot be used (the shipped criteria are used instead)" in said
    assert "ours.toml" in said and "amber" in said
    assert metric(page, "On the worklist") == f"{len(build_worklist(EXAMPLE, EXAMPLE_AS_OF).worklist):,}"
