"""Back-test: stored results of the shipped example scenario, so a refactor cannot move a number unseen.

The files in ``expected/`` were written by this module (``python -m tests.backtest.test_backtest``) from
the code at the time; a test run compares today's output with them byte for byte. When a change is
*meant* to move the numbers (a new mechanism, a fixed bug), regenerate them in the same commit and say
why in its message, so every change of a published figure is a reviewed, visible diff.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from simulation.experiment import run_replications, write_results
from simulation.scenario_file import load_scenario, with_overrides
from triage.worklist import build_worklist

HERE = Path(__file__).resolve().parent
EXPECTED = HERE / "expected"
SCENARIO = HERE.parents[1] / "scenarios" / "example-council.toml"
SEED, REPS = 20261130, 4
FROM_WORKLIST = "from-worklist-replications.csv"
FILES = ("replications.csv", "summary.csv", "backlog.csv", "waits.csv", FROM_WORKLIST)
EXPORT = HERE.parents[1] / "examples" / "open_applications.csv"
AS_OF = date(2026, 11, 23)


def write_current(out: Path) -> None:
    """The example council at the pinned seed and replications, written as ``dols-sim run`` writes it;
    and the same council simulated forward from the shipped export's triage worklist (6 months)."""
    write_results(run_replications(load_scenario(SCENARIO), REPS, SEED), out)
    worklist = build_worklist(EXPORT, AS_OF).worklist
    forward = with_overrides(
        load_scenario(SCENARIO), ["horizon.months=6", f"horizon.start_date={AS_OF.isoformat()}"]
    )
    results = run_replications(forward, 2, SEED, initial_worklist=worklist)
    results.replications.to_csv(out / FROM_WORKLIST, index=False, lineterminator="\n")


@pytest.mark.parametrize("name", FILES)
def test_example_council_results_are_unchanged(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    out = tmp_path_factory.getbasetemp() / "backtest"
    if not (out / name).exists():
        write_current(out)
    assert (out / name).read_bytes() == (EXPECTED / name).read_bytes(), (
        f"{name} differs from the stored back-test result: if the change is meant to move the numbers, "
        "regenerate with `python -m tests.backtest.test_backtest` and say why in the commit"
    )


if __name__ == "__main__":
    write_current(EXPECTED)
    (EXPECTED / "manifest.json").unlink()  # holds the run's time and versions: not compared
    print(f"wrote {', '.join(FILES)} to {EXPECTED}", file=sys.stderr)
