"""Issue 21: no code name on screen where a plain name exists. The page is walked as rendered (every
tab, with an upload holding work in hand, a register, refused rows and warnings; a Scenario run; an Options
answer; a backtest) and every header, text cell, label, option and message read for the contract's
snake_case names. Code may appear only as code: in backticks, or in a column whose header says it is
"in the criteria file"."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from presentation.labels import code_names_in, plain, plain_text
from tests.conftest import csv_bytes, make_rows
from tests.functional.test_app import find_options, open_tab, page, run_scenario  # noqa: F401  (the page fixture)

REGISTER = (
    b"Authorisation Reference,Client ID,Date Authorised,Expiry Date,RPR Appointed,Conditions Attached\n"
    b"S1,P1,01/12/25,20/11/26,03/12/25,\n"
    b"S2,P2,01/06/26,31/05/27,,\n"
    b"S4,P4,01/06/26,01/05/26,,\n"
)


def _headers(d: object) -> list[str]:
    """A dataframe's headers as the browser shows them: the column_config label where one is given."""
    config = json.loads(d.proto.columns) if d.proto.columns else {}  # type: ignore[attr-defined]
    shown = []
    for column in d.value.columns:  # type: ignore[attr-defined]
        given = config.get(str(column))
        label = given.get("label") if isinstance(given, dict) else None
        shown.append(label or str(column))
    return shown


def code_on_screen(at: AppTest) -> dict[str, set[str]]:
    """Every code name shown outside code, with where it was seen."""
    seen: dict[str, set[str]] = defaultdict(set)

    def look(where: str, text: object) -> None:
        shown = re.sub(
            r"\\([\\`*!\[\]<>$])", r"\1", str(text)
        )  # as_text's escapes, as the browser shows them
        for name in code_names_in(shown):
            seen[name].add(where)

    for d in at.dataframe:
        headers = _headers(d)
        for header in headers:
            look("table header", header)
        for column, header in zip(d.value.columns, headers, strict=True):
            values = d.value[column]
            if "in the criteria file" in header or not (
                pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)
            ):
                continue
            for value in values.dropna().unique():
                look(f"cell of {header!r}", value)
    for t in at.table:
        look("table index", t.value.index.name or "")
        for column in t.value.columns:
            look("table header", column)
            for value in t.value[column].astype(str).unique():
                look(f"cell of {column!r}", value)
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "subheader", "header"):
        for element in getattr(at, kind):
            look(kind, element.value)
    for m in at.metric:
        look("metric", m.label)
    for kind in ("selectbox", "multiselect", "radio"):
        for widget in getattr(at, kind):
            look(f"{kind} label", widget.label)
            for option in widget.options:
                look(f"{kind} option", option)
    for kind in ("number_input", "text_input", "date_input", "checkbox", "button", "file_uploader"):
        for widget in at.get(kind):
            look(f"{kind} label", getattr(widget, "label", "") or widget.proto.label)
    return dict(seen)


def assert_plain(at: AppTest, tab: str) -> None:
    assert not at.exception, at.exception
    found = code_on_screen(at)
    assert not found, f"{tab}: code names on screen: " + "; ".join(
        f"{name} ({', '.join(sorted(where))})" for name, where in sorted(found.items())
    )


def test_plain_words_turn_code_names_into_words() -> None:
    assert plain("received_date") == "date received"
    assert plain("care_home") == "care home"
    assert plain("some_new_column") == "some new column"  # never shown as code, even with no entry
    assert plain("Date Received") == "Date Received"  # a header as a person wrote it stays as written
    assert plain_text("received_date '31/02/2025': not a date") == "date received '31/02/2025': not a date"
    assert plain_text("objecting; one_to_one") == "objecting; one-to-one supervision"
    assert code_names_in("the `received_date` column") == []  # code, shown as code
    # what the file held is the user's: a quoted value, a council's own column, the refused rows' cells
    assert plain_text("application_id 'dols_17': duplicate") == "application ID 'dols_17': duplicate"
    from page.tables import plain_cells

    refused = pd.DataFrame(
        {
            "setting": ["nursing_home", "care_home"],
            "notes": ["j_smith@x", ""],
            "problems": ["setting 'a_b'", ""],
        }
    )
    shown = plain_cells(refused)
    assert shown["setting"].tolist() == ["nursing_home", "care home"]  # worded only when it is a code
    assert shown["notes"].tolist() == ["j_smith@x", ""]  # not a coded column: as written
    assert shown["problems"].tolist() == ["setting 'a_b'", ""]  # the quoted value, as the file held it
    assert code_names_in("the received_date column") == ["received_date"]


@pytest.mark.parametrize("tab", ["Triage", "About", "Calibrate"])
def test_no_code_name_on_the_tabs_as_first_shown(page: AppTest, tab: str) -> None:  # noqa: F811
    assert_plain(open_tab(page, tab), tab)


def test_no_code_name_with_an_export_of_every_kind_of_row(page: AppTest) -> None:  # noqa: F811
    """Work in hand, a register with alerts and a refused row, a request without authority, refused
    export rows, an under-18: every table the Triage tab can draw."""
    data = csv_bytes(
        make_rows(
            {"person_id": "P9", "received_date": "2026-11-20"},
            {"status": "Allocated to BIA", "status_date": "2026-11-10", "assessor": "Sam"},
            {"status": "Awaiting Sign Off", "status_date": "2026-11-20", "assessor": "Sam"},
            {"received_date": "31/02/2026"},
            {"age": "16"},
        )
    )
    page.file_uploader(key="upload").set_value(("export.csv", data, "text/csv")).run()
    page.file_uploader(key="register_upload").set_value(("register.csv", REGISTER, "text/csv")).run()
    page.text_input(key="as_of").set_value("2026-11-23").run()
    assert len(page.dataframe) >= 10  # the walk reached the register, work in hand, refused rows and the rest
    assert_plain(page, "Triage with uploads")


def test_no_code_name_after_a_run_an_answer_and_a_backtest(page: AppTest) -> None:  # noqa: F811
    run_scenario(page, reps=2, seed=3)
    page.session_state["scn_all_results"] = True
    page.session_state["scn_waits"] = True
    page.run()
    assert_plain(page, "Scenario after Run")
    open_tab(page, "Options")
    find_options(page, {
        "opt_fte_from": 10.0, "opt_fte_to": 14.0, "opt_fte_step": 4.0,
        "opt_bought_from": 200.0, "opt_bought_to": 400.0, "opt_bought_step": 200.0,
        "opt_reps": 2,
    })  # fmt: skip
    assert page.session_state["options_found"] is not None
    assert_plain(page, "Options after Find")
    open_tab(page, "Calibrate")
    page.button(key="cal_bt_run").click().run()
    assert_plain(page, "Calibrate after the backtest")
