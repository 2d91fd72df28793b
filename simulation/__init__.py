"""Simulation of a DoLS service: scenarios, the SimPy model, KPIs and replications; the dols-sim CLI.

The public interface (see README.md, "Simulation"):

- :mod:`simulation.scenario`: ``load_scenario``, ``scenario_from_toml``, ``scenario_to_toml``,
  ``with_overrides`` and the ``Scenario`` model;
- :mod:`simulation.model`: ``simulate(scenario, seed_seq, rules, initial_worklist) -> RunLog``;
- :mod:`simulation.metrics`: ``kpis``, ``backlog_by_week``, ``waits_by_group`` (run log -> KPIs);
- :mod:`simulation.experiment`: ``run_one``, ``run_replications``, ``write_results``;
- :mod:`simulation.run_cmd`: ``validate_cmd`` and ``run_cmd`` for the command line.
"""

from simulation.experiment import Results, run_one, run_replications, write_results
from simulation.metrics import backlog_by_week, kpis, waits_by_group
from simulation.model import RunLog, simulate
from simulation.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    scenario_from_toml,
    scenario_to_toml,
    with_overrides,
)

__all__ = [
    "Results",
    "RunLog",
    "Scenario",
    "ScenarioError",
    "backlog_by_week",
    "kpis",
    "load_scenario",
    "run_one",
    "run_replications",
    "scenario_from_toml",
    "scenario_to_toml",
    "simulate",
    "waits_by_group",
    "with_overrides",
    "write_results",
]
