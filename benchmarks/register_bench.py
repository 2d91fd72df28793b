"""Triage with the register of authorisations in force: 100,000 requests and 100,000 authorisations end
to end, against a bare pandas read + write of the same two files (issue 20).

    python benchmarks/register_bench.py [--rows 100000] [--repeats 5]

End to end = read and map both files, triage the requests, check the register, join it with the open
requests by person reference and raise its alerts, write the worklist, the register and both rejects as
CSV. The baseline is ``pandas.read_csv`` + ``DataFrame.to_csv`` of both files, in the same run. Targets:
at most 2.5x the baseline in process, 3x as a process (start-up included). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.exports import case_management_csv, iso_dates  # noqa: E402
from triage.export import write_table  # noqa: E402
from triage.register import build_register  # noqa: E402
from triage.rulebook import load_rules  # noqa: E402
from triage.synth import synthesise  # noqa: E402
from triage.worklist import build_worklist  # noqa: E402

AS_OF = date(2026, 11, 23)


def synthetic_register(n: int, seed: int) -> pd.DataFrame:
    """``n`` authorisations shaped like a case system's register (its headers, UK dates): start within
    the last year, a length of 3 to 12 months, some with conditions, a representative, a suspension."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp(AS_OF) - pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    end = start + pd.to_timedelta(rng.integers(90, 365, n), unit="D")
    rpr = start + pd.to_timedelta(rng.integers(0, 14, n), unit="D")
    uk = "%d/%m/%Y"
    return pd.DataFrame(
        {
            "Authorisation Reference": [f"SA-{i:07d}" for i in range(n)],
            "Client ID": [f"P{i:07d}" for i in range(n)],
            "Date Authorised": start.strftime(uk),
            "Expiry Date": end.strftime(uk),
            "RPR Appointed": np.where(rng.random(n) < 0.9, rpr.strftime(uk), ""),
            "Conditions Attached": np.where(rng.random(n) < 0.3, "Yes", "No"),
            "39D IMCA": np.where(rng.random(n) < 0.02, "Yes", ""),
            "Suspended Since": np.where(rng.random(n) < 0.01, (end - pd.Timedelta(days=60)).strftime(uk), ""),
        }
    )


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    rules = load_rules()
    with tempfile.TemporaryDirectory() as tmp:
        src, reg = Path(tmp) / "export.csv", Path(tmp) / "register.csv"
        rows = iso_dates(synthesise(args.rows, AS_OF, seed=1, bad_rows=args.rows // 100))
        rows["person_id"] = [f"P{i:07d}" for i in range(len(rows))]  # one person each, as in the register
        src.write_bytes(case_management_csv(rows).data)
        synthetic_register(args.rows, seed=2).to_csv(reg, index=False)
        size_mb = (src.stat().st_size + reg.stat().st_size) / 1e6

        def baseline() -> None:
            pd.read_csv(src).to_csv(Path(tmp) / "copy.csv", index=False)
            pd.read_csv(reg).to_csv(Path(tmp) / "copy2.csv", index=False)

        def ours() -> None:
            result = build_worklist(src, AS_OF, rules)
            register = build_register(reg, AS_OF, result.open_requests, rules)
            write_table(result.worklist, Path(tmp) / "worklist.csv")
            write_table(result.rejects, Path(tmp) / "rejects.csv")
            write_table(register.register, Path(tmp) / "register_out.csv")
            write_table(register.rejects, Path(tmp) / "register_rejects.csv")

        ours()  # warm-up (imports, caches)
        base = median_seconds(baseline, args.repeats)
        mine = median_seconds(ours, args.repeats)
        py = sys.executable
        pandas_cmd = [
            py,
            "-c",
            f"import pandas as pd; pd.read_csv({str(src)!r}).to_csv({tmp + '/c.csv'!r}); "
            f"pd.read_csv({str(reg)!r}).to_csv({tmp + '/c2.csv'!r})",
        ]
        triage_cmd = [py, "-m", "commands.main", "triage", str(src), "--as-of", AS_OF.isoformat()]
        triage_cmd += ["--out", f"{tmp}/w.csv", "--rejects", f"{tmp}/r.csv", "--authorisations", str(reg)]
        triage_cmd += ["--register-out", f"{tmp}/g.csv", "--register-rejects", f"{tmp}/gr.csv"]
        base_proc = median_seconds(lambda: run(pandas_cmd), args.repeats)
        mine_proc = median_seconds(lambda: run(triage_cmd), args.repeats)
    print(
        f"Triage with the register: {args.rows:,} requests + {args.rows:,} authorisations "
        f"({size_mb:.1f} MB of CSV), median of {args.repeats}\n"
    )
    print("| step | median s | vs baseline |")
    print("|---|---:|---:|")
    print(f"| pandas read_csv + to_csv of both files (baseline) | {base:.3f} | 1.00x |")
    print(f"| dols-sim triage + register end to end | {mine:.3f} | {mine / base:.2f}x |")
    print(f"| process: python -c 'pandas, both files' (baseline) | {base_proc:.3f} | 1.00x |")
    print(f"| process: dols-sim triage --authorisations | {mine_proc:.3f} | {mine_proc / base_proc:.2f}x |")
    print()
    print(f"target: in process <= 2.5x the baseline: {'met' if mine <= 2.5 * base else 'NOT met'}")
    print(f"target: as a process <= 3x the baseline: {'met' if mine_proc <= 3 * base_proc else 'NOT met'}")


if __name__ == "__main__":
    main()
