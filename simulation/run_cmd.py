"""The ``validate`` and ``run`` commands, as plain functions for the typer app in :mod:`simulation.cli`.

Register them with::

    from simulation.run_cmd import run_cmd, validate_cmd
    app.command("validate")(validate_cmd)
    app.command("run")(run_cmd)

A user's mistake (bad scenario, bad ``--set``, unreadable worklist, unwritable ``--out``) prints one line
on stderr and exits with code 2, never a traceback: that line is all they need to fix it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, NoReturn

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import triage
from simulation.experiment import Results, initial_worklist_for, run_replications, write_results
from simulation.model import check_against_rules, simulate
from simulation.scenario import Scenario, load_scenario, with_overrides
from triage.errors import DolsSimError

ScenarioArg = Annotated[
    Path, typer.Argument(help="Scenario file (TOML), e.g. scenarios/example-council.toml", show_default=False)
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a scenario key, validated like the file: key.path=value (repeatable), "
        "e.g. --set staffing.bia_fte=9",
        show_default=False,
    ),
]

#: KPIs in the terminal table: (kpi, label, format).
TABLE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("initial_backlog", "Open at start", "count"),
    ("arrivals", "Requests received (incl. renewals)", "count"),
    ("decided", "Decided", "count"),
    ("lapsed_while_waiting", "Lapsed while waiting", "count"),
    ("open_at_end", "Open at end", "count"),
    ("weeks_to_clear", "Weeks until backlog below target", "weeks"),
    ("mean_wait_days", "Mean wait to decision (days)", "days"),
    ("p90_wait_days", "90th percentile wait (days)", "days"),
    ("within_statutory_share", "Decided within statutory time", "share"),
    ("urgent_expired_undecided", "Urgent authorisations expired undecided", "count"),
    ("unauthorised_person_days", "Person-days without authorisation", "count"),
    ("utilisation_bia", "In-house BIA utilisation", "share"),
    ("cost_total", "Total cost", "money"),
    ("cost_per_decision", "Cost per decision", "money"),
)


def _fail(exc: Exception) -> NoReturn:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(2)


def _prepare(scenario_path: Path, overrides: list[str] | None) -> tuple[Scenario, triage.Rules]:
    scenario = load_scenario(scenario_path)
    if overrides:
        scenario = with_overrides(scenario, overrides)
    rules = triage.load_rules()
    check_against_rules(scenario, rules)
    return scenario, rules


def _format(value: float, kind: str, currency: str) -> str:
    if math.isnan(value):
        return "-"
    if kind == "share":
        return f"{value:.1%}"
    if kind == "money":
        return f"{currency} {value:,.0f}"
    if kind in ("days", "weeks"):
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def kpi_table(results: Results, currency: str = "GBP") -> Table:
    """The headline KPIs with their 95% confidence intervals, as a rich table."""
    summary = results.summary.set_index("kpi")
    reps = int(results.manifest.get("reps", 0))
    table = Table(title=f"{results.manifest.get('scenario_name', '')}: {reps} replications, 95% CI")
    table.add_column("KPI")
    table.add_column("mean", justify="right")
    table.add_column("95% CI", justify="right")
    censored = results.replications.get("weeks_to_clear_censored", pd.Series(dtype=float))
    for kpi, label, kind in TABLE_ROWS:
        if kpi not in summary.index:
            continue
        mean, low, high = (float(v) for v in summary.loc[kpi, ["mean", "ci_low", "ci_high"]].to_numpy())
        ci = "-" if math.isnan(low) else f"{_format(low, kind, currency)} to {_format(high, kind, currency)}"
        if kpi == "weeks_to_clear" and censored.sum() > 0:
            label += f" (not reached in {int(censored.sum())} of {reps} runs: counted as the horizon)"
        table.add_row(label, _format(mean, kind, currency), ci)
    return table


def validate_cmd(scenario: ScenarioArg, set_: SetOption = None) -> None:
    """Check a scenario file (and any --set overrides) without running it."""
    try:
        s, rules = _prepare(scenario, set_)
        worklist = initial_worklist_for(s, scenario.parent)
        if worklist is not None:  # a one-month dry run checks the worklist exactly as `run` will
            simulate(with_overrides(s, ["horizon.months=1"]), np.random.SeedSequence(0), rules, worklist)
    except DolsSimError as exc:
        _fail(exc)
    backlog = (
        f"{len(worklist):,} from the worklist" if worklist is not None else f"{s.initial_backlog.size:,}"
    )
    typer.echo(
        f"OK: {scenario}: '{s.name}': {s.horizon.months} months from {s.horizon.start_date.isoformat()}, "
        f"{s.demand.applications_per_month:,.0f} requests a month, {backlog} open at start, "
        f"{s.staffing.bia_fte:g} BIA FTE, queue policy {s.queue.policy}"
    )


def run_cmd(
    scenario: ScenarioArg,
    reps: Annotated[int, typer.Option("--reps", help="Number of replications")] = 30,
    seed: Annotated[int, typer.Option("--seed", help="Master seed (same seed, same numbers)")] = 42,
    out: Annotated[Path, typer.Option("--out", help="Folder for the result files")] = Path("results"),
    set_: SetOption = None,
) -> None:
    """Run replications of a scenario; print KPIs with 95% CIs and write CSVs and a manifest to --out."""
    try:
        if reps < 1:
            raise DolsSimError(f"--reps: must be >= 1, got {reps}")
        if seed < 0:
            raise DolsSimError(f"--seed: must be >= 0, got {seed}")
        s, rules = _prepare(scenario, set_)
        worklist = initial_worklist_for(s, scenario.parent)
        err = Console(stderr=True)
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task(f"Simulating {s.name}", total=reps)
            results = run_replications(
                s,
                reps,
                seed,
                rules=rules,
                initial_worklist=worklist,
                progress=lambda done, total: bar.update(task, completed=done),
            )
        paths = write_results(results, out)
    except DolsSimError as exc:
        _fail(exc)
    console = Console()
    console.print(kpi_table(results, s.costs.currency))
    console.print(f"Results written to {out}/ ({', '.join(sorted(p.name for p in paths.values()))})")
