"""The queue policy as a lever: the example council under each policy (README, "Example run").

    python benchmarks/policy_table.py [--reps 10] [--seed 42] [--workers 2]

Each policy runs the same replications (same seed: common random numbers), so the rows differ only by
the order the waiting list is worked in. The low band's longest wait beside the high band's is the check
that the default order (`act_first`) keeps its promise that no band starves (issue 19).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulation.experiment import run_replications  # noqa: E402
from simulation.scenario_file import load_scenario, with_overrides  # noqa: E402

POLICIES = {
    "band_with_ageing": "`band_with_ageing` (the example's)",
    "act_first": "`act_first` (the worklist's default)",
    "deadline_achievable": "`deadline_achievable`",
    "statutory_then_band": "`statutory_then_band`",
    "band_then_oldest": "`band_then_oldest`",
}
COLUMNS = {
    "decided": ("decided", "{:,.0f}"),
    "within_statutory_share": ("decided in time", "{:.1%}"),
    "standard_completed_within_21_days_share": ("standard completed within 21 days", "{:.1%}"),
    "mean_days_to_complete": ("mean days to complete", "{:,.0f}"),
    "unauthorised_person_days": ("person-days without authority", "{:,.0f}"),
    "longest_wait_days_high": ("longest wait, high band (days)", "{:,.0f}"),
    "longest_wait_days_low": ("longest wait, low band (days)", "{:,.0f}"),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    base = load_scenario(ROOT / "scenarios" / "example-council.toml")
    print(f"| `--set queue.policy=` | {' | '.join(label for label, _ in COLUMNS.values())} |")
    print("|---|" + "---:|" * len(COLUMNS))
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=ctx) as pool:
        for policy, label in POLICIES.items():
            scenario = with_overrides(base, [f"queue.policy={policy}"])
            summary = run_replications(scenario, args.reps, args.seed, executor=pool).summary
            mean = summary.set_index("kpi")["mean"]
            cells = [fmt.format(float(mean[kpi])) for kpi, (_, fmt) in COLUMNS.items()]
            print(f"| {label} | {' | '.join(cells)} |", flush=True)


if __name__ == "__main__":
    main()
