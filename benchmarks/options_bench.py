"""The Options tab's answer beside ``dols-sim plan`` for the same question (issue 21).

    python benchmarks/options_bench.py [--repeats 3]

The question is the page's default: the example council, clear to its target (250 open) by 2027-04-01
in 90% of 10 replications, in-house BIAs 6-14 by 2 and bought assessments 0-400 by 100 a month, the
other staff groups sized to keep up (``--keep-up``), seed 42.

- **CLI** (the baseline): ``dols-sim plan ... --keep-up --reps 10 --workers 2`` as a whole process, as
  a user meets it (start-up and the pool's start included).
- **Page, to the answer**: the Options tab's own search (``page.options_tab.find_options``) on a warm
  pool of worker processes like the page's (started when the page loads, before anyone presses Find).
- **Page, heat map**: the rest of the grid run after the answer is on screen
  (``page.options_tab.fill_heat_map``), reusing the search's replications.
- **Before (issue 21)**: the whole grid first, then the search (what the page did), on the same pool.

Medians of the repeats, alternating the order each repeat; the answers are checked to be the same.
Target: the page's answer within 1.5x of the CLI's time. Prints a markdown table for the README.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from page.options_tab import BOUGHT, FTE, fill_heat_map, find_options  # noqa: E402
from simulation.admission import admit  # noqa: E402
from simulation.executors import Workers, process_pool  # noqa: E402
from simulation.plan import Planner, PlanResult, keep_up  # noqa: E402
from simulation.scenario_file import load_scenario, with_values  # noqa: E402
from simulation.sweep import Execution  # noqa: E402
from triage.rulebook import load_rules  # noqa: E402

EXAMPLE = ROOT / "scenarios" / "example-council.toml"
CLEAR_BY = date(2027, 4, 1)
VARY = {FTE: [6.0, 8.0, 10.0, 12.0, 14.0], BOUGHT: [0.0, 100.0, 200.0, 300.0, 400.0]}
REPS, SEED, WORKERS = 10, 42, 2
CLI = [
    "plan", str(EXAMPLE), "--clear-by", CLEAR_BY.isoformat(), "--target", "250", "--confidence", "0.9",
    "--vary", f"{FTE}=6..14:2", "--vary", f"{BOUGHT}=0..400:100", "--keep-up",
    "--reps", str(REPS), "--seed", str(SEED), "--workers", str(WORKERS),
]  # fmt: skip


def cli() -> tuple[float, str]:
    """The CLI's time as a process, and its answer (from its plan.json)."""
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "commands.main", *CLI, "--out", out],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        seconds = time.perf_counter() - t0
        option = json.loads((Path(out) / "plan.json").read_text(encoding="utf-8"))["option"]
    return seconds, said(option or {})


def said(option: dict[str, float]) -> str:
    return ", ".join(f"{k} {float(v):g}" for k, v in sorted(option.items()))


def answer_of(result: PlanResult) -> dict[str, float]:
    return dict(result.answer.option.as_dict) if result.answer is not None else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    base = load_scenario(EXAMPLE)
    pool = process_pool(WORKERS)
    for _ in range(WORKERS):
        pool.submit(int).result()  # warm, as the page's pool is by the time anyone presses Find
    times: dict[str, list[float]] = {"cli": [], "answer": [], "heat": [], "before": []}
    answers: set[str] = set()
    for repeat in range(args.repeats):
        steps = ["cli", "page", "before"]
        steps = steps[repeat % 3 :] + steps[: repeat % 3]
        for step in steps:
            run = Execution(Workers(pool, "processes", WORKERS))
            if step == "cli":
                seconds, answer = cli()
                times["cli"].append(seconds)
                answers.add(answer)
            elif step == "page":
                t0 = time.perf_counter()
                found = find_options(base, None, CLEAR_BY, 250, 0.9, REPS, SEED, VARY, True, run)
                times["answer"].append(time.perf_counter() - t0)
                t1 = time.perf_counter()
                fill_heat_map(found)
                times["heat"].append(time.perf_counter() - t1)
                answers.add(said(answer_of(found.result)))
            else:
                t0 = time.perf_counter()
                scenario = with_values(base, keep_up(base, VARY))
                admitted = admit(scenario, load_rules())
                planner = Planner(
                    admitted, CLEAR_BY, target=250, confidence=0.9, reps=REPS, seed=SEED, run=run
                )
                planner.option_map(VARY)
                planner.plan(VARY)
                times["before"].append(time.perf_counter() - t0)
            print(f"  repeat {repeat + 1} {step}: done", file=sys.stderr)
    pool.shutdown()
    cli_median = statistics.median(times["cli"])
    print(f"Answers seen: {sorted(answers)}", file=sys.stderr)
    if len(answers) != 1:
        raise SystemExit(f"the page and the CLI gave different answers: {sorted(answers)}")
    print("| the same question (example council, 25 options, 10 replications, --keep-up) | median | × CLI |")
    print("|---|---|---|")
    rows = [
        ("`dols-sim plan` as a process (baseline)", times["cli"]),
        ("Options tab, Find to the answer on screen", times["answer"]),
        ("Options tab, then the rest of the grid for the heat map", times["heat"]),
        ("Options tab before issue 21 (whole grid first, then the search)", times["before"]),
    ]
    for label, values in rows:
        median = statistics.median(values)
        print(f"| {label} | {median:.1f} s | {median / cli_median:.2f}x |")
    print(f"\n{args.repeats} repeats on {WORKERS} workers; medians.")


if __name__ == "__main__":
    main()
