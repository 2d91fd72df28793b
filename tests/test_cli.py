"""The command line as a user meets it: exit codes, one-line errors, counts only on the terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from simulation.cli import main
from triage.synth import synthesise

EXAMPLE = Path("examples/open_applications.csv")


def dols_sim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import sys; from simulation.cli import main; sys.exit(main())", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_triage_example_end_to_end(tmp_path: Path) -> None:
    out, rej = tmp_path / "worklist.csv", tmp_path / "rejects.xlsx"
    r = dols_sim("triage", str(EXAMPLE), "--as-of", "2026-11-23", "--out", str(out), "--rejects", str(rej))
    assert r.returncode == 0, r.stderr
    worklist = pd.read_csv(out, encoding="utf-8-sig")
    rejects = pd.read_excel(rej)
    source = pd.read_csv(EXAMPLE, dtype=str)
    assert len(worklist) + len(rejects) == len(source)  # conservation
    assert set(worklist["application_id"]) | set(rejects["application_id"]) == set(source["application_id"])
    assert "2000 rows in" in r.stdout
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
