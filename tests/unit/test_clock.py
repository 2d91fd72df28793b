"""The statutory clock, pinned by dated examples (DESIGN §2)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import csv_bytes, make_rows
from triage.clock import deadline_days, last_day_offset
from triage.rulebook import Timescales, load_timescales
from triage.worklist import build_worklist

T = load_timescales()


def _deadline(
    first_day: date,
    request_type: str = "standard",
    extended: int = 0,
    expiry: date | None = None,
    ts: Timescales = T,
) -> date:
    """One application through the production function (dates as ordinals: any common origin works)."""
    d = deadline_days(
        ts,
        is_urgent=np.array([request_type == "urgent"]),
        is_renewal=np.array([request_type == "renewal"]),
        received_day=np.array([first_day.toordinal()]),
        urgent_start_day=np.array([first_day.toordinal()]),
        extended_days=np.array([extended]),
        authorisation_expiry_day=np.array([expiry.toordinal() if expiry else np.nan]),
    )
    return date.fromordinal(int(d.deadline_day[0]))


def standard_deadline(received: date, ts: Timescales) -> date:
    return _deadline(received, ts=ts)


def urgent_expiry(start: date, extended: int, ts: Timescales) -> date:
    return _deadline(start, "urgent", extended, ts=ts)


def test_21_day_period_ends_on_receipt_plus_20() -> None:
    # Reg 13(1): "beginning with the date ... receives": received 1 March, decide by 21 March.
    assert standard_deadline(date(2026, 3, 1), T) == date(2026, 3, 21)
    assert last_day_offset(21, "day_one") == 20


def test_urgent_seven_days_given_1_march_ends_7_march() -> None:
    assert urgent_expiry(date(2026, 3, 1), 0, T) == date(2026, 3, 7)


def test_urgent_seven_plus_seven_ends_14_march() -> None:
    assert urgent_expiry(date(2026, 3, 1), 7, T) == date(2026, 3, 14)


@pytest.mark.parametrize(
    ("received", "deadline"),
    [
        (date(2026, 1, 31), date(2026, 2, 20)),  # across a month end
        (date(2026, 12, 20), date(2027, 1, 9)),  # across a year end
        (date(2028, 2, 15), date(2028, 3, 6)),  # 2028 is a leap year: 29 Feb counts
        (date(2027, 2, 15), date(2027, 3, 7)),  # 2027 is not
        (date(2028, 2, 29), date(2028, 3, 20)),  # received on the leap day itself
    ],
)
def test_standard_deadline_month_ends_and_leap_day(received: date, deadline: date) -> None:
    assert standard_deadline(received, T) == deadline


def test_urgent_over_leap_day() -> None:
    assert urgent_expiry(date(2028, 2, 25), 0, T) == date(2028, 3, 2)
    assert urgent_expiry(date(2028, 2, 25), 7, T) == date(2028, 3, 9)


def test_day_after_counting_is_one_setting(tmp_path: Path) -> None:
    # Some councils count "given date + 7": one line in the data file, no code change.
    text = (
        Path("triage/rules/timescales.toml").read_text().replace('urgent = "day_one"', 'urgent = "day_after"')
    )
    custom = tmp_path / "timescales.toml"
    custom.write_text(text)
    ts = load_timescales(custom)
    assert urgent_expiry(date(2026, 3, 1), 0, ts) == date(2026, 3, 8)
    assert standard_deadline(date(2026, 3, 1), ts) == date(2026, 3, 21)  # standard unchanged
    assert last_day_offset(7, "day_after") == 7 and last_day_offset(7, "day_one") == 6


def test_reg_13_1_renewal_deadline_is_day_21_whatever_the_expiry() -> None:
    """A further request is a request (Sch A1 para 24): reg 13(1)'s 21 days. When the standing
    authorisation ends is a separate fact (triage.authority), not the deadline."""
    assert _deadline(date(2026, 3, 1), "renewal", expiry=date(2026, 3, 10)) == date(2026, 3, 21)
    assert _deadline(date(2026, 3, 1), "renewal", expiry=date(2026, 4, 30)) == date(2026, 3, 21)


def test_counting_rejects_unknown_convention() -> None:
    with pytest.raises(ValueError):
        last_day_offset(21, "calendar_month")  # type: ignore[arg-type]


def _worklist(*rows: dict[str, str], as_of: date) -> pd.DataFrame:
    result = build_worklist(csv_bytes(make_rows(*rows)), as_of, filename="x.csv")
    assert len(result.rejects) == 0, result.rejects["problems"].tolist()
    return result.worklist.set_index("application_id")


def test_clock_columns_on_the_worklist() -> None:
    w = _worklist(
        {"received_date": "2026-03-01"},  # A1 standard: deadline 21 March
        {"received_date": "2026-03-01", "request_type": "urgent", "urgent_start": "2026-03-01"},
        {
            "received_date": "2026-03-01",
            "request_type": "urgent",
            "urgent_start": "2026-03-01",
            "urgent_extended_days": "7",
        },
        {
            "received_date": "2026-03-01",
            "request_type": "renewal",
            "current_authorisation_expiry": "2026-03-10",
            "change_since_last_authorisation": "no",
        },
        as_of=date(2026, 3, 8),
    )
    assert w.loc["A1", "statutory_deadline"] == pd.Timestamp("2026-03-21")
    assert w.loc["A1", "days_waiting"] == 7
    assert w.loc["A1", "days_to_deadline"] == 13
    assert not w.loc["A1", "breached"]
    # urgent, no extension: ended 7 March, so on 8 March it is breached by one day
    assert w.loc["A2", "urgent_expiry"] == pd.Timestamp("2026-03-07")
    assert w.loc["A2", "days_to_deadline"] == -1
    assert w.loc["A2", "breached"]
    assert not w.loc["A2", "extension_due"]  # too late to extend an expired authorisation
    # 7+7 runs to 14 March
    assert w.loc["A3", "statutory_deadline"] == pd.Timestamp("2026-03-14")
    assert not w.loc["A3", "breached"]
    assert w.loc["A3", "urgent_expiring_soon"]
    assert not w.loc["A3", "extension_due"]  # already extended
    # renewal: reg 13(1)'s day 21, though the standing authorisation ends before it (on the 10th)
    assert w.loc["A4", "statutory_deadline"] == pd.Timestamp("2026-03-21")
    assert w.loc["A4", "authorisation_expiry"] == pd.Timestamp("2026-03-10")


def test_last_lawful_day_is_not_breached_and_next_day_is() -> None:
    row = {"received_date": "2026-03-01"}
    assert not _worklist(row, as_of=date(2026, 3, 21)).loc["A1", "breached"]
    assert _worklist(row, as_of=date(2026, 3, 21)).loc["A1", "days_to_deadline"] == 0
    assert _worklist(row, as_of=date(2026, 3, 22)).loc["A1", "breached"]


def test_extension_due_window() -> None:
    urgent = {"request_type": "urgent", "received_date": "2026-03-01", "urgent_start": "2026-03-01"}
    window = T.alerts.extension_decision_within_days
    # expires 7 March; due when within the window, not before
    assert _worklist(urgent, as_of=date(2026, 3, 7 - window)).loc["A1", "extension_due"]
    assert not _worklist(urgent, as_of=date(2026, 3, 7 - window - 1)).loc["A1", "extension_due"]
    assert _worklist(urgent, as_of=date(2026, 3, 7)).loc["A1", "extension_due"]


def test_timescales_defaults_match_statute() -> None:
    assert Timescales() == T  # the shipped file says what the model's defaults say
    assert T.standard.assessment_period_days == 21
    assert T.urgent.period_days == 7 and T.urgent.max_extension_days == 7
