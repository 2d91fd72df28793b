"""The command line as a user meets it: exit codes, one-line errors, counts only on the terminal."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from commands.main import main
from triage.rulebook import load_rules
from triage.summary import summarise
from triage.synth import synthesise
from triage.worklist import build_worklist

EXAMPLE = Path("examples/open_applications.csv")


def dols_sim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "commands.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_triage_example_end_to_end(tmp_path: Path) -> None:
    out, rej = tmp_path / "worklist.csv", tmp_path / "rejects.xlsx"
    apart = tmp_path / "outside.csv"
    r = dols_sim(
        "triage", str(EXAMPLE), "--as-of", "2026-11-23", "--out", str(out), "--rejects", str(rej),
        "--outside", str(apart),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    worklist = pd.read_csv(out, encoding="utf-8-sig")
    rejects = pd.read_excel(rej)
    outside = pd.read_csv(apart, encoding="utf-8-sig")
    source = pd.read_csv(EXAMPLE, dtype=str)
    assert len(worklist) + len(outside) + len(rejects) == len(source)  # conservation
    ids = set(worklist["application_id"]) | set(rejects["application_id"]) | set(outside["application_id"])
    assert ids == set(source["application_id"])
    assert "2,000 rows in" in r.stdout
    # privacy: the terminal shows counts, never an application's reference
    assert not any(app_id in r.stdout for app_id in source["application_id"])


def test_shipped_example_is_what_synth_makes() -> None:
    regenerated = synthesise(2000, pd.Timestamp("2026-11-23").date(), seed=1, bad_rows=20)
    shipped = pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    pd.testing.assert_frame_equal(shipped, regenerated.astype(str), check_dtype=False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["triage", "nope.csv", "--as-of", "2026-11-23"], "nope.csv: file not found"),
        (["triage", str(EXAMPLE), "--as-of", "23rd Nov"], "--as-of '23rd Nov': not a date"),
        (["triage", str(EXAMPLE), "--as-of", "31/12/2026x"], "not a date"),
        (["triage", str(EXAMPLE), "--as-of", "0001-01-01"], "expected a date from 2009-04-01"),
        (["triage", str(EXAMPLE), "--out", "w.pdf"], "expected an output file ending .csv or .xlsx"),
        (["triage", str(EXAMPLE), "--criteria", "missing.toml"], "rules file not found"),
        (["triage", str(EXAMPLE), "--policy", "random"], "unknown queue policy 'random'"),
        (["synth", "--n", "5", "--bad-rows", "9"], "--bad-rows 9: must be at most --n"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    r = dols_sim(*args)
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert len(r.stderr.strip().splitlines()) == 1


def test_unusable_export_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\xff\xfe garbage")
    assert main(["triage", str(bad)]) == 2


def test_usage_error_exit_2() -> None:
    r = dols_sim("triage", "--no-such-option")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_synth_is_reproducible(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["synth", "--n", "300", "--seed", "7", "--as-of", "2026-01-01", "--out", str(a)]) == 0
    assert main(["synth", "--n", "300", "--seed", "7", "--as-of", "2026-01-01", "--out", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()


def test_synthetic_mix_is_realistic() -> None:
    df = synthesise(20000, pd.Timestamp("2026-11-23").date(), seed=2)
    urgent = (df["request_type"] == "urgent").mean()
    assert 0.53 < urgent < 0.63  # about 58% of requests come with an urgent authorisation
    assert set(df["setting"]) == {"care_home", "hospital"}
    assert (df["request_type"] == "renewal").any()
    assert df["age"].astype(int).min() >= 18


def test_own_band_names_with_own_policies(tmp_path: Path) -> None:
    """A council's red/amber/green criteria need a policies file that orders those bands (review #16)."""
    criteria = tmp_path / "rag.toml"
    criteria.write_text(
        'bands = ["red", "amber", "green"]\n[inputs]\nflags = ["objecting", "restraint"]\n'
        '[[criterion]]\nid = "obj"\nlabel = "Objecting"\nband = "red"\nwhen = { objecting = true }\n'
        '[[criterion]]\nid = "calm"\nlabel = "Settled"\nband = "green"\n'
        "when = { objecting = false, restraint = false }\n"
    )
    policies = tmp_path / "policies.toml"
    text = Path("triage/rules/queue_policies.toml").read_text()
    text = text.replace(
        'band_order = ["high", "unscreened", "medium", "low"]',
        'band_order = ["red", "unscreened", "amber", "green"]',
    )
    text = text.replace(
        "high = 0\nunscreened = 0\nmedium = 28\nlow = 56", "red = 0\nunscreened = 0\namber = 28\ngreen = 56"
    )
    text = text.replace('bands = ["high"]', 'bands = ["red"]')  # tiers that name a band
    policies.write_text(text)
    out = tmp_path / "w.csv"
    assert (
        dols_sim("triage", str(EXAMPLE), "--criteria", str(criteria)).returncode == 2
    )  # bands unknown to policies
    r = dols_sim(
        "triage", str(EXAMPLE), "--as-of", "2026-11-23", "--criteria", str(criteria),
        "--policies", str(policies), "--out", str(out),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert set(pd.read_csv(out, encoding="utf-8-sig")["priority"]) <= {"red", "amber", "green", "unscreened"}
    # the equity tables count the council's top band, whatever it is called
    rules = load_rules(criteria=criteria, policies=policies)
    result = build_worklist(EXAMPLE, date(2026, 11, 23), rules)
    summary = summarise(result, rules.criteria.all_bands)
    red = int((result.worklist["priority"] == "red").sum())
    assert summary.by_support_reason["high_priority"].sum() == red > 0


def test_validate_checks_a_worklist_like_run_does(tmp_path: Path) -> None:
    raw = tmp_path / "raw.csv"
    raw.write_text("application_id,received_date,setting,request_type\nA1,2026-11-01,care_home,standard\n")
    scenario = tmp_path / "s.toml"
    text = Path("scenarios/example-council.toml").read_text()
    text = re.sub(r"(?m)^size = \d+", f'worklist = "{raw}"', text).replace(
        "start_date = 2025-04-01", "start_date = 2026-11-23"
    )
    scenario.write_text(text)
    r = dols_sim("validate", str(scenario))
    assert r.returncode == 2 and "missing column(s)" in r.stderr and "Traceback" not in r.stderr


def test_run_into_an_unwritable_folder_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "out" / "summary.csv").mkdir(parents=True)
    r = dols_sim("run", "scenarios/example-council.toml", "--reps", "2", "--out", str(tmp_path / "out"))
    assert r.returncode == 2 and "--out: cannot write" in r.stderr and "Traceback" not in r.stderr


