"""The page in a real headless browser (Debian's Chromium via Playwright), as a user meets it.

Screenshots go to tests/artifacts/ (look at them; the README shows two).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.browser.harness import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ROOT, running_app
from triage.worklist import build_worklist

#: Expectations after an upload wait this long (ms): each step reruns the page on a shared machine.
SLOW = 60_000
EXAMPLE = ROOT / "examples" / "open_applications.csv"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

#: The Triage tab's uploaders, by the words their labels start with (never by position: while the page
#: renders, the uploaders inside columns can appear after the one below them).
EXPORT = "Open applications export"
MAPPING = "Column mapping (TOML"
REGISTER = "Register of authorisations in force"
CRITERIA = "Screening criteria (TOML"


def upload(page: Page, label: str, file: str | dict[str, object]) -> None:
    """Give the uploader whose label starts with ``label`` a file, and wait until it shows the file's size
    (the upload is done, so the next action cannot overtake it; a long name is shortened on screen)."""
    box = page.locator('[data-testid="stFileUploader"]').filter(has_text=label).first
    expect(box).to_be_visible(timeout=SLOW)
    box.locator('input[type="file"]').set_input_files(file)  # type: ignore[arg-type]
    expect(box.get_by_text(re.compile(r"^\d+(\.\d+)?(B|KB|MB)$"))).to_be_visible(timeout=SLOW)


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with running_app() as u:
        yield u


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    pg.goto(url)
    # The first render waits for the server's first triage; on a loaded shared machine that can take
    # longer than expect()'s 5 s (the page benchmark measures it: benchmarks/page_bench.py).
    expect(pg.get_by_text("On the worklist").first).to_be_visible(timeout=SLOW)
    yield pg
    context.close()


def test_triage_upload_first_row_and_alerts(page: Page) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    expect(page.get_by_text("On the worklist").first).to_be_visible()
    upload(page, EXPORT, str(EXAMPLE))
    expect(page.get_by_text("Showing the shipped synthetic example")).to_have_count(0)
    as_of = date.fromisoformat(page.get_by_role("textbox", name="As of").input_value())
    result = build_worklist(EXAMPLE, as_of)
    first = result.worklist.iloc[0]
    top_row = page.locator('[data-testid="stTable"] tbody tr').first
    expect(top_row).to_contain_text(str(first["application_id"]))
    breached = int(result.worklist["breached"].sum())
    expect(page.get_by_text(f"Past the statutory deadline: {breached:,} applications.")).to_be_visible()
    expect(page.get_by_text("Urgent authorisations ending within 7 days:")).to_be_visible()
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    expect(charts.first).to_be_visible()
    assert charts.count() >= 3
    for i in range(3):  # each chart drew something
        expect(charts.nth(i).locator("canvas, svg").first).to_be_visible()
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "triage.png"), full_page=False)


def test_as_of_takes_effect_on_enter(page: Page) -> None:
    """Typing a date and pressing Enter updates the counts (a date picker waited for the field to lose
    focus, leaving the old results on screen)."""
    expect(page.get_by_text("On the worklist").first).to_be_visible()
    later = date(2027, 1, 10)
    expected = int(build_worklist(EXAMPLE, later).worklist["breached"].sum())
    field = page.get_by_role("textbox", name="As of")
    field.fill(later.strftime("%d/%m/%Y"))
    field.press("Enter")
    breached = page.locator('[data-testid="stMetric"]').filter(has_text="Past statutory deadline")
    expect(breached.locator('[data-testid="stMetricValue"]')).to_have_text(f"{expected:,}")
    expect(field).to_be_focused()  # still in the field: Enter alone did it


def test_band_colours_draw_in_this_browser(page: Page) -> None:
    """The band column shows coloured squares (images), not emoji that Debian's Chromium draws as
    empty boxes: the worklist grid renders its image cells."""
    expect(page.get_by_text("On the worklist").first).to_be_visible()
    grid = page.locator('[data-testid="stDataFrame"]').filter(has=page.locator("canvas")).first
    grid.scroll_into_view_if_needed()
    expect(grid).to_be_visible()
    page.wait_for_timeout(1000)
    shot = grid.screenshot()
    from io import BytesIO

    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(BytesIO(shot)).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    # the criteria's top band is red (#c0392b): some pixels near it must be drawn in the grid
    reds = int(((r > 170) & (g > 40) & (g < 80) & (b > 30) & (b < 70)).sum())
    assert reds > 20, "no red band squares drawn in the worklist"


def test_scenario_run_shows_results_and_charts(page: Page) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.get_by_role("tab", name="Scenario").click()
    page.get_by_role("spinbutton", name="Replications").fill("5")
    page.get_by_role("spinbutton", name="Seed").fill("42")
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_text("Results: Run 1 (5 replications, seed 42)")).to_be_visible(timeout=120_000)
    panel = page.get_by_role("tabpanel", name="Scenario")
    chart = panel.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart.locator("canvas, svg").first).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 150
    expect(panel.get_by_text("Weeks to clear the backlog")).to_be_visible()
    expect(panel.get_by_role("button", name="One-click report (HTML)")).to_be_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    # The report as the page: its backlog chart has the mean lines, the 5th-95th band, the backlog target
    # and the clear-by date (both dashed rules), drawn as inline SVG.
    with page.expect_download() as download:
        panel.get_by_role("button", name="One-click report (HTML)").click()
    report = Path(download.value.path()).read_text(encoding="utf-8")
    (ARTIFACTS / "report.html").write_text(report, encoding="utf-8")
    (svg,) = re.findall(r"<svg.*?</svg>", report, flags=re.S)
    assert svg.count('class="mark-line') >= 1 and 'class="mark-area' in svg
    assert svg.count('class="mark-rule') >= 2 and "stroke-dasharray" in svg
    assert "Results: Run 1" not in report and "dols-sim: Run 1" in report and "seed 42" in report
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "scenario.png"), full_page=False)
    # The details are built when opened, by a fragment rerun: the waits by band appear, the chart stays.
    assert panel.get_by_role("tab", name="Setting").count() == 0
    panel.get_by_text("Waits and share decided within the statutory time").click()
    waits = panel.locator('[data-testid="stExpander"]').filter(has_text="Waits and share decided")
    expect(waits.get_by_role("tab", name="Setting")).to_be_visible(timeout=60_000)
    expect(waits.locator('[data-testid="stDataFrame"]').first).to_be_visible(timeout=60_000)
    expect(chart.locator("canvas, svg").first).to_be_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    waits.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "scenario_waits.png"), full_page=False)


def _unknown_headers_export() -> bytes:
    """An export whose required columns have names no mapping knows (the values are the contract's)."""
    from tests.exports import canonical

    df = canonical(40, seed=3).rename(
        columns={
            "application_id": "Ref No",
            "received_date": "Date In",
            "setting": "Where",
            "request_type": "Kind",
        }
    )
    return df.to_csv(index=False).encode()


def set_as_of(page: Page, text: str) -> None:
    """Type the as-of date and press Enter, again if a rerun lands as it is typed: an upload's rerun can
    rewrite the box mid-fill (CI once read '2026-12-042026-11-23'). The test's assertions are unchanged."""
    field = page.get_by_role("textbox", name="As of")
    for _ in range(3):
        field.fill(text)
        field.press("Enter")
        try:
            expect(field).to_have_value(text, timeout=10_000)
            page.wait_for_timeout(1000)  # a rerun already under way has ended
            if field.input_value() == text and page.get_by_text("not a date").count() == 0:
                return
        except AssertionError:
            pass
    expect(field).to_have_value(text)


def _choose(page: Page, label: str, option: str) -> None:
    """Open the select box and pick ``option``; a rerun from the previous choice can close the list as it
    opens, so it is opened again (up to three times) before the test gives up."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    choice = page.get_by_role("option", name=option, exact=True)
    for _ in range(3):
        box.click()
        try:
            choice.wait_for(state="visible", timeout=10_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    choice.click()


def test_mapping_step_maps_an_unknown_export_and_its_file_maps_it_again(browser: Browser, url: str) -> None:
    """Issue 11: headers no mapping knows are mapped in the page; the mapping file it downloads, uploaded
    beside the same export, maps it silently."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = _unknown_headers_export()
    export_file = {"name": "our_system.csv", "mimeType": "text/csv", "buffer": data}
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    expect(page.get_by_text("On the worklist").first).to_be_visible(timeout=SLOW)
    upload(page, EXPORT, export_file)
    expect(page.get_by_text("Some columns were not recognised")).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("Choose the column that holds the application ID, date received")).to_be_visible(
        timeout=SLOW
    )
    for label, header in (
        ("Application ID (application_id) · required", "Ref No"),
        ("Date received (received_date) · required", "Date In"),
        ("Setting (setting) · required", "Where"),
        ("Request type (request_type) · required", "Kind"),
    ):
        _choose(page, label, header)
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="On the worklist")
    expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text("40", timeout=SLOW)
    expect(page.get_by_text("The first 5 rows as they will be read")).to_be_visible(timeout=SLOW)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_text("Some columns were not recognised").scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "mapping_step.png"), full_page=False)
    page.get_by_text("The first 5 rows as they will be read").scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "mapping_preview.png"), full_page=False)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download this mapping (TOML)").click()
    mapping_text = Path(download.value.path()).read_text()
    assert (
        'application_id = [\n    "Ref No",\n]' in mapping_text
        or 'application_id = ["Ref No"]' in mapping_text
    )
    context.close()

    # A new visit: the export and its mapping file, and nothing to choose.
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    expect(page.get_by_text("On the worklist").first).to_be_visible(timeout=SLOW)
    upload(
        page,
        MAPPING,
        {"name": "dols-sim-columns.toml", "mimeType": "application/toml", "buffer": mapping_text.encode()},
    )
    upload(page, EXPORT, export_file)
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="On the worklist")
    expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text("40", timeout=SLOW)
    expect(page.get_by_text("Some columns were not recognised")).to_have_count(0, timeout=SLOW)
    expect(page.get_by_text("Columns: how your export is read (")).to_be_visible(
        timeout=SLOW
    )  # folded, with a count
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "mapping_silent.png"), full_page=False)
    context.close()


