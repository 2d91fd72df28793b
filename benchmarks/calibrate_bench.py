"""Calibration speed: three years of a large council (about 30,000 rows), against reading the same file
and against one simulated run of the same council, measured in the same run.

    python benchmarks/calibrate_bench.py [--repeats 5]

The history is ``synth-history`` of ``scenarios/validation/recovery_large.toml`` (700 new requests a month
plus renewals, 36 months). Calibrate = read and validate the CSV, fit demand, mix and closures, match the
BIA posts to the decisions by running the model (a reduced-size copy, a few times), write the commented
scenario. Target (issue 13): under 10 s. Prints a markdown table for the README.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import pandas as pd  # noqa: E402
from triage_bench import median_seconds  # noqa: E402

from simulation.admission import admit  # noqa: E402
from simulation.calibrate import calibrate, calibrate_history, commented_toml  # noqa: E402
from simulation.experiment import replication_seed  # noqa: E402
from simulation.history import synth_history  # noqa: E402
from simulation.model import simulate  # noqa: E402
from simulation.scenario_file import load_scenario, with_values  # noqa: E402
from triage.history import read_history  # noqa: E402

LARGE = ROOT / "scenarios" / "validation" / "recovery_large.toml"
MONTHS = 36


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    scenario = load_scenario(LARGE)
    history, as_of = synth_history(scenario, MONTHS, seed=1)
    admitted = admit(with_values(scenario, {"horizon.months": MONTHS}))
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "history.csv"
        history.to_csv(src, index=False)
        size_mb = src.stat().st_size / 1e6
        out = Path(tmp) / "calibrated.toml"

        def ours() -> None:
            out.write_text(commented_toml(calibrate(src, as_of)), encoding="utf-8")

        ours()  # warm-up (imports, caches)
        base_read = median_seconds(lambda: pd.read_csv(src), args.repeats)
        base_run = median_seconds(lambda: simulate(admitted, replication_seed(1, 0)), args.repeats)
        read = median_seconds(lambda: read_history(src, as_of), args.repeats)
        validated = read_history(src, as_of)
        fit = median_seconds(lambda: calibrate_history(validated), args.repeats)
        whole = median_seconds(ours, args.repeats)
        cmd = [sys.executable, "-m", "commands.main", "calibrate", str(src), "--as-of", as_of.isoformat()]
        cmd += ["--out", str(out)]
        process = median_seconds(lambda: subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT), 3)
    print(f"Calibration benchmark: {len(history):,} rows ({size_mb:.1f} MB CSV), median of {args.repeats}\n")
    print("| step | median s | vs read_csv | vs one run |")
    print("|---|---:|---:|---:|")
    rows = [
        ("pandas read_csv of the history (baseline)", base_read),
        (f"one simulated run of the same council, {MONTHS} months (baseline)", base_run),
        ("read and validate the history", read),
        ("fit everything (demand, mix, closures, outcomes, BIA posts)", fit),
        ("calibrate end to end, in process (read, fit, write the scenario)", whole),
        ("process: `dols-sim calibrate` (start-up included, median of 3)", process),
    ]
    for label, t in rows:
        print(f"| {label} | {t:.2f} | {t / base_read:.1f}x | {t / base_run:.2f}x |")
    print("\ntarget (calibrate under 10 s, as a process): " + ("met" if process < 10 else "NOT met"))


if __name__ == "__main__":
    main()