def test_a_file_with_every_row_refused_exits_2_with_one_line(tmp_path: Path) -> None:
    """Issue 11: every row refused used to exit 0 with an empty worklist. The rejects are still written."""
    src, rej, out = tmp_path / "x.csv", tmp_path / "r.csv", tmp_path / "w.csv"
    src.write_text(
        "application_id,received_date,setting,request_type\nA1,2026-11-01,supported living,standard\n"
        "A2,2026-11-02,supported living,standard\nA3,31/02/2026,care_home,standard\n"
    )
    r = dols_sim("triage", str(src), "--as-of", "2026-11-23", "--rejects", str(rej), "--out", str(out))
    assert r.returncode == 2 and "Traceback" not in r.stderr + r.stdout
    assert r.stderr.strip() == (
        f"error: x.csv: every row (3) was refused, so there is no worklist; most often for setting (2 rows); "
        f"see {rej}"
    )
    assert len(pd.read_csv(rej, encoding="utf-8-sig")) == 3 and not out.exists()
    assert r.stdout == ""


def test_a_required_column_under_another_name_is_one_line_naming_it(tmp_path: Path) -> None:
    src = tmp_path / "x.csv"
    src.write_text("Request ID,Date Received,Placement,Request Type\nA1,01/11/26,Nursing Home,Standard\n")
    r = dols_sim("triage", str(src), "--as-of", "2026-11-23")
    assert r.returncode == 2
    assert "no setting column" in r.stderr and "'Placement' looks like setting" in r.stderr
    ours = tmp_path / "ours.toml"
    ours.write_text('[columns]\nsetting = ["Placement"]\n')
    r = dols_sim("triage", str(src), "--as-of", "2026-11-23", "--columns", str(ours))
    assert (
        r.returncode == 0
        and "1 row in, 1 on the worklist, 0 outside the DoLS (under 18), 0 refused" in r.stdout
    )
    r = dols_sim("triage", str(src), "--columns", str(tmp_path / "none.toml"))
    assert r.returncode == 2 and "mapping file not found" in r.stderr
