"""``compare``: several options against a baseline, each replication paired with the baseline's.

Every option runs at the baseline's seed, replication i with replication i's random numbers (common
random numbers), so the difference per replication is mostly the option's effect, not chance. For each
option and headline KPI: both means, the mean paired difference and its 95% CI, the unpaired (Welch)
interval the same runs would give without pairing (to show what pairing bought), and whether the option
is better or worse with 95% confidence, or not clearly different.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from simulation.admission import Admitted
from simulation.compare import COMPARED_KPIS, paired_comparison, unpaired_interval, verdict
from simulation.evaluator import Option
from simulation.metrics import kpi_info
from simulation.precision import Settled
from simulation.scenario import Scenario, ScenarioError
from simulation.sweep import SERIAL, Execution, as_admitted, run_options, tidy

BASELINE = "baseline"
#: comparison.csv names the option in ``option``, so the two means are ``baseline_mean`` and ``option_mean``.
_MEANS = {"baseline": "baseline_mean", "option": "option_mean"}


@dataclass(frozen=True)
class Comparison:
    """Replications and summary of the baseline and every option, and each option against the baseline."""

    replications: pd.DataFrame
    summary: pd.DataFrame
    comparison: pd.DataFrame
    manifest: dict[str, Any]
    precision: Settled | None = None

    def verdicts(self) -> dict[str, str]:
        """Per option, in words: the KPIs it is better and worse on with 95% confidence."""
        out = {}
        for name, part in self.comparison.groupby("option", sort=False):
            said = []
            for word in ("better", "worse"):
                kpis = [kpi_info(k).label for k in part.loc[part["verdict"] == word, "kpi"]]
                if kpis:
                    said.append(f"{word} on {', '.join(kpis)}")
            out[str(name)] = "; ".join(said) or "no clear difference on any KPI compared"
        return out

    def better_options(self) -> list[str]:
        """Options better than the baseline with confidence on at least one KPI and worse on none."""
        out = []
        for name, part in self.comparison.groupby("option", sort=False):
            said = set(part["verdict"])
            if "better" in said and "worse" not in said:
                out.append(str(name))
        return out


def _pairs(
    base_rows: pd.DataFrame, rows: pd.DataFrame, name: str, kpis: Sequence[str]
) -> list[dict[str, Any]]:
    paired = paired_comparison(base_rows, rows, kpis)
    out: list[dict[str, Any]] = []
    for row in paired.to_dict(orient="records"):
        kpi = str(row["kpi"])
        _, un_low, un_high = unpaired_interval(base_rows[kpi].to_numpy(), rows[kpi].to_numpy())
        out.append(
            {
                "option": name,
                **{_MEANS.get(str(k), str(k)): v for k, v in row.items()},
                "unpaired_ci_low": un_low,
                "unpaired_ci_high": un_high,
                "verdict": verdict(kpi, row["ci_low"], row["ci_high"]),
            }
        )
    return out


def compare_options(
    baseline: Scenario | Admitted,
    options: Mapping[str, Scenario],
    reps: int,
    seed: int,
    run: Execution = SERIAL,
    kpis: Sequence[str] = COMPARED_KPIS,
) -> Comparison:
    """Run the baseline and each option (name -> scenario) ``reps`` times at ``seed`` and compare.

    ``run``: workers, journal, progress; with its ``precision``, all of them gain replications together
    (so they stay paired) until every one has the named KPIs that precise.
    """
    if reps < 2:
        raise ScenarioError(f"--reps: a comparison needs >= 2 replications, got {reps}")
    if not options:
        raise ScenarioError("compare: give at least one option besides the baseline")
    base = as_admitted(baseline)
    everyone = [Option(label=BASELINE, scenario=base.scenario)] + [
        Option(label=name, scenario=s) for name, s in options.items()
    ]
    named = {o.label: o.scenario.name for o in everyone[1:] if o.scenario is not None}
    ran = run_options(base, seed, everyone, reps, run, [list(range(len(everyone)))], {"options": named})
    replications, summary = tidy(ran.evaluator, everyone, ran.counts, [])
    by_option = {
        name: part.drop(columns="option") for name, part in replications.groupby("option", sort=False)
    }
    rows = []
    for option in everyone[1:]:
        rows += _pairs(by_option[BASELINE], by_option[option.label], option.label, kpis)
    settled = ran.settled[0] if ran.settled else None
    return Comparison(replications, summary, pd.DataFrame(rows), ran.manifest, settled)
