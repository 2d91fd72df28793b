"""The Calibrate tab under Streamlit's AppTest: the figures shown are the library's for the same history,
the calibrated scenario reaches the Scenario tab, and mistakes are messages (issue 13)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from page.calibrate_tab import SYNTHETIC_AS_OF, synthetic_history
from page.tables import plain_cells
from presentation.calibration import fit_frame, nothing_misses
from simulation.calibrate import calibrate_history
from tests.functional.test_app import frame, open_tab, page  # noqa: F401  (the page fixture)
from triage.history import read_history


def test_the_fit_report_is_the_librarys(page: AppTest) -> None:  # noqa: F811
    at = open_tab(page, "Calibrate")
    shown = frame(at, "Figure", "Value (95% simultaneous CI)")
    history = read_history(synthetic_history(), SYNTHETIC_AS_OF, filename="synthetic-history.csv")
    expected = fit_frame(calibrate_history(history).estimates)
    assert shown.reset_index(drop=True).equals(expected)
    assert "In-house BIA posts (FTE) that make the decisions seen" in set(shown["Figure"])


def test_the_calibrated_scenario_goes_to_the_scenario_tab(page: AppTest) -> None:  # noqa: F811
    at = open_tab(page, "Calibrate")
    at.button(key="cal_use").click().run()
    assert not at.exception, at.exception
    assert at.session_state["calibrated_toml"].startswith("# Calibrated by dols-sim")
    at = open_tab(at, "Scenario")
    at.radio(key="scn_source").set_value("The calibrated scenario (Calibrate tab)").run()
    assert not at.exception, at.exception
    assert any("Calibrated by dols-sim from synthetic-history.csv" in c.value for c in at.caption)


def test_backtest_on_the_page(page: AppTest) -> None:  # noqa: F811
    at = open_tab(page, "Calibrate")
    at.button(key="cal_bt_run").click().run()
    assert not at.exception, at.exception
    table = frame(at, "Measure", "Inside the 90% band")
    assert len(table) == 6 and table["Inside the 90% band"].str.endswith("of 12 months").all()
    # a reading under the table: each measure inside the band in fewer than 9 of 12 months is a miss,
    # named with what it points to; none, and the page says that nothing misses
    inside = dict(
        zip(table["Measure"], table["Inside the 90% band"].str.split().str[0].astype(int), strict=True)
    )
    missed = sorted(m for m, n in inside.items() if 12 - n > 3)
    said = [w.value for w in at.warning if "months outside the band" in w.value]
    assert sorted(w.split(":")[0] for w in said) == missed
    assert all("look at `" in w for w in said)
    if not missed:
        assert [s.value for s in at.success] == [nothing_misses()]


def test_a_bad_date_is_a_message(page: AppTest) -> None:  # noqa: F811
    at = open_tab(page, "Calibrate")
    at.text_input(key="cal_as_of").set_value("31/02/2026").run()
    assert not at.exception, at.exception
    assert any("This history cannot be calibrated" in e.value for e in at.error)
    at.text_input(key="cal_as_of").set_value("2024-06-30").run()  # later rows refused: 7 months left
    assert not at.exception, at.exception
    assert any("calibration needs at least 12" in e.value for e in at.error)


def test_a_history_as_a_case_system_writes_it(page: AppTest) -> None:  # noqa: F811
    """Issue 21: a history with case-system spellings ("Closed", "Moved", "Deceased"), renewals without
    the previous expiry and no extension column is read, not refused; an unknown closure reason is a
    warning with its count, and the extension share is not known rather than a measured 0%."""
    import io

    import pandas as pd

    table = pd.read_csv(io.BytesIO(synthetic_history()), dtype=str, keep_default_na=False)
    renewal = table["request_type"].eq("renewal")
    table.loc[renewal, "current_authorisation_expiry"] = ""
    spelt = {"circumstances_changed": "Moved", "died": "Deceased", "screening": "Screened Out"}
    table["closure_reason"] = table["closure_reason"].map(lambda r: spelt.get(r, r))
    odd = table.index[table["closure_reason"].eq("Moved")][:3]
    table.loc[odd, "closure_reason"] = "Gone Fishing"
    table["outcome"] = table["outcome"].replace({"withdrawn": "Closed", "granted": "Authorised"})
    table = table.drop(columns=["urgent_extended_days"])
    data = table.to_csv(index=False).encode()
    at = open_tab(page, "Calibrate")
    at.file_uploader(key="cal_upload").set_value(("our-history.csv", data, "text/csv")).run()
    at.text_input(key="cal_as_of").set_value(SYNTHETIC_AS_OF.isoformat()).run()
    assert not at.exception, at.exception
    history = read_history(data, SYNTHETIC_AS_OF, filename="our-history.csv")
    assert int(renewal.sum()) > 0 and history.rejects.empty
    assert history.unknown_closure_reasons == {"Gone Fishing": 3}
    shown = frame(at, "Figure", "Value (95% simultaneous CI)")
    # the library's report, in plain words (its notes name the history's columns)
    assert shown.reset_index(drop=True).equals(plain_cells(fit_frame(calibrate_history(history).estimates)))
    assert any("Closure reasons not recognised: 3 rows" in w.value and "'Gone Fishing' (3)" in w.value
               for w in at.warning)  # fmt: skip
    ext = shown.set_index("Figure").loc["Urgent authorisations extended, of those undecided after 7 days"]
    assert "not known" in " ".join(str(v) for v in ext.to_numpy())