def test_missing_screening_columns_are_said_on_the_page(page: Page) -> None:
    """Issue 11: an export without the screening answers is triaged, and the page says which questions
    have no column and how many rows are unscreened for want of them."""
    from tests.exports import export_shapes

    canonical, shapes = export_shapes()
    shape = next(s for s in shapes if not s.screening_columns)
    upload(page, EXPORT, {"name": shape.filename, "mimeType": "text/csv", "buffer": shape.data})
    expect(page.get_by_text("No column for screening question(s) objecting, family_objecting")).to_be_visible(
        timeout=SLOW
    )
    expect(page.get_by_text(f"{len(canonical)} rows unscreened for want of them")).to_be_visible(timeout=SLOW)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_options_tab_finds_the_cheapest_option_in_one_action(page: Page) -> None:
    """From first load: set a clear-by date, press one button; the cheapest option, its cost and its
    chance are shown, and the heat map draws."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.get_by_role("tab", name="Options").click()
    panel = page.get_by_role("tabpanel", name="Options")
    dates = panel.locator('[data-testid="stDateInput"]')
    field = dates.filter(has_text="Clear the backlog by").locator("input")
    field.fill("2027-06-30")
    field.press("Enter")
    page.keyboard.press("Escape")  # close the calendar, which covers the button
    panel.get_by_role("button", name="Find the cheapest option").click()
    cheapest = panel.locator('[data-testid="stMetric"]').filter(has_text="Cheapest option")
    expect(cheapest).to_be_visible(timeout=600_000)
    cost = panel.locator('[data-testid="stMetric"]').filter(has_text="Cost to 2027-06-30")
    expect(cost.locator('[data-testid="stMetricValue"]')).to_have_text(re.compile(r"^£[\d,]+$"))
    chance = panel.locator('[data-testid="stMetric"]').filter(has_text="Chance of clearing by 2027-06-30")
    expect(chance.locator('[data-testid="stMetricValue"]')).to_have_text(re.compile(r"^\d+%$"))
    said = "Cheapest option that gets the backlog below 250 open by 2027-06-30"
    expect(panel.get_by_text(said)).to_be_visible()
    # what the search assumed: the staff added to keep up, and their cost as posts (issue 21)
    added = panel.get_by_text(re.compile(r"To keep up with the biggest option, the search also raised"))
    expect(added).to_be_visible()
    expect(added).to_contain_text(re.compile(r"£[\d,]+ a year as posts"))
    expect(added).to_contain_text(re.compile(r"funding them as posts adds up to £[\d,]+ a year"))
    # The answer comes first (the CLI's search); the rest of the grid runs after it, for the heat map.
    heat = panel.locator('[data-testid="stVegaLiteChart"]').first
    expect(heat.locator("canvas, svg").first).to_be_visible(timeout=600_000)
    box = heat.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 150
    assert page.locator('[data-testid="stException"]').count() == 0
    heat.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "options.png"), full_page=False)


def test_work_in_hand_and_caseloads_in_the_browser(page: Page) -> None:
    """Issue 20: an export with a case system's status and worker columns: what is with an assessor or
    awaiting sign-off is listed apart, with each assessor's caseload, and can be downloaded."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = (
        b"Request ID,Date Received,Placement Type,Request Type,Case Status,Date Allocated,Allocated To\n"
        b"R1,01/11/26,Nursing Home,Standard Authorisation,Unallocated,,\n"
        b"R2,01/10/26,Nursing Home,Standard Authorisation,Allocated to BIA,10/11/26,Sam Jones\n"
        b"R3,15/11/26,Ward,Standard Authorisation,Awaiting Sign-Off,20/11/26,Sam Jones\n"
        b"R4,18/11/26,Residential Home,Standard Authorisation,With MHA,19/11/26,Ali Khan\n"
    )
    upload(page, EXPORT, {"name": "in_hand.csv", "mimeType": "text/csv", "buffer": data})
    set_as_of(page, "2026-11-23")
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="On the worklist")
    expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text("1", timeout=SLOW)
    heading = page.get_by_text("Work in hand: 3", exact=True)
    expect(heading).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("Caseload by assessor")).to_be_visible()
    expect(page.get_by_text("1 on the worklist + 3 in hand + 0 outside the DoLS")).to_be_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    heading.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "in_hand.png"), full_page=False)
    with page.expect_download() as download:
        page.get_by_role("button", name="Caseload (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[1].startswith('"Sam Jones",1,0,1,2,1,')


def test_a_register_uploaded_beside_the_export(page: Page) -> None:
    """Issue 20: the export and the register of authorisations in force, uploaded in a real browser: the
    register's alerts are counted, and its table and download work."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    export = (
        b"Request ID,Date Received,Placement Type,Request Type,Client ID,Case Status,Allocated To\n"
        b"R1,20/11/26,Nursing Home,Standard Authorisation,P9,Unallocated,\n"
        b"R2,01/11/26,Nursing Home,Standard Authorisation,P8,Allocated to BIA,Sam Jones\n"
    )
    register = (
        b"Authorisation Reference,Client ID,Date Authorised,Expiry Date,RPR Appointed,Conditions Attached\n"
        b"S1,P1,01/12/25,20/11/26,03/12/25,\n"
        b"S2,P2,01/06/26,31/05/27,,\n"
        b"S3,P3,01/06/26,31/05/27,03/06/26,Yes\n"
        b"S4,P4,01/06/26,01/05/26,,\n"
    )
    upload(page, EXPORT, {"name": "export.csv", "mimeType": "text/csv", "buffer": export})
    upload(page, REGISTER, {"name": "register.csv", "mimeType": "text/csv", "buffer": register})
    set_as_of(page, "2026-11-23")
    heading = page.get_by_text("Register of authorisations in force: 3", exact=True)
    expect(heading).to_be_visible(timeout=SLOW)
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Deprived of liberty without authority")
    expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text("3", timeout=SLOW)  # R1, R2, S1
    expect(page.get_by_text("3 in the register + 1 refused = 4 rows in.", exact=False)).to_be_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    heading.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "register.png"), full_page=False)
    with page.expect_download() as download:
        page.get_by_role("button", name="Register with alerts (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith('"authorisation_id","person_id","start_date","end_date"')
    assert "ended with no further request" in text


def test_an_upload_and_its_date_survive_a_change_of_tab(page: Page) -> None:
    """Issue 21: an upload is read as of today (none of its requests refused as "after the as-of
    date"), and Triage -> Scenario -> Triage keeps the upload and a date the user typed."""
    from datetime import timedelta

    from tests.exports import example_moved_to
    from triage.validate import today_in_england

    today = today_in_england()
    data = example_moved_to(today - timedelta(days=1))
    upload(page, EXPORT, {"name": "this_morning.csv", "mimeType": "text/csv", "buffer": data})
    as_of = page.get_by_role("textbox", name="As of")
    expect(as_of).to_have_value(today.isoformat(), timeout=SLOW)
    refused = len(build_worklist(EXAMPLE, date(2026, 11, 23)).rejects)  # the example's own bad rows only
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Refused rows")
    expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text(f"{refused:,}", timeout=SLOW)
    later = today + timedelta(days=10)
    as_of.fill(later.isoformat())
    as_of.press("Enter")
    expected = int(build_worklist(data, later, filename="x.csv").worklist["breached"].sum())
    breached = page.locator('[data-testid="stMetric"]').filter(has_text="Past statutory deadline")
    expect(breached.locator('[data-testid="stMetricValue"]')).to_have_text(f"{expected:,}", timeout=SLOW)
    page.get_by_role("tab", name="Scenario").click()
    expect(page.get_by_role("button", name="Run")).to_be_visible(timeout=SLOW)
    page.get_by_role("tab", name="Triage").click()
    expect(page.get_by_text("Using this_morning.csv, uploaded earlier in this session")).to_be_visible(
        timeout=SLOW
    )
    expect(page.get_by_role("textbox", name="As of")).to_have_value(later.isoformat(), timeout=SLOW)
    expect(breached.locator('[data-testid="stMetricValue"]')).to_have_text(f"{expected:,}", timeout=SLOW)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_the_levers_follow_the_chosen_scenario(page: Page) -> None:
    """Issue 21: picking England's scenario puts England's values in the levers (they kept the
    example's, and Run mixed the two)."""
    from page.levers import value_at
    from simulation.scenario_file import load_scenario

    england = load_scenario(ROOT / "scenarios" / "england-2023-24.toml")
    page.get_by_role("tab", name="Scenario").click()
    bias = page.get_by_role("spinbutton", name="In-house BIAs (FTE)")
    expect(bias).to_be_visible(timeout=SLOW)
    example = load_scenario(ROOT / "scenarios" / "example-council.toml")
    expect(bias).to_have_value(f"{value_at(example, 'staffing.bia_fte'):.1f}")
    _choose(page, "Scenario", "england-2023-24.toml")
    expect(bias).to_have_value(f"{value_at(england, 'staffing.bia_fte'):.1f}", timeout=SLOW)
    demand = page.get_by_role("spinbutton", name="New requests a month")
    expect(demand).to_have_value(f"{value_at(england, 'demand.applications_per_month'):.0f}")
    start = page.get_by_role("group", name="Start date")
    day = value_at(england, "horizon.start_date")
    expect(start.get_by_role("spinbutton", name="year, Start date")).to_have_text(str(day.year))
    expect(start.get_by_role("spinbutton", name="month, Start date")).to_have_text(f"{day.month:02d}")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_report_export_with_a_title_row_and_a_yes_no_extension(page: Page) -> None:
    """Issue 21: a report export with a title and a run date above the header, and "Extension Granted"
    as Y/N: no row lost, and an extended urgent authorisation ends 14 days after it began (7 + 7), an
    unextended one after 7."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    export = (
        b"DoLS open applications,,,,,\n"
        b"Run on 23/11/2026 09:14,,,,,\n"
        b",,,,,\n"
        b"Request ID,Date Received,Placement Type,Request Type,Urgent Start,Extension Granted\n"
        b"U1,19/11/26,Nursing Home,Urgent Authorisation,19/11/26,Y\n"
        b"U2,20/11/26,Nursing Home,Urgent Authorisation,20/11/26,N\n"
        b"S1,01/11/26,Ward,Standard Authorisation,,\n"
    )
    upload(page, EXPORT, {"name": "report.csv", "mimeType": "text/csv", "buffer": export})
    as_of = page.get_by_role("textbox", name="As of")
    expect(as_of).not_to_have_value("2026-11-23", timeout=SLOW)  # an upload is read as of today first
    as_of.fill("2026-11-23")
    as_of.press("Enter")
    expect(
        page.get_by_text(re.compile(r"2 title lines above the header \+ 1 header \+ 3 rows"))
    ).to_be_visible(timeout=SLOW)
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="On the worklist")
    expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text("3", timeout=SLOW)
    refused = page.locator('[data-testid="stMetric"]').filter(has_text="Refused rows")
    expect(refused.locator('[data-testid="stMetricValue"]')).to_have_text("0")
    top = page.locator('[data-testid="stTable"] tbody tr')
    u1 = top.filter(has_text="U1")
    u2 = top.filter(has_text="U2")
    expect(u1).to_contain_text("2026-12-02")  # urgent from 19 November, extended: day 14 is 2 December
    expect(u2).to_contain_text("2026-11-26")  # from 20 November, not extended: day 7 is 26 November
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "title_rows.png"), full_page=False)


def test_a_councils_own_screening_criteria_in_the_browser(page: Page) -> None:
    """Issue 21: the page takes a council's criteria file, as ``triage --criteria`` does: the first row
    is the library's first under those criteria, and Triage -> About -> Triage keeps them."""
    from page.triage_tab import criteria_said
    from tests.functional.test_page_state import _council_criteria
    from triage.rulebook import Rules, criteria_from_text, load_rules

    text = _council_criteria()
    shipped = load_rules()
    ours = Rules(shipped.timescales, criteria_from_text(text, "ours.toml"), shipped.policies)
    expected = build_worklist(EXAMPLE, date(2026, 11, 23), ours).worklist
    assert criteria_said(ours) != criteria_said(shipped)  # one criterion moved: the line below can fail
    upload(page, CRITERIA, {"name": "ours.toml", "mimeType": "text/plain", "buffer": text.encode()})
    said = page.get_by_text(f"Screening with ours.toml: {criteria_said(ours)}.")
    expect(said).to_be_visible(timeout=SLOW)
    first = page.locator('[data-testid="stTable"]').first.locator("tbody tr").first
    expect(first).to_contain_text(expected.iloc[0]["application_id"], timeout=SLOW)
    page.get_by_role("tab", name="About").click()
    expect(
        page.get_by_text("Your council's own criteria: ours.toml, uploaded on the Triage tab")
    ).to_be_visible(timeout=SLOW)
    page.get_by_role("tab", name="Triage").click()
    expect(page.get_by_text("Using ours.toml, uploaded earlier in this session")).to_be_visible(timeout=SLOW)
    expect(said).to_be_visible(timeout=SLOW)
    expect(page.get_by_role("button", name="Forget it").first).to_be_visible(timeout=SLOW)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.wait_for_timeout(500)  # let the rerun's fade settle so the screenshot shows what a user sees
    page.screenshot(path=str(ARTIFACTS / "criteria.png"), full_page=False)
