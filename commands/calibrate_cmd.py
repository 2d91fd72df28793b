"""``dols-sim calibrate``, ``dols-sim backtest`` and ``dols-sim synth-history``: your own council in the
model, checked against what happened, and a synthetic history so that nothing needs real data.

Nothing from a history's rows is printed: the terminal gets figures and counts only.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from commands.simulation_cmd import ScenarioArg
from commands.triage_cmd import parse_as_of
from triage.errors import DolsSimError
from triage.outputs import distinct_outputs, write_atomically

HistoryArg = Annotated[
    Path, typer.Argument(help="A history of past requests (.csv or .xlsx): the triage columns plus "
                         "completed_date and outcome.", show_default=False)
]  # fmt: skip


def _date(option: str, text: str) -> date:
    try:
        return parse_as_of(text)
    except DolsSimError as exc:
        raise DolsSimError(str(exc).replace("--as-of", option, 1)) from None


def synth_history(
    scenario: ScenarioArg,
    months: Annotated[int, typer.Option(min=1, max=600, help="Months of history to make.")] = 36,
    seed: Annotated[int, typer.Option(min=0, help="Random seed (same seed, same file).")] = 1,
    out: Annotated[Path, typer.Option(help="Where to write it (.csv or .xlsx).")] = Path("history.csv"),
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="The history's last day (default: the scenario's start + months)."),
    ] = None,
) -> None:
    """Write a synthetic history: one run of a scenario, as a case-management export (no real data)."""
    from simulation.calibrate import synth_history as make
    from simulation.scenario_file import load_scenario
    from triage.export import write_table

    distinct_outputs({"the scenario": scenario}, {"--out": out})
    end = parse_as_of(as_of) if as_of else None
    history, when = make(load_scenario(scenario), months, seed, as_of=end)
    write_table(history, out, "history")
    still_open = int((history["completed_date"] == "").sum())
    print(
        f"Wrote a {months}-month history of {len(history):,} requests ({still_open:,} still open) as of "
        f"{when.isoformat()} -> {out}"
    )


def calibrate(
    history: HistoryArg,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The history's date (default today).")] = None,
    out: Annotated[Path, typer.Option(help="Write the calibrated scenario here (TOML).")] = Path(
        "my-council.toml"
    ),
    rejects: Annotated[
        Path | None, typer.Option(help="Write refused rows and why here (.csv or .xlsx).")
    ] = None,
    template: Annotated[
        Path | None,
        typer.Option(help="Scenario for what a history cannot say (default: the example council)."),
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option("--from", help="First day of the window (default: the history's first completion)."),
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Write the fit report here (CSV).")] = None,
) -> None:
    """Calibrate a scenario from a history of past requests, and print the fit report."""
    from rich.console import Console

    from presentation.calibration import fit_table
    from simulation.calibrate import calibrate as fit
    from simulation.calibrate import commented_toml
    from simulation.scenario_file import load_scenario
    from triage.export import write_table

    distinct_outputs(
        {"the history": history, "--template": template},
        {"--out": out, "--rejects": rejects, "--report": report},
    )
    base = load_scenario(template) if template else None
    start = _date("--from", from_) if from_ else None
    cal = fit(history, parse_as_of(as_of), template=base, window_start=start)
    write_atomically(out, commented_toml(cal).encode("utf-8"))
    if rejects:
        write_table(cal.rejects, rejects, "rejects")
    if report:
        write_table(cal.report, report, "fit")
    console = Console(highlight=False, soft_wrap=True, markup=False)
    console.print(
        f"{Path(cal.source_name).name}: {cal.rows_in:,} rows in, {cal.rows_used:,} used, "
        f"{len(cal.rejects):,} rejected; window {cal.window_start.isoformat()} to {cal.as_of.isoformat()}"
    )
    console.print(fit_table(cal.estimates))
    for line in cal.checks:
        console.print(f"Check: {line}")
    refused = sum(1 for e in cal.estimates if e.refused)
    if refused:
        console.print(
            f"{refused} figure(s) not fitted (too little data, or not in the history): see why above."
        )
    from simulation.calibrate import unknown_reasons_said

    if said := unknown_reasons_said(cal):
        console.print(said)
    if len(cal.rejects):
        where = f"-> {rejects}" if rejects else "(add --rejects FILE to see why)"
        console.print(f"Refused: {len(cal.rejects):,} rows {where}")
    console.print(f"Calibrated scenario -> {out} (check it: dols-sim validate {out})")


def backtest(
    scenario: ScenarioArg,
    history: Annotated[Path, typer.Option("--history", help="The history to set the run against.")],
    from_: Annotated[str, typer.Option("--from", help="First day of the window (a month's first day).")],
    to: Annotated[str, typer.Option("--to", help="Last day of the window.")],
    out: Annotated[Path, typer.Option(help="Folder for backtest.csv and backtest.png.")] = Path("backtest"),
    as_of: Annotated[str | None, typer.Option("--as-of", help="The history's date (default today).")] = None,
    reps: Annotated[int, typer.Option(min=2, max=1000, help="Replications.")] = 30,
    seed: Annotated[int, typer.Option(min=0, help="Master seed.")] = 42,
) -> None:
    """Run a scenario over a past window and set it against the history, month by month."""
    from rich.console import Console

    from presentation.calibration import (
        backtest_chart,
        backtest_reading,
        backtest_table,
        nothing_misses,
        save_chart,
    )
    from simulation.backtest import backtest as run
    from simulation.scenario_file import load_scenario
    from triage.history import read_history

    start, end = _date("--from", from_), _date("--to", to)
    if end < start:
        raise DolsSimError(f"--to {end.isoformat()}: before --from {start.isoformat()}")
    hist = read_history(history, parse_as_of(as_of))
    result = run(load_scenario(scenario), hist, start, end, reps=reps, seed=seed)
    try:
        out.mkdir(parents=True, exist_ok=True)
        result.table.to_csv(out / "backtest.csv", index=False)
        save_chart(backtest_chart(result.table), out / "backtest.png")
    except OSError as exc:
        raise DolsSimError(f"cannot write to {out}: {exc.strerror or exc}") from None
    console = Console(highlight=False, soft_wrap=True, markup=False)
    console.print(backtest_table(result))
    for said in backtest_reading(result) or [nothing_misses()]:
        console.print(said)
    console.print(f"Results written to {out}/ (backtest.csv, backtest.png)")
