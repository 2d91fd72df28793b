"""``dols-sim validate`` and ``dols-sim run``: check a scenario, run its replications.

A user's mistake (bad scenario, bad ``--set``, unreadable worklist, unwritable ``--out``) raises
:class:`~triage.errors.DolsSimError`; :func:`commands.main.main` prints it as one line and exits 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from triage.errors import DolsSimError

if TYPE_CHECKING:
    from rich.table import Table

    from simulation.admission import Admitted
    from simulation.experiment import Results

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

PrecisionOpt = Annotated[
    float | None,
    typer.Option("--precision", help="Add replications until each --kpi's 95% CI is within this share"),
]
KpiOpt = Annotated[
    str | None, typer.Option("--kpi", help="KPIs for --precision, comma-separated, e.g. cost_total")
]
MaxReps = Annotated[int, typer.Option("--max-reps", help="The cap on replications in precision mode")]


def admitted_from(scenario_path: Path, overrides: list[str] | None) -> Admitted:
    """The scenario file with its overrides, admitted (checked against the rules, worklist read from the
    file's folder): the one preparation ``validate`` and ``run`` share."""
    from simulation.admission import admit
    from simulation.scenario_file import load_scenario, with_overrides

    scenario = load_scenario(scenario_path)
    if overrides:
        scenario = with_overrides(scenario, overrides)
    return admit(scenario, base_dir=scenario_path.parent)


def kpi_table(results: Results, currency: str = "GBP") -> Table:
    """The headline KPIs with their 95% confidence intervals, as a rich table."""
    from rich.table import Table

    from presentation.formats import plural
    from presentation.tables import kpi_table as people_table
    from simulation.metrics import binding_sentence, headline_kpis

    reps = int(results.manifest.get("reps", 0))
    name = results.manifest.get("scenario_name", "")
    table = Table(title=f"{name}: {plural(reps, 'replication')}, mean (95% CI)")
    table.add_column("KPI")
    table.add_column("mean (95% CI)", justify="right")
    shown = people_table(results.summary, headline_kpis(), currency)
    for label, value in shown.itertuples(index=False):
        table.add_row(label, value)
    table.caption = binding_sentence(results.summary)
    return table


def validate(scenario: ScenarioArg, set_: SetOption = None) -> None:
    """Check a scenario file (and any --set overrides) without running it."""
    from presentation.formats import number
    from simulation.experiment import dry_run

    admitted = admitted_from(scenario, set_)
    s = admitted.scenario
    worklist = admitted.initial_worklist
    if worklist is not None:  # a one-month dry run checks the worklist exactly as `run` will
        dry_run(admitted)
    backlog = (
        f"{number(len(worklist), 0)} from the worklist"
        if worklist is not None
        else number(s.initial_backlog.size, 0)
    )
    print(
        f"OK: {scenario}: '{s.name}': {s.horizon.months} months from {s.horizon.start_date.isoformat()}, "
        f"{number(s.demand.applications_per_month, 0)} requests a month, {backlog} open at start, "
        f"{s.staffing.bia_fte:g} BIA FTE, queue policy {s.queue.policy}"
    )


def run(
    scenario: ScenarioArg,
    reps: Annotated[int, typer.Option("--reps", help="Number of replications")] = 30,
    seed: Annotated[int, typer.Option("--seed", help="Master seed (same seed, same numbers)")] = 42,
    out: Annotated[Path, typer.Option("--out", help="Folder for the result files")] = Path("results"),
    set_: SetOption = None,
    precision: PrecisionOpt = None,
    kpi: KpiOpt = None,
    max_reps: MaxReps = 500,
) -> None:
    """Run replications of a scenario; print KPIs with 95% CIs and write CSVs and a manifest to --out."""
    from rich.console import Console

    from commands.experiment_cmd import precision_from, progress_bar
    from simulation import budget
    from simulation.experiment import run_replications, write_results
    from triage.outputs import ensure_writable

    if reps < 1:
        raise DolsSimError(f"--reps: must be >= 1, got {reps}")
    if reps > budget.MAX_REPS:
        raise DolsSimError(
            f"--reps: must be <= {budget.MAX_REPS:,}, got {reps:,} (run batches with other seeds)"
        )
    if seed < 0:
        raise DolsSimError(f"--seed: must be >= 0, got {seed}")
    wanted = precision_from(precision, kpi, max_reps, reps)
    admitted = admitted_from(scenario, set_)
    ensure_writable(out)  # a folder that cannot be written is said now, not after the simulating
    errors = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)
    if admitted.work is not None:
        seconds = admitted.work.seconds(reps)
        if seconds > budget.SAY_RUN_TIME_AFTER_SECONDS:
            errors.print(
                f"Expected run time: {budget.run_time_text(seconds)} ({reps:,} replications of about "
                f"{admitted.work.applications:,.0f} applications each, at about "
                f"{budget.APPLICATIONS_PER_SECOND:,} a second); Ctrl+C stops it"
            )
    with progress_bar(f"Simulating {admitted.scenario.name}", reps, errors) as progress:
        results = run_replications(admitted, reps, seed, progress=progress, precision=wanted)
    paths = write_results(results, out)
    console = Console(highlight=False, soft_wrap=True, markup=False)
    console.print(kpi_table(results, admitted.scenario.costs.currency))
    if wanted is not None:
        said = results.manifest["precision"]["sentence"]
        console.print(said[:1].upper() + said[1:])
    console.print(f"Results written to {out}/ ({', '.join(sorted(p.name for p in paths.values()))})")
