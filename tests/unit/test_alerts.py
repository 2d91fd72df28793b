"""Alerts on hand-built rows, as of 23 November 2026: counts pinned, dates worked by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import AS_OF, cli, csv_bytes, make_rows
from triage.alerts import AlertCounts, count_alerts, without_authority
from triage.rulebook import load_rules, load_timescales
from triage.worklist import TriageResult, build_worklist

URGENT = {"request_type": "urgent"}
RENEWAL = {"request_type": "renewal"}
ROWS = make_rows(
    # A1: urgent given 1 Nov, 7 days: last day 7 Nov, so without authority since 8 Nov
    {**URGENT, "received_date": "2026-11-01", "urgent_start": "2026-11-01"},
    # A2: urgent given 5 Nov, extended 7: last day 18 Nov, without authority since 19 Nov
    {**URGENT, "received_date": "2026-11-05", "urgent_start": "2026-11-05", "urgent_extended_days": "7"},
    # A3: urgent given 18 Nov, ends 24 Nov, not extended: extension decision due (within 3 days)
    {**URGENT, "received_date": "2026-11-18", "urgent_start": "2026-11-18"},
    # A4: urgent given 23 Nov, ends 29 Nov: expiring within 7 days, extension not yet due
    {**URGENT, "received_date": "2026-11-23", "urgent_start": "2026-11-23"},
    # A5: renewal, standing authorisation ends today: ending soon (today counts), not yet without authority
    {**RENEWAL, "received_date": "2026-11-01", "current_authorisation_expiry": "2026-11-23"},
    # A6: ends 30 Nov, 7 days ahead: inside the 7-day window; requested 25 Oct, 36 days before: early
    {**RENEWAL, "received_date": "2026-10-25", "current_authorisation_expiry": "2026-11-30"},
    # A7: ends 1 Dec, 8 days ahead: outside the window; requested 3 Nov, 28 days before: on time; and
    # received 3 Nov, so reg 13(1)'s day 21 is today: last lawful day
    {**RENEWAL, "received_date": "2026-11-03", "current_authorisation_expiry": "2026-12-01"},
    # A8: ended 22 Nov: without authority since 23 Nov
    {**RENEWAL, "received_date": "2026-11-02", "current_authorisation_expiry": "2026-11-22"},
    # A9: a standard request for a care home resident (already deprived: the setting's default): a
    # request gives no authority (Sch A1 paras 1(3), 2), so without authority since receipt
    {"received_date": "2025-01-01"},
    # A10: a standard request ahead of a planned move: no deprivation yet, no alert whatever its wait
    {"received_date": "2025-01-01", "already_deprived": "no"},
)


def triage(rows: list[dict[str, str]] = ROWS) -> TriageResult:
    return build_worklist(csv_bytes(rows), AS_OF, filename="x.csv")


def by_id(result: TriageResult) -> pd.DataFrame:
    return result.worklist.set_index("application_id").sort_index()


def test_alert_counts_are_pinned() -> None:
    result = triage()
    assert len(result.rejects) == 0
    assert count_alerts(result.worklist) == AlertCounts(
        without_authority_standard=1,  # A9
        without_authority_urgent=2,  # A1, A2
        without_authority_renewal=1,  # A8
        without_authority_assumed=1,  # A9
        authorisation_ending_soon=2,  # A5, A6
        extension_due=1,  # A3
        urgent_expiring_soon=2,  # A3, A4
        renewal_requested_early=1,  # A6
        last_lawful_day_today=1,  # A7
    )


def test_without_authority_since_the_day_after_authority_ended() -> None:
    w = by_id(triage())
    since = w["without_authority_since"].dt.strftime("%Y-%m-%d").fillna("")
    assert since.to_dict() == {
        "A1": "2026-11-08", "A2": "2026-11-19", "A3": "", "A4": "", "A5": "",
        "A6": "", "A7": "", "A8": "2026-11-23", "A9": "2025-01-01", "A10": "",
    }  # fmt: skip
    assert w.loc["A1", "alerts"] == (
        "deprived of liberty without authority since 2026-11-08 (urgent authorisation expired)"
    )
    assert (
        w.loc["A8", "alerts"]
        == "deprived of liberty without authority since 2026-11-23 (authorisation ended)"
    )
    assert w.loc["A3", "alerts"] == "extension decision due: urgent authorisation ends 2026-11-24"
    assert w.loc["A4", "alerts"] == "urgent authorisation ends 2026-11-29"
    assert w.loc["A5", "alerts"] == "standing authorisation ends 2026-11-23"
    assert w.loc["A6", "alerts"] == (
        "standing authorisation ends 2026-11-30; renewal requested 36 days before the authorisation ends "
        "(more than 28)"
    )
    assert w.loc["A7", "alerts"] == "last lawful day today (reg 13: 21 days from receipt)"
    assert w.loc["A9", "alerts"] == (
        "deprived of liberty without authority since 2025-01-01 (request received; already deprived "
        "assumed from the setting)"
    )
    assert w.loc["A10", "alerts"] == ""


def test_the_list_without_authority_is_longest_first_with_days_counted() -> None:
    result = triage()
    table = without_authority(result.worklist, AS_OF)
    assert list(table["application_id"]) == ["A9", "A1", "A2", "A8"]
    # 8 Nov to 23 Nov inclusive is 16 days; 1 Jan 2025 to 23 Nov 2026, 692
    assert list(table["days_without_authority"]) == [692, 16, 5, 1]


def test_the_window_is_read_from_the_timescales_file(tmp_path: Path) -> None:
    text = Path("triage/rules/timescales.toml").read_text()
    path = tmp_path / "t.toml"
    path.write_text(
        text.replace(
            "renewal_authorisation_ending_within_days = 7", "renewal_authorisation_ending_within_days = 0"
        )
    )
    assert load_timescales(path).alerts.renewal_authorisation_ending_within_days == 0
    rules = load_rules(timescales=path)
    result = build_worklist(csv_bytes(ROWS), AS_OF, rules, filename="x.csv")
    assert list(result.worklist.loc[result.worklist["authorisation_ending_soon"], "application_id"]) == ["A5"]


def test_alerts_are_exported_and_counted_on_the_terminal(tmp_path: Path) -> None:
    src, out = tmp_path / "x.csv", tmp_path / "w.csv"
    src.write_bytes(csv_bytes(ROWS))
    r = cli("triage", src, "--as-of", AS_OF.isoformat(), "--out", out)
    assert r.exit_code == 0, r.output
    assert (
        "Deprived of liberty without authority: 4 (standard request, already deprived 1, of which 1 on "
        "the setting's default; urgent authorisation ended 2; standing authorisation ended 1)"
    ) in r.stdout
    assert "Last lawful day today: 1, tomorrow: 0" in r.stdout
    assert "standing authorisation ends within 7 days: 2" in r.stdout
    assert "Renewals requested more than 28 days before the authorisation ends: 1" in r.stdout
    written = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False).set_index(
        "application_id"
    )
    assert written.loc["A1", "without_authority_since"] == "2026-11-08"
    assert written.loc["A6", "renewal_requested_early"] == "true"  # as breached is written
    assert written.loc["A3", "alerts"].startswith("extension decision due")


@pytest.mark.parametrize("policy", ["statutory_then_band", "fifo"])
def test_alerts_do_not_depend_on_the_order(policy: str) -> None:
    result = build_worklist(csv_bytes(ROWS), AS_OF, filename="x.csv", policy_id=policy)
    assert count_alerts(result.worklist).without_authority == 4
