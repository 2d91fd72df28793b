"""``dols-sim sweep``, ``compare`` and ``plan``: many options of a scenario, run side by side.

Each runs on the executor asked for (``--executor serial|processes|dask``, ``--scheduler`` for an
existing Dask cluster), journals every replication into ``--out`` as it finishes (``--resume`` does only
what is missing), and takes precision mode (``--precision 0.05 --kpi a,b``). Imports happen inside the
commands, so ``dols-sim --help`` stays quick. A user's mistake raises
:class:`~triage.errors.DolsSimError` (one line, exit 2, from :func:`commands.main.main`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from commands.simulation_cmd import KpiOpt, MaxReps, PrecisionOpt, ScenarioArg, SetOption, admitted_from
from triage.errors import DolsSimError

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

    from simulation.executors import Workers
    from simulation.precision import Precision, Settled

Reps = Annotated[int, typer.Option("--reps", help="Replications per option (the least, with --precision)")]
Seed = Annotated[int, typer.Option("--seed", help="Master seed: every option runs with the same numbers")]
Executor = Annotated[
    str, typer.Option("--executor", help="Who runs the replications: serial, processes or dask")
]
WorkerCount = Annotated[
    int | None,
    typer.Option("--workers", help="Processes, or Dask LocalCluster workers (default: all cores)"),
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        "--scheduler", help="With --executor dask: an existing cluster's scheduler, e.g. tcp://HOST:8786"
    ),
]
Resume = Annotated[
    bool, typer.Option("--resume", help="Keep the replications already in --out; run only what is missing")
]
Vary = Annotated[
    list[str],
    typer.Option(
        "--vary",
        help="A key and its values: key.path=6,8,10 or key.path=lo..hi[:step] (repeatable)",
        show_default=False,
    ),
]


def precision_from(target: float | None, kpis: str | None, max_reps: int, reps: int) -> Precision | None:
    """The precision asked for, or None; ``--kpi`` without ``--precision`` is a mistake."""
    if target is None:
        if kpis:
            raise DolsSimError("--kpi: only with --precision (e.g. --precision 0.05 --kpi cost_total)")
        return None
    from simulation.precision import Precision

    if max_reps < reps:
        raise DolsSimError(f"--max-reps: must be >= --reps ({reps}), got {max_reps}")
    names = tuple(k.strip() for k in (kpis or "").split(",") if k.strip())
    return Precision(target, names, max_reps)


@contextlib.contextmanager
def progress_bar(
    label: str, total: int | None, console: Console | None = None
) -> Iterator[Callable[[int, int], None]]:
    """A progress bar with the time taken and an ETA on stderr (removed when done); yields the
    ``progress(done, total)`` callback the engine reports to. One bar for run, sweep, compare and plan."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
    ]  # a name is text
    columns += [TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
    with Progress(*columns, console=console or Console(stderr=True, markup=False), transient=True) as bar:
        task = bar.add_task(label, total=total)

        def progress(done: int, total_now: int) -> None:
            bar.update(task, completed=done, total=total_now)

        yield progress


@contextlib.contextmanager
def running(
    kind: str, workers: int | None, scheduler: str | None, label: str, total: int | None
) -> Iterator[tuple[Workers, Callable[[int, int], None]]]:
    """The executor, and a progress bar with an ETA on stderr (removed when done)."""
    from simulation.executors import open_executor

    with (
        open_executor(kind, workers, scheduler) as pool,
        progress_bar(f"{label} on {pool.describe()}", total) as progress,
    ):
        yield pool, progress


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True, markup=False)


def _rich(frame: pd.DataFrame, title: str, stack: bool = False) -> Any:
    """A frame of text as a rich table; ``stack``: key paths and CIs on a line of their own (narrow)."""
    from rich.table import Table

    table = Table(title=title)
    cells = [[str(v).replace(" (", "\n(", 1) if stack else str(v) for v in row] for row in frame.values]
    for i, column in enumerate(frame.columns):
        name = str(column).replace(".", ".\n") if stack else str(column)
        lines = [*(line for row in cells for line in row[i].splitlines()), *name.split()]
        widest = max((len(line) for line in lines), default=1)
        table.add_column(name, justify="left" if i == 0 else "right", min_width=widest)
    for row in cells:
        table.add_row(*row)
    return table


def _written(console: Console, out: Path, paths: dict[str, Path]) -> None:
    names = sorted({*(p.name for p in paths.values()), "journal.jsonl"})
    console.print(f"Results written to {out}/ ({', '.join(names)})")


