"""Authority as the law counts it: each rule on hand-built rows, citing its paragraph or regulation.

A request gives no authority (Mental Capacity Act 2005 Sch A1 paras 1(3), 2): only an urgent or a
standard authorisation in force does. Reg 13 of SI 2008/1858 sets the deadline, a separate fact.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from tests.conftest import AS_OF, csv_bytes, make_rows
from triage.authority import authority_times
from triage.rulebook import load_rules
from triage.summary import summarise
from triage.worklist import TriageResult, build_worklist

# AS_OF is 2026-11-23; make_rows' requests are received on 2026-11-01 (day 23 today).


def run(rows: list[dict[str, str]], as_of: date = AS_OF, **kw: object) -> TriageResult:
    result = build_worklist(csv_bytes(rows), as_of, filename="x.csv", **kw)  # type: ignore[arg-type]
    assert result.rows_accounted == result.rows_in
    return result


def by_id(result: TriageResult) -> pd.DataFrame:
    return result.worklist.set_index("application_id")


def test_para_1_3_standard_request_for_a_person_already_deprived_is_without_authority_from_receipt() -> None:
    w = by_id(run(make_rows({"already_deprived": "yes"})))
    assert w.loc["A1", "without_authority_since"] == pd.Timestamp("2026-11-01")
    assert w.loc["A1", "authority"] == "none" and not w.loc["A1", "already_deprived_assumed"]
    assert "a request gives no authority" in w.loc["A1", "alerts"]


def test_para_1_3_within_day_21_is_still_without_authority() -> None:
    """Not only the late ones: a request on day 3 gives no more authority than one on day 300."""
    w = by_id(run(make_rows({"already_deprived": "Y", "received_date": "2026-11-21"})))
    assert w.loc["A1", "without_authority_since"] == pd.Timestamp("2026-11-21")
    assert not w.loc["A1", "breached"]


def test_para_24_2_planned_deprivation_has_no_time_without_authority() -> None:
    """A request ahead of a planned move (para 24(2)): no deprivation yet, so none without authority."""
    w = by_id(run(make_rows({"already_deprived": "no"})))
    assert pd.isna(w.loc["A1", "without_authority_since"])
    assert w.loc["A1", "authority"].startswith("none needed yet")


def test_a_blank_answer_rests_on_the_settings_default_and_says_so() -> None:
    w = by_id(run(make_rows({}, {"setting": "hospital"})))  # no already_deprived column at all
    assert w["already_deprived_assumed"].all() and (w["already_deprived"] == "yes").all()
    assert w["without_authority_since"].notna().all()
    assert "assumed from the setting" in w.loc["A1", "alerts"]


def test_the_default_is_data_in_the_rules_file(tmp_path: object) -> None:
    from pathlib import Path

    text = (Path("triage/rules/timescales.toml")).read_text()
    own = Path(str(tmp_path)) / "timescales.toml"
    own.write_text(
        text.replace("{ care_home = true, hospital = true }", "{ care_home = false, hospital = true }")
    )
    rules = load_rules(timescales=own)
    w = by_id(run(make_rows({}, {"setting": "hospital"}), rules=rules))
    assert pd.isna(w.loc["A1", "without_authority_since"])  # care home: planned by default here
    assert w.loc["A2", "without_authority_since"] == pd.Timestamp("2026-11-01")


def test_para_24_renewal_deadline_is_reg_13_day_21_and_authority_ends_with_the_authorisation() -> None:
    """Reg 13(1): 21 days from receipt, whatever the standing authorisation's end; the end of authority
    is a separate fact (the day after the authorisation's last day)."""
    w = by_id(
        run(
            make_rows(
                {"request_type": "renewal", "received_date": "2026-11-10",
                 "current_authorisation_expiry": "2026-11-15"},
            )
        )
    )  # fmt: skip
    row = w.loc["A1"]
    assert row["statutory_deadline"] == pd.Timestamp("2026-11-30")  # not the 15th
    assert not row["breached"]
    assert row["without_authority_since"] == pd.Timestamp("2026-11-16")
    assert not row["authority_ended_before_request"]


def test_para_24_renewal_received_after_the_authorisation_ended_is_flagged_not_breached_early() -> None:
    w = by_id(
        run(
            make_rows(
                {"request_type": "renewal", "received_date": "2026-11-14",
                 "current_authorisation_expiry": "2026-11-05"},
            )
        )
    )  # fmt: skip
    row = w.loc["A1"]
    assert row["authority_ended_before_request"] and not row["breached"]  # day 10 of its 21
    assert row["statutory_deadline"] == pd.Timestamp("2026-12-04")
    assert row["without_authority_since"] == pd.Timestamp("2026-11-06")
    assert "authorisation had ended before the further request" in row["alerts"]


def test_paras_76_78_urgent_in_force_then_without_authority_the_day_after_it_ends() -> None:
    w = by_id(
        run(
            make_rows(
                {"request_type": "urgent", "received_date": "2026-11-20", "urgent_start": "2026-11-20"},
                {"request_type": "urgent", "received_date": "2026-11-10", "urgent_start": "2026-11-10"},
            )
        )
    )
    assert w.loc["A1", "authority"] == "urgent authorisation in force"
    assert pd.isna(w.loc["A1", "without_authority_since"])
    assert w.loc["A2", "without_authority_since"] == pd.Timestamp("2026-11-17")  # 10 + 6, then next day


def test_part_8_review_is_accepted_in_its_own_section_without_a_reg_13_deadline() -> None:
    result = run(make_rows({"request_type": "Review", "current_authorisation_expiry": "2027-05-01"}, {}))
    w = by_id(result)
    assert w.loc["A1", "request_type"] == "review" and pd.isna(w.loc["A1", "statutory_deadline"])
    assert not w.loc["A1", "breached"] and w.loc["A1", "authority"] == "standard authorisation in force"
    assert summarise(result).reviews == 1


def test_n_a_to_a_screening_question_is_not_known_and_counted() -> None:
    """An N/A to "is the person objecting?" is no answer: never "no", so never low with nothing missing."""
    flags = [
        "objecting", "family_objecting", "unsettled_placement", "restraint",
        "sedation_or_covert_medication", "one_to_one", "contact_restrictions", "move_considered",
    ]  # fmt: skip
    result = run(make_rows({f: "N/A" for f in flags}))
    w = by_id(result)
    assert w.loc["A1", "priority"] == "unscreened"
    assert "objecting" in w.loc["A1", "missing_information"]
    assert result.not_applicable_answers == len(flags)
    assert summarise(result).not_applicable_answers == len(flags)


def test_reg_13_last_lawful_day_today_and_tomorrow_are_alerts() -> None:
    w = by_id(
        run(make_rows({"received_date": "2026-11-03"}, {"received_date": "2026-11-04"}, {}))
    )  # 3 Nov: day 21 is the 23rd (today); 4 Nov: tomorrow; 1 Nov: past
    assert list(w.loc[["A1", "A2", "A3"], "last_lawful_day"]) == ["today", "tomorrow", ""]
    assert "last lawful day today" in w.loc["A1", "alerts"]


def test_para_84_extended_urgent_on_its_final_day_cannot_be_extended_again() -> None:
    w = by_id(
        run(
            make_rows(
                {
                    "request_type": "urgent",
                    "received_date": "2026-11-10",
                    "urgent_start": "2026-11-10",
                    "urgent_extended_days": "7",
                },
            )
        )
    )  # fmt: skip 10 Nov + 13 = 23 Nov: today, the final day of 7+7
    assert w.loc["A1", "urgent_final_day"] and not w.loc["A1", "extension_due"]
    assert "already extended: decide today" in w.loc["A1", "alerts"]


def test_s39a_imca_is_a_duty_from_receipt_not_a_band() -> None:
    w = by_id(run(make_rows({"no_one_to_consult": "yes"})))
    assert w.loc["A1", "imca_to_instruct"] and w.loc["A1", "priority"] == "low"
    assert "instruct an IMCA (s39A)" in w.loc["A1", "alerts"]


def test_para_139_no_representative_counts_only_after_a_grant() -> None:
    """An RPR is appointed only once a standard authorisation is given: a new request cannot lack one."""
    w = by_id(
        run(
            make_rows(
                {"representative_not_in_place": "yes"},
                {"representative_not_in_place": "yes", "request_type": "renewal",
                 "current_authorisation_expiry": "2026-12-10", "change_since_last_authorisation": "no"},
            )
        )
    )  # fmt: skip
    assert w.loc["A1", "priority"] == "low"
    assert w.loc["A2", "priority"] == "medium" and "representative_not_in_place" in w.loc["A2", "reasons"]


def test_significant_change_on_a_renewal_is_high_on_its_own() -> None:
    w = by_id(
        run(
            make_rows(
                {"request_type": "renewal", "current_authorisation_expiry": "2026-12-10",
                 "change_since_last_authorisation": "yes"},
            )
        )
    )  # fmt: skip
    assert w.loc["A1", "priority"] == "high" and w.loc["A1", "reasons"] == "renewal_significant_change"


def test_a_low_reason_is_never_listed_beside_a_high_one() -> None:
    w = by_id(run(make_rows({"objecting": "yes", "end_of_life": "yes"}, {"end_of_life": "yes"})))
    assert w.loc["A1", "reasons"] == "objecting"
    assert "end_of_life" in w.loc["A2", "reasons"]


def test_unscreened_with_only_a_medium_question_blank_is_ordered_with_medium_not_above_it() -> None:
    """A blank "fluctuating capacity" could make a row medium, never high: it must not jump the
    medium band (with fifo-free band ordering: band_then_oldest)."""
    rows = make_rows(
        {"fluctuating_capacity": "", "received_date": "2026-11-20"},  # unscreened, could be medium
        {"fluctuating_capacity": "yes", "received_date": "2026-11-10"},  # medium, older
        {"objecting": "", "received_date": "2026-11-21"},  # unscreened, could be high
    )
    w = run(rows, policy_id="band_then_oldest").worklist
    assert list(w["application_id"]) == ["A3", "A2", "A1"]
    assert list(w["priority"]) == ["unscreened", "medium", "unscreened"]


def test_a_hospice_is_read_by_its_registration() -> None:
    w = by_id(run(make_rows({"setting": "Hospice"}, {"setting": "Hospice (registered as a care home)"})))
    assert list(w["setting"]) == ["hospital", "care_home"]


def test_authority_times_is_the_one_rule_for_triage_and_simulation() -> None:
    """The simulation's clock goes through the same function (triage.clock.authority_ends)."""
    from triage.clock import authority_ends

    received = np.array([0.0, 0.0, 0.0, 5.0])
    common = {
        "is_urgent": np.array([False, False, True, False]),
        "received": received,
        "already_deprived": np.array([True, False, True, True]),
    }
    t = authority_times(
        is_further=np.array([False, False, False, True]),
        urgent_end=np.array([np.nan, np.nan, 7.0, np.nan]),
        standing_end=np.array([np.nan, np.nan, np.nan, 3.0]),
        **common,
    )
    assert list(t.without_authority_from) == [0.0, np.inf, 7.0, 3.0]
    assert list(t.ended_before_request) == [False, False, False, True]
    ends = authority_ends(
        deadline_day=np.array([20.0, 20.0, 6.0, 25.0]),
        urgent_expiry_day=np.array([np.nan, np.nan, 6.0, np.nan]),
        extension_granted=np.zeros(4, bool),
        extension_adds=7,
        is_renewal=np.array([False, False, False, True]),
        authorisation_end=np.array([np.nan, np.nan, np.nan, 3.0]),
        **common,
    )
    assert list(ends.unauthorised_from) == list(t.without_authority_from)
    assert list(ends.decision_due) == [21.0, 21.0, 7.0, 26.0]
