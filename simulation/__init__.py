"""The simulation engine: scenarios, the SimPy model of a DoLS service, its KPIs, and experiments.

The public interface (see README.md, "Simulation"):

- :mod:`simulation.scenario` (the schema) and :mod:`simulation.scenario_file`: ``load_scenario``,
  ``scenario_from_toml``, ``scenario_to_toml``, ``with_values``, ``with_overrides``;
- :mod:`simulation.admission`: ``admit`` (a scenario checked against the rules, resolved once);
- :mod:`simulation.model`: ``simulate(admitted, seed_seq) -> RunLog`` (one run; knows nothing of
  replications or executors);
- :mod:`simulation.metrics`: ``kpis``, ``backlog_by_week``, ``waits_by_group`` and the KPI catalogue;
- :mod:`simulation.experiment`: ``run_one``, ``run_replications``, ``write_results``;
  :mod:`simulation.compare`: ``paired_comparison``.

The command line and the web page are front-ends over this package (``commands/``, ``page/``).
"""

from simulation.admission import Admitted, admit
from simulation.compare import paired_comparison
from simulation.experiment import Results, run_one, run_replications, write_results
from simulation.metrics import backlog_by_week, kpis, waits_by_group
from simulation.model import simulate
from simulation.run_log import RunLog
from simulation.scenario import Scenario, ScenarioError
from simulation.scenario_file import (
    load_scenario,
    scenario_from_toml,
    scenario_to_toml,
    with_overrides,
    with_values,
)

__all__ = [
    "Admitted",
    "Results",
    "RunLog",
    "Scenario",
    "ScenarioError",
    "admit",
    "backlog_by_week",
    "kpis",
    "load_scenario",
    "paired_comparison",
    "run_one",
    "run_replications",
    "scenario_from_toml",
    "scenario_to_toml",
    "simulate",
    "waits_by_group",
    "with_overrides",
    "with_values",
    "write_results",
]