def _precision_lines(console: Console, precision: Precision | None, settled: list[Settled] | None) -> None:
    if precision is None or not settled:
        return
    capped = [s for s in settled if not s.reached]
    if len(settled) == 1 or not capped:
        reps = sorted({s.reps for s in settled})
        many = f"{reps[0]}" if len(reps) == 1 else f"{reps[0]}-{reps[-1]}"
        what = settled[0].sentence(precision.target) if len(settled) == 1 else ""
        console.print(
            what[:1].upper() + what[1:]
            if what
            else f"Precision {precision.target:.0%} reached for {', '.join(precision.kpis)} in every option "
            f"with {many} replications"
        )
        return
    console.print(
        f"Precision {precision.target:.0%} NOT reached for {len(capped)} of {len(settled)} options: they "
        f"stopped at the cap of {precision.max_reps} replications (summary.csv's reps column says which)"
    )


def sweep(
    scenario: ScenarioArg,
    vary: Vary,
    reps: Reps = 30,
    seed: Seed = 42,
    executor: Executor = "processes",
    workers: WorkerCount = None,
    scheduler: Scheduler = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the result files")] = Path("sweep"),
    resume: Resume = False,
    precision: PrecisionOpt = None,
    kpi: KpiOpt = None,
    max_reps: MaxReps = 500,
    set_: SetOption = None,
) -> None:
    """Run every combination of the --vary values; tidy replications.csv and summary.csv in --out."""
    from presentation.formats import plural
    from presentation.options import sweep_table
    from simulation.sweep import Execution, grid, parse_vary, sweep, write_tidy

    if not vary:
        raise DolsSimError("--vary: give at least one key.path=values to sweep")
    wanted = precision_from(precision, kpi, max_reps, reps)
    admitted = admitted_from(scenario, set_)
    ranges = dict(parse_vary(v) for v in vary)
    options = len(grid(ranges))
    with running(executor, workers, scheduler, f"Sweeping {options} options", options * reps) as (pool, bar):
        results = sweep(admitted, ranges, reps, seed, Execution(pool, out, resume, wanted, bar))
    paths = write_tidy(results.replications, results.summary, results.manifest, out)
    console = _console()
    currency = admitted.scenario.costs.currency
    counts = sorted({s.reps for s in results.precision}) if results.precision else [reps]
    each = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
    title = f"{admitted.scenario.name}: {plural(options, 'option')} x {each} replications, mean (95% CI)"
    console.print(_rich(sweep_table(results.summary, list(ranges), currency=currency), title, stack=True))
    _precision_lines(console, wanted, results.precision)
    _written(console, out, paths)


def compare(
    scenario: ScenarioArg,
    options: Annotated[
        list[Path], typer.Argument(help="Option scenario files (TOML) to compare with the baseline")
    ],
    reps: Reps = 30,
    seed: Seed = 42,
    executor: Executor = "processes",
    workers: WorkerCount = None,
    scheduler: Scheduler = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the result files")] = Path("compare"),
    resume: Resume = False,
    precision: PrecisionOpt = None,
    kpi: KpiOpt = None,
    max_reps: MaxReps = 500,
    set_: SetOption = None,
) -> None:
    """Each option file against the baseline (SCENARIO): paired differences with 95% CIs and a verdict."""
    from presentation.tables import comparison_table
    from simulation.compare import why_it_moves
    from simulation.compare_options import BASELINE, compare_options
    from simulation.scenario_file import load_scenario, with_overrides
    from simulation.sweep import Execution, write_tidy

    wanted = precision_from(precision, kpi, max_reps, reps)
    base = admitted_from(scenario, set_)
    named: dict[str, Any] = {}
    for path in options:
        option = load_scenario(path)
        named[_unique(path, named)] = with_overrides(option, set_) if set_ else option
    total = (len(named) + 1) * reps
    with running(executor, workers, scheduler, f"Comparing {len(named)} options", total) as (pool, bar):
        result = compare_options(base, named, reps, seed, Execution(pool, out, resume, wanted, bar))
    paths = write_tidy(
        result.replications, result.summary, result.manifest, out, {"comparison.csv": result.comparison}
    )
    console = _console()
    n = int(result.replications["replication"].max()) + 1
    currency = base.scenario.costs.currency
    for name, part in result.comparison.groupby("option", sort=False):
        title = f"{name} against the baseline ({scenario.name}): {n} paired replications, seed {seed}"
        means = part.drop(columns="option").rename(columns=lambda c: c.removesuffix("_mean"))
        console.print(_rich(comparison_table(means, currency), title))
    for name, said in result.verdicts().items():
        console.print(f"{name}, with 95% confidence: {said}")
    by_option = {str(k): part for k, part in result.replications.groupby("option", sort=False)}
    baseline = by_option.pop(BASELINE)
    for name, part in by_option.items():
        for why in why_it_moves(baseline, part):
            console.print(f"{name}: {why}")
    better = result.better_options()
    console.print(
        "Better than the baseline on some KPI and worse on none: " + ", ".join(better)
        if better
        else "No option is better than the baseline on some KPI without being worse on another."
    )
    _precision_lines(console, wanted, [result.precision] if result.precision else None)
    _written(console, out, paths)


