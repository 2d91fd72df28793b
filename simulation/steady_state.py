"""A starting backlog whose ages are the model's own steady state.

Why: how long the open requests have already waited decides how long the completions of the first year
take (NHS England's "mean days to complete" counts every completion, the starting backlog's included).
A guessed age profile older than the one the queue policy and the closure hazards produce makes the first
year's completions look slow, and a younger one fast. Running the scenario for a few years and reading
the ages of what is still open gives a profile consistent with the mechanisms: the England replays start
from one (``python -m simulation.steady_state scenarios/england-2023-24.toml``).
"""

from __future__ import annotations

import sys

import numpy as np

from simulation.admission import admit
from simulation.experiment import replication_seed
from simulation.model import simulate
from simulation.scenario import AgeBand, Scenario
from simulation.scenario_file import load_scenario, scaled, with_values

#: Upper edges of the age bands (days): three weeks, three and six months, one, two, four and eight years.
EDGES: tuple[float, ...] = (21, 90, 180, 365, 730, 1460, 2920)


def backlog_age_profile(
    scenario: Scenario, years: int = 4, seed: int = 0, factor: float = 0.05
) -> list[AgeBand]:
    """The ages of the requests open after ``years`` of ``scenario`` (at ``factor`` of its size, for
    speed: shares do not depend on size), as an ``initial_backlog.age_profile``."""
    s = with_values(scaled(scenario, factor), {"horizon.months": 12 * years})
    log = simulate(admit(s), replication_seed(seed, 0))
    apps = log.apps
    open_ = apps["decided"].isna() & apps["closed"].isna()
    ages = log.horizon_days - apps.loc[open_, "received"].to_numpy()
    counts = np.histogram(ages, bins=[0.0, *EDGES[:-1], np.inf])[0]
    shares = np.round(counts / counts.sum(), 3)
    shares[-1] = round(1.0 - shares[:-1].sum(), 3)
    return [
        AgeBand(up_to_days=edge, share=float(share))
        for edge, share in zip(EDGES, shares, strict=True)
        if share > 0
    ]


if __name__ == "__main__":
    profile = backlog_age_profile(load_scenario(sys.argv[1]))
    print("age_profile = [")
    for band in profile:
        print(f"    {{ up_to_days = {band.up_to_days:g}, share = {band.share:g} }},")
    print("]")
