"""England's published years replayed at full scale, beside the published figures (README, "England
replayed"), with each replication's wall time.

    python benchmarks/england_replay.py [--reps 5] [--workers 2]

Both scenario files share every mechanism parameter (tests/validity/test_england_replay.py checks it and
runs the same replay at 1/20 of the size in the test suite).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulation.experiment import run_replications  # noqa: E402
from simulation.scenario_file import load_scenario  # noqa: E402

PUBLISHED = {
    "2023-24": {
        "received": 332455,
        "completed": 323870,
        "closed_without_assessment": 162655,
        "open_at_end": 123790,
        "standard_completed_within_21_days_share": 0.19,
        "mean_days_to_complete": 144,
        "urgent_share_of_received": 0.58,
        "closed_partly_assessed": 15270,
        "decided": 145945,
    },
    "2022-23": {
        "received": 300765,
        "completed": 289150,
        "open_at_end": 126100,
        "standard_completed_within_21_days_share": 0.19,
        "mean_days_to_complete": 156,
        "closed_died": 50000,
    },
}
LABELS = {
    "received": "received",
    "completed": "completed",
    "closed_without_assessment": "closed without any assessment",
    "open_at_end": "open at 31 March",
    "standard_completed_within_21_days_share": "standard requests completed within 21 days",
    "mean_days_to_complete": "mean days to complete",
    "urgent_share_of_received": "share of requests with an urgent authorisation",
    "closed_partly_assessed": "partly assessed (closed while being assessed)",
    "decided": "fully assessed (decided)",
    "closed_died": "died while waiting (about 50,000)",
}
SHARES = {"standard_completed_within_21_days_share", "urgent_share_of_received"}
#: Model-only figures (no published counterpart), printed under each year's table.
UNPUBLISHED = {
    "unauthorised_person_days": "person-days deprived of liberty without authority",
    "unauthorised_person_days_standard": "of which: standard requests (already deprived, from receipt)",
    "unauthorised_person_days_urgent": "of which: urgent authorisations expired undecided",
    "unauthorised_person_days_renewal": "of which: standing authorisations ended before the renewal",
    "person_days_past_statutory_period": "person-days undecided past the statutory period (the old count)",
}


def cell(value: float, kpi: str) -> str:
    return f"{value:.1%}" if kpi in SHARES else f"{value:,.0f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args()
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=ctx) as pool:
        for year, published in PUBLISHED.items():
            scenario = load_scenario(ROOT / "scenarios" / f"england-{year}.toml")
            started = time.perf_counter()
            results = run_replications(scenario, args.reps, args.seed, executor=pool)
            wall = time.perf_counter() - started
            summary = results.summary.set_index("kpi")
            print(
                f"\n**England {year}** ({args.reps} replications, seed {args.seed}; {wall:.0f} s on "
                f"{args.workers} workers, about {wall * args.workers / args.reps:.0f} s a replication)\n"
            )
            print("| published figure | published | model: mean (95% CI) | error |")
            print("|---|---:|---:|---:|")
            for kpi, target in published.items():
                mean, low, high = (float(summary.at[kpi, c]) for c in ("mean", "ci_low", "ci_high"))
                error = (
                    f"{(mean - target) * 100:+.1f} points"
                    if kpi in SHARES
                    else f"{(mean - target) / target:+.1%}"
                )
                shown = f"{cell(mean, kpi)} ({cell(low, kpi)}–{cell(high, kpi)})"
                print(f"| {LABELS[kpi]} | {cell(target, kpi)} | {shown} | {error} |")
            print("\n| not published (model only) | model: mean (95% CI) |")
            print("|---|---:|")
            for kpi, label in UNPUBLISHED.items():
                mean, low, high = (float(summary.at[kpi, c]) for c in ("mean", "ci_low", "ci_high"))
                print(f"| {label} | {cell(mean, kpi)} ({cell(low, kpi)}–{cell(high, kpi)}) |")


if __name__ == "__main__":
    main()
