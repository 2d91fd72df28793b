"""How fast is the model? Applications simulated per second, beside a bare SimPy M/M/c.

Run:  python benchmarks/model_bench.py [--repeats 5] [--national-repeats 3] [--skip-national]

For each scenario (the example council over 3 years, England over 1 year) it times one replication of
:func:`simulation.model.simulate` (everything: drawing, screening, keying, the SimPy run, the log),
counts the applications it simulated (starting backlog + new requests + renewals), and times a bare
SimPy M/M/c (c = 10, utilisation 0.9: one process per customer and a ``simpy.Resource``, nothing else)
with the same number of customers in the same process (model and bare runs alternate, so both see the
same machine load). Times are the process's CPU time (``time.process_time``), not wall time: on a shared
machine another job's load inflates wall time by a different amount from one run to the next, while both
runs here are single-threaded. Medians of the repeats; a markdown table.
Targets (issue 4): model >= 1/3 of the bare SimPy rate; council 3 years < 1 s; England 1 year < 60 s.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import numpy as np
import simpy

import triage
from simulation.admission import admit
from simulation.model import simulate
from simulation.scenario import Scenario
from simulation.scenario_file import load_scenario

log = logging.getLogger("model_bench")
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def bare_simpy_mmc(customers: int, servers: int = 10, utilisation: float = 0.9, seed: int = 1) -> float:
    """Seconds to run ``customers`` through a plain SimPy M/M/c (mean service 1)."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1 / (utilisation * servers), customers).tolist()
    service = rng.exponential(1.0, customers).tolist()
    env = simpy.Environment()
    desk = simpy.Resource(env, servers)

    def customer(i: int) -> Generator[simpy.Event, Any, None]:
        with desk.request() as request:
            yield request
            yield env.timeout(service[i])

    def source() -> Generator[simpy.Event, Any, None]:
        for i in range(customers):
            yield env.timeout(gaps[i])
            env.process(customer(i))

    start = time.process_time()
    env.process(source())
    env.run()
    return time.process_time() - start


def time_model(scenario: Scenario, seed: int, rules: triage.Rules) -> tuple[int, float]:
    """(applications simulated, seconds) for one replication."""
    start = time.process_time()
    run = simulate(admit(scenario, rules), np.random.SeedSequence(seed))
    return len(run.apps), time.process_time() - start


def compare(path: Path, repeats: int, rules: triage.Rules) -> tuple[int, list[float], list[float]]:
    """Model and bare SimPy timings, interleaved so both see the same machine load."""
    scenario = load_scenario(path)
    model_times, bare_times, apps = [], [], 0
    for r in range(repeats):
        apps, seconds = time_model(scenario, 1000 + r, rules)
        model_times.append(seconds)
        bare_times.append(bare_simpy_mmc(apps, seed=r))
        log.info(
            "%s repeat %d: %d applications, model %.2f s, bare SimPy %.2f s",
            path.name,
            r + 1,
            apps,
            model_times[-1],
            bare_times[-1],
        )
    return apps, model_times, bare_times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=5, help="repeats for the council (median reported)")
    parser.add_argument("--national-repeats", type=int, default=3, help="repeats for England")
    parser.add_argument("--skip-national", action="store_true", help="only the example council")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rules = triage.load_rules()

    cases = [("Example council, 3 years", SCENARIOS / "example-council.toml", args.repeats, 1.0)]
    if not args.skip_national:
        cases.append(
            ("England 2023-24, 1 year", SCENARIOS / "england-2023-24.toml", args.national_repeats, 60.0)
        )

    rows = []
    for label, path, repeats, limit in cases:
        apps, model_times, bare_times = compare(path, repeats, rules)
        model_s, bare_s = statistics.median(model_times), statistics.median(bare_times)
        model_rate, bare_rate = apps / model_s, apps / bare_s
        ratio = model_rate / bare_rate
        ok = "yes" if model_s < limit and ratio >= 1 / 3 else "NO"
        rows.append((label, apps, model_s, model_rate, bare_s, bare_rate, ratio, limit, ok))

    print()
    print(
        "| scenario | applications | model (s) | model apps/s | bare SimPy M/M/c (s) | bare customers/s "
        "| model / bare | target | met |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---|")
    for label, apps, model_s, model_rate, bare_s, bare_rate, ratio, limit, ok in rows:
        print(
            f"| {label} | {apps:,} | {model_s:.2f} | {model_rate:,.0f} | {bare_s:.2f} | {bare_rate:,.0f} "
            f"| {ratio:.2f} | < {limit:g} s, >= 0.33 | {ok} |"
        )


if __name__ == "__main__":
    main()