def _unique(path: Path, taken: dict[str, Any]) -> str:
    """An option's name: its file name without .toml, or the path if two share a name."""
    name = path.stem
    if name in taken or name == "baseline":
        name = str(path)
    if name in taken:
        raise DolsSimError(f"compare: {path} is given twice")
    return name


def plan(
    scenario: ScenarioArg,
    clear_by: Annotated[
        str, typer.Option("--clear-by", help="Date the backlog must be below the target by (YYYY-MM-DD)")
    ],
    vary: Vary,
    target: Annotated[
        int | None, typer.Option("--target", help="Backlog target (default: the scenario's)")
    ] = None,
    confidence: Annotated[
        float, typer.Option("--confidence", help="Share of replications that must clear by the date")
    ] = 0.9,
    reps: Reps = 20,
    seed: Seed = 42,
    executor: Executor = "processes",
    workers: WorkerCount = None,
    scheduler: Scheduler = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for plan.json and the other files")] = Path(
        "plan"
    ),
    resume: Resume = False,
    precision: PrecisionOpt = None,
    kpi: KpiOpt = None,
    max_reps: MaxReps = 500,
    keep_up_: Annotated[
        bool,
        typer.Option(
            "--keep-up",
            help="Give mental health assessors and authorisers (if not varied) enough time for the "
            "biggest option, so they do not hold up decisions",
        ),
    ] = False,
    set_: SetOption = None,
) -> None:
    """The cheapest option in the --vary ranges that clears the backlog by --clear-by often enough."""
    from presentation.formats import plural
    from presentation.options import (
        added_staff_said,
        plan_headline,
        plan_table,
        relief_sentence,
        search_sentence,
    )
    from simulation.metrics import STAFF_GROUPS
    from simulation.plan import keep_up, plan, post_costs, raised, write_plan
    from simulation.sweep import Execution, parse_vary

    by = _date(clear_by)
    wanted = precision_from(precision, kpi, max_reps, reps)
    admitted = admitted_from(scenario, set_)
    ranges = dict(parse_vary(v) for v in vary)
    console = _console()
    if keep_up_:
        levels = keep_up(admitted.scenario, ranges)
        before = admitted.scenario
        admitted = admitted_from(scenario, [*(set_ or []), *(f"{k}={v}" for k, v in levels.items())])
        said = " and ".join(f"{k} {v:g}" for k, v in levels.items())
        console.print(f"--keep-up: {said} (enough for the biggest option)")
        added = raised(before, levels)
        if added:
            currency = before.costs.currency
            console.print(f"--keep-up: {added_staff_said(added, post_costs(before, added), currency)}")
    with running(executor, workers, scheduler, "Planning", None) as (pool, bar):
        result = plan(
            admitted,
            by,
            ranges,
            target=target,
            confidence=confidence,
            reps=reps,
            seed=seed,
            run=Execution(pool, out, resume, wanted, bar),
        )
    paths = write_plan(result, out)
    currency = admitted.scenario.costs.currency
    console.print(plan_headline(result, currency))
    if result.answer is not None:
        title = f"The cheapest options ({plural(result.reps, 'replication')} each, seed {seed})"
        console.print(_rich(plan_table(result, currency), title, stack=True))
        group = result.binding_staff_group
        if group:
            console.print(f"In the cheapest option, {STAFF_GROUPS[group]} are the binding constraint.")
    console.print(relief_sentence(result))
    console.print(search_sentence(result))
    if wanted is not None and result.precision is not None:
        console.print(result.precision.sentence(wanted.target).capitalize())
    _written(console, out, paths)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise DolsSimError(f"--clear-by: expected a date as YYYY-MM-DD, got {text!r}") from None
