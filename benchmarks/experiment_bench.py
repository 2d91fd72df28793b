"""Experiments on two cores: executors, the page's parallel run, and ``plan``.

    python benchmarks/experiment_bench.py [--reps 100] [--repeats 3] [--skip-page] [--skip-plan]

1. ``--reps`` replications of the example council (36 months) with ``run_replications``: serial, a
   process pool of 2 workers, and a Dask LocalCluster of 2 workers, each timed from starting its
   workers to the last result (start-up included, as a user meets it; the start-up alone is shown
   too). The three alternate within each repeat, so all see the same machine load; medians of the
   repeats; the numbers are checked to be identical. Targets (issue 12): processes at least 1.7x
   serial; Dask within 25% of processes.
2. The page's 20-replication run (pressing Run to the chart drawn, headless Chromium, a new session and
   seed each repeat, the page let finish its first drawing first: ``page_bench.scenario_run``) beside
   the library's serial ``run_replications`` in this process and a warm process pool of 2 (what the
   page's own pool can at best do), all three on the same seed (the same replications), in an order
   rotated each repeat, so the VM's drift favours none. Target: at most 0.65x the serial library time.
   Each repeat's ratio is printed too.
3. ``dols-sim plan`` on the example council as whole processes: the issue's question (clear to 250 by
   2027-09-30 with 90% confidence, BIAs 6-14 and bought assessments 0-400 a month), as is (mental
   health assessors then bind: one evaluation says so) and with ``--keep-up`` (a real search). Target:
   under 60 s on 2 cores.

Prints markdown tables for the README, with the machine's load average before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulation.admission import admit  # noqa: E402
from simulation.executors import open_executor  # noqa: E402
from simulation.experiment import run_replications  # noqa: E402
from simulation.scenario_file import load_scenario  # noqa: E402

EXAMPLE = ROOT / "scenarios" / "example-council.toml"
PLAN = [
    "plan", str(EXAMPLE), "--clear-by", "2027-09-30", "--target", "250", "--confidence", "0.9",
    "--vary", "staffing.independent_bia_per_month=0..400", "--vary", "staffing.bia_fte=6..14",
    "--workers", "2",
]  # fmt: skip


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def executors(reps: int, repeats: int) -> None:
    admitted = admit(load_scenario(EXAMPLE))
    times: dict[str, list[float]] = {"serial": [], "processes": [], "dask": []}
    startup: dict[str, list[float]] = {"processes": [], "dask": []}
    for r in range(repeats):
        seed = 9000 + r
        results = {}
        for kind in times:
            t0 = time.perf_counter()
            with open_executor(kind, 2) as workers:
                started = time.perf_counter()
                executor = None if kind == "serial" else workers.executor
                results[kind] = run_replications(admitted, reps, seed, executor=executor).replications
            times[kind].append(time.perf_counter() - t0)
            if kind in startup:
                startup[kind].append(started - t0)
            print(f"  repeat {r + 1} {kind}: {times[kind][-1]:.1f} s", file=sys.stderr)
        assert results["serial"].equals(results["processes"]) and results["serial"].equals(results["dask"])
    s, p, d = (statistics.median(times[k]) for k in ("serial", "processes", "dask"))
    print(f"\n**{reps} replications of the example council** (median of {repeats}; load {load()})\n")
    print("| executor | median s | start-up s | speed-up vs serial |")
    print("|---|---:|---:|---:|")
    print(f"| serial (baseline) | {s:.1f} | | 1.00x |")
    up_p, up_d = (statistics.median(startup[k]) for k in ("processes", "dask"))
    print(f"| processes, 2 workers | {p:.1f} | {up_p:.1f} | {s / p:.2f}x |")
    print(f"| Dask LocalCluster, 2 workers | {d:.1f} | {up_d:.1f} | {s / d:.2f}x |")
    ok_p, ok_d = s / p >= 1.7, d <= 1.25 * p
    print(f"\nprocesses >= 1.7x serial: {'met' if ok_p else 'NOT met'} ({s / p:.2f}x); ", end="")
    print(f"Dask within 25% of processes: {'met' if ok_d else 'NOT met'} ({d / p:.2f}x)")


def page(repeats: int) -> None:
    from playwright.sync_api import sync_playwright

    from benchmarks.page_bench import scenario_run
    from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, running_app

    admitted = admit(load_scenario(EXAMPLE))
    times: dict[str, list[float]] = {"serial": [], "pool": [], "page": []}
    with sync_playwright() as p, running_app() as url, open_executor("processes", 2) as pool:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        scenario_run(browser, url, 6999, 2)  # warm the page's workers, as a second visit would find them
        run_replications(admitted, 2, 6999, executor=pool.executor)  # and the pool's
        for k in range(repeats):
            seed = 7000 + k  # the same replications for all three: only who runs them differs
            order = list(times)[k % 3 :] + list(times)[: k % 3]  # drift favours none of them
            for kind in order:
                if kind == "page":
                    times[kind].append(scenario_run(browser, url, seed, 20))
                else:
                    t0 = time.perf_counter()
                    run_replications(admitted, 20, seed, executor=pool.executor if kind == "pool" else None)
                    times[kind].append(time.perf_counter() - t0)
            took = ", ".join(f"{x} {times[x][-1]:.2f} s" for x in times)
            print(f"  repeat {k + 1}: {took}", file=sys.stderr)
        browser.close()
    li, po, r = (statistics.median(times[k]) for k in ("serial", "pool", "page"))
    print(f"\n**The page's 20-replication run** (median of {repeats}; load {load()})\n")
    print("| measure | median s | ratio |")
    print("|---|---:|---:|")
    print(f"| library, serial (baseline) | {li:.2f} | 1.00x |")
    print(f"| library, warm process pool of 2 (the page's limit) | {po:.2f} | {po / li:.2f}x |")
    print(f"| page: Run to chart (both cores) | {r:.2f} | {r / li:.2f}x |")
    each = ", ".join(f"{x / y:.2f}" for x, y in zip(times["page"], times["serial"], strict=True))
    print(f"\neach repeat, page / serial: {each}")
    print(f"page at most 0.65x the serial library: {'met' if r / li <= 0.65 else 'NOT met'}")


def plan() -> None:
    rows = []
    questions: tuple[tuple[str, list[str]], ...] = (
        ("as the issue asks (mental health assessors bind)", []),
        ("with --keep-up", ["--keep-up"]),
    )
    for label, extra in questions:
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "commands.main", *PLAN, *extra, "--out", out],
                cwd=ROOT, capture_output=True, text=True, check=True,
            )  # fmt: skip
            seconds = time.perf_counter() - t0
            searched = next(line for line in done.stdout.splitlines() if line.startswith("Searched"))
        rows.append((label, seconds, searched))
        print(f"  plan {label}: {seconds:.1f} s", file=sys.stderr)
    print(f"\n**`dols-sim plan` on the example council** (2 workers; load {load()})\n")
    print("| question | wall s | search |")
    print("|---|---:|---|")
    for label, seconds, searched in rows:
        print(f"| {label} | {seconds:.1f} | {searched} |")
    print(f"\nunder 60 s: {'met' if all(s < 60 for _, s, _ in rows) else 'NOT met'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-executors", action="store_true")
    ap.add_argument("--skip-page", action="store_true")
    ap.add_argument("--skip-plan", action="store_true")
    args = ap.parse_args()
    print(f"load average before (1 / 5 / 15 min): {load()}; cores: {os.cpu_count()}")
    if not args.skip_executors:
        executors(args.reps, args.repeats)
    if not args.skip_page:
        page(args.repeats)
    if not args.skip_plan:
        plan()


if __name__ == "__main__":
    main()
