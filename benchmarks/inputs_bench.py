"""Broken and hostile inputs (issue 10): memory against a clean CSV of the same data, and time to a verdict.

    python benchmarks/inputs_bench.py [--rows 20000]

1. Memory: the same ``--rows`` synthetic applications as a clean UTF-8 CSV (the baseline), and as an
   .xlsx, UTF-16 tab-separated text, CR-only CSV, a CSV with a line break in a quoted value on every
   row, and a CSV with one unclosed quote. Each is triaged (read, validate, screen, order) in a fresh
   process; the figure is the peak resident memory above the process's memory once everything is
   imported. Target: at most 3x the baseline.
2. Time: each hostile shape at (just under) 10 MB, triaged end to end by ``dols-sim triage --out``
   in a fresh process (start-up included). Target: under 10 s each, no traceback.
3. Simulation rate: applications handled a second by one replication (the figure behind the command
   line's expected run time, :data:`simulation.budget.APPLICATIONS_PER_SECOND`), and memory per
   application (behind :data:`simulation.budget.RUN_LIMIT`).

Prints markdown tables for the README.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shapes live with the tests
from tests.hostile import unclosed_quote_csv, wide_csv, workbook
from triage.export import to_csv_bytes, to_xlsx_bytes
from triage.synth import synthesise

#: The installed command beside this Python (a venv need not be on PATH), else the one on PATH.
_BESIDE = Path(sys.executable).with_name("dols-sim")
DOLS_SIM = str(_BESIDE) if _BESIDE.exists() else "dols-sim"

AS_OF = date(2026, 11, 23)
PEAK = """
import resource, sys
from datetime import date
from triage.worklist import build_worklist
# A warm-up on 20 rows of the same kind of file loads every lazy import (and the rules) first.
build_worklist(sys.argv[2], date(2026, 11, 23))
base = int(open('/proc/self/statm').read().split()[1]) * 4096 / 1e6
build_worklist(sys.argv[1], date(2026, 11, 23))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3 - base)
"""


def peak_mb(path: Path, warm: Path) -> float:
    out = subprocess.run(
        [sys.executable, "-c", PEAK, str(path), str(warm)], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


def memory(rows: int, folder: Path) -> list[tuple[str, float, float]]:
    def shapes(df: pd.DataFrame) -> dict[str, tuple[str, bytes]]:
        csv = to_csv_bytes(df)
        text = csv.decode("utf-8-sig")
        return {
            "clean CSV (baseline)": ("clean.csv", csv),
            "XLSX": ("x.xlsx", to_xlsx_bytes(df)),
            "UTF-16, tab-separated": ("u.txt", text.replace(",", "\t").encode("utf-16")),
            "CR-only line endings": ("cr.csv", text.replace("\r\n", "\r").replace("\n", "\r").encode()),
            "a line break in every row's notes": ("notes.csv", to_csv_bytes(df.assign(notes="one\ntwo"))),
            "one unclosed quote (row 10)": ("open.csv", text.replace(",North,", ',"North,', 1).encode()),
        }

    files = shapes(synthesise(rows, AS_OF, seed=1))
    small = shapes(synthesise(20, AS_OF, seed=2))
    out = []
    baseline = 0.0
    for label, (name, data) in files.items():
        path, warm = folder / name, folder / f"warm-{name}"
        path.write_bytes(data)
        warm.write_bytes(small[label][1])
        mb = min(peak_mb(path, warm) for _ in range(3))
        baseline = baseline or mb
        out.append((label, mb, mb / baseline))
    return out


def timings(folder: Path) -> list[tuple[str, float, float, int, str]]:
    shapes = {
        "unclosed quote in row 40 of 60,000": ("open.csv", unclosed_quote_csv(60_000, 40)),
        "workbook claiming A1:XFD1048576, 2 rows": ("claims.xlsx", workbook(2, dimension="A1:XFD1048576")),
        "workbook, 2 rows and a cell at XFD1048576": ("stray.xlsx", workbook(2, far=(1_048_576, 16_384))),
        "workbook, 100,000 rows (synthetic export)": (
            "big.xlsx",
            to_xlsx_bytes(synthesise(100_000, AS_OF, seed=1)),
        ),
        "400 rows by 5,000 columns": ("wide.csv", wide_csv(400, 5000)),
        "UTF-16 tab-separated, 30,000 rows": (
            "u.txt",
            to_csv_bytes(synthesise(30_000, AS_OF, seed=1))
            .decode("utf-8-sig")
            .replace(",", "\t")
            .encode("utf-16"),
        ),
    }
    out = []
    for label, (name, data) in shapes.items():
        path = folder / name
        path.write_bytes(data)
        started = time.perf_counter()
        done = subprocess.run(
            [DOLS_SIM, "triage", str(path), "--as-of", AS_OF.isoformat(), "--out", str(folder / "w.csv")],
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        out.append(
            (
                label,
                len(data) / 1e6,
                seconds,
                done.returncode,
                ("yes" if "Traceback" in done.stderr else "no"),
            )
        )
    return out


SIM = """
import resource, sys, time
from simulation.admission import admit
from simulation.experiment import run_one
from simulation.scenario_file import load_scenario, with_overrides
s = with_overrides(load_scenario('scenarios/example-council.toml'), sys.argv[1:])
a = admit(s)
base = int(open('/proc/self/statm').read().split()[1]) * 4096
t = time.perf_counter()
r = run_one(a, 0, 42)
dt = time.perf_counter() - t
apps = r.kpis['initial_backlog'] + r.kpis['received']
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(apps, dt, (peak - base) / apps, a.work.applications)
"""


def simulation_rate() -> list[tuple[str, float, float, float, float]]:
    out = []
    for label, args in (
        ("example council, 3 years", []),
        ("with 200,000 open at start", ["initial_backlog.size=200000"]),
    ):
        done = subprocess.run([sys.executable, "-c", SIM, *args], capture_output=True, text=True, check=True)
        apps, seconds, per_app, estimate = map(float, done.stdout.split())
        out.append((label, apps, estimate, apps / seconds, per_app))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"| the same {args.rows:,} applications as | peak MB above imports | vs clean CSV |")
        print("|---|---:|---:|")
        for label, mb, ratio in memory(args.rows, folder):
            print(f"| {label} | {mb:.0f} | {ratio:.2f}x |")
        print()
        print("| hostile input | MB | seconds, end to end | exit | traceback |")
        print("|---|---:|---:|---:|---|")
        for label, size, seconds, code, trace in timings(folder):
            print(f"| {label} | {size:.1f} | {seconds:.1f} | {code} | {trace} |")
        print()
        print(
            "| simulation | applications | budget's estimate | applications a second | bytes an application |"
        )
        print("|---|---:|---:|---:|---:|")
        for label, apps, estimate, rate, per_app in simulation_rate():
            print(f"| {label} | {apps:,.0f} | {estimate:,.0f} | {rate:,.0f} | {per_app:,.0f} |")


if __name__ == "__main__":
    main()
