"""The example council's first year beside England 2023-24's published ratios (README, "The example
council beside England").

    python benchmarks/example_beside_england.py [--reps 20] [--seed 42] [--workers 2]

The example council is England 2023-24 at 1/120 of its size with the same mechanisms; its first year is
the scenario run for 12 months (``horizon.months=12``), so no later month's demand or staffing enters.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.england_replay import PUBLISHED  # noqa: E402
from simulation.experiment import run_replications  # noqa: E402
from simulation.scenario_file import load_scenario, with_overrides  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    scenario = with_overrides(
        load_scenario(ROOT / "scenarios" / "example-council.toml"), ["horizon.months=12"]
    )
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=ctx) as pool:
        reps = run_replications(scenario, args.reps, args.seed, executor=pool).replications
    m = reps.mean(numeric_only=True)
    e = PUBLISHED["2023-24"]
    rows = [
        ("completed / received", m.completed / m.received, e["completed"] / e["received"], "{:.3f}"),
        (
            "closed without assessment / completed",
            m.closed_without_assessment / m.completed,
            e["closed_without_assessment"] / e["completed"],
            "{:.3f}",
        ),
        (
            "fully assessed (decided) / completed",
            m.decided / m.completed,
            e["decided"] / e["completed"],
            "{:.3f}",
        ),
        (
            "open at the year's end / received",
            m.open_at_end / m.received,
            e["open_at_end"] / e["received"],
            "{:.3f}",
        ),
        (
            "standard requests completed within 21 days",
            m.standard_completed_within_21_days_share,
            e["standard_completed_within_21_days_share"],
            "{:.1%}",
        ),
        ("mean days to complete", m.mean_days_to_complete, e["mean_days_to_complete"], "{:.0f}"),
        (
            "requests with an urgent authorisation",
            m.urgent_share_of_received,
            e["urgent_share_of_received"],
            "{:.1%}",
        ),
    ]
    print("| ratio | example council, first year | England 2023-24, published |")
    print("|---|---:|---:|")
    for label, ours, published, fmt in rows:
        print(f"| {label} | {fmt.format(ours)} | {fmt.format(published)} |")


if __name__ == "__main__":
    main()
