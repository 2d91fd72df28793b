"""The ``dols-sim`` entry point: the commands, and the one place a user's mistake becomes one line.

Every command raises :class:`~triage.errors.DolsSimError` for a user's mistake (a bad file, date, value,
scenario or rules file); :func:`main` prints it as one line on stderr and exits with code 2, never a
traceback. Typer's own usage errors also exit 2.
"""

from __future__ import annotations

import sys

import typer

from commands import calibrate_cmd, experiment_cmd, page_cmd, simulation_cmd, triage_cmd
from triage.errors import DolsSimError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Triage and backlog simulation for Deprivation of Liberty Safeguards (DoLS) teams.",
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rendering it with rich costs 0.13 s of start-up on every call
)
app.command("triage", short_help="Today's ranked, explained worklist from an export.")(triage_cmd.triage)
app.command("synth", short_help="Write a synthetic export (no real person's data).")(triage_cmd.synth)
app.command("validate", short_help="Check a scenario file without running it.")(simulation_cmd.validate)
app.command("run", short_help="Run a scenario: KPIs with 95% CIs, result files.")(simulation_cmd.run)
app.command("sweep", short_help="Run every combination of some keys' values: tidy results.")(
    experiment_cmd.sweep
)
app.command("compare", short_help="Options against a baseline: paired differences, verdicts.")(
    experiment_cmd.compare
)
app.command("plan", short_help="The cheapest capacity that clears the backlog by a date.")(
    experiment_cmd.plan
)
app.command("calibrate", short_help="A scenario of your council from its history, with a fit report.")(
    calibrate_cmd.calibrate
)
app.command("backtest", short_help="A scenario against a past window of a history, month by month.")(
    calibrate_cmd.backtest
)
app.command("synth-history", short_help="Write a synthetic history (a scenario's run, no real data).")(
    calibrate_cmd.synth_history
)
app.command("app", short_help="Start the web page on this machine.")(page_cmd.serve)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: user errors are one line and exit code 2 (typer's usage errors too)."""
    try:
        app(args=argv, prog_name="dols-sim")  # standalone: typer reports usage errors itself, exit 2
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except DolsSimError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
