"""The ``dols-sim`` command line: triage, synth (and the simulation's commands).

User mistakes (a bad file, date, value or rules file) end with one clear line on stderr and exit code 2,
never a traceback. Nothing from an application row is printed: the terminal gets counts only.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from simulation.run_cmd import run_cmd, validate_cmd
from triage.errors import DolsSimError
from triage.export import write_table
from triage.rulebook import Rules, load_rules
from triage.summary import TriageSummary, summarise
from triage.synth import synthesise
from triage.validate import parse_dates
from triage.worklist import build_worklist

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Triage and backlog simulation for Deprivation of Liberty Safeguards (DoLS) teams.",
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


def parse_as_of(text: str | None) -> date:
    """A date written as in exports (the same reader), defaulting to today; a plausible DoLS date."""
    if text is None:
        return date.today()
    parsed = parse_dates(pd.Series([text.strip()], dtype=str)).iloc[0]
    if pd.isna(parsed):
        raise DolsSimError(f"--as-of '{text}': not a date (expected YYYY-MM-DD or DD/MM/YYYY)")
    day = parsed.date()
    if not date(2009, 4, 1) <= day <= date(2100, 12, 31):
        raise DolsSimError(f"--as-of '{text}': expected a date from 2009-04-01 (the DoLS began) to 2100")
    return day


@app.command()
def triage(
    export: Annotated[Path, typer.Argument(help="The open applications export (.csv or .xlsx).")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date to triage as of (default today).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write the worklist here (.csv or .xlsx).")] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="Write refused rows and why here (.csv or .xlsx).")
    ] = None,
    criteria: Annotated[Path | None, typer.Option(help="Your own screening criteria TOML.")] = None,
    timescales: Annotated[Path | None, typer.Option(help="Your own statutory timescales TOML.")] = None,
    policies: Annotated[
        Path | None, typer.Option(help="Your own queue policies TOML (needed for your own band names).")
    ] = None,
    policy: Annotated[
        str | None, typer.Option(help="Worklist order (a policy id in the policies file).")
    ] = None,
) -> None:
    """Rank today's open applications by priority and statutory deadline, and explain why."""
    rules = load_rules(timescales=timescales, criteria=criteria, policies=policies)
    result = build_worklist(export, parse_as_of(as_of), rules, policy_id=policy)
    if out:
        write_table(result.worklist, out, "worklist")
    if rejects:
        write_table(result.rejects, rejects, "rejects")
    print_summary(summarise(result, rules.criteria.all_bands), result.as_of, rules)
    if out:
        console.print(f"Worklist: {len(result.worklist)} rows -> {out}")
    if len(result.rejects):
        where = f"-> {rejects}" if rejects else "(add --rejects FILE to see why)"
        console.print(f"Refused: {len(result.rejects)} rows {where}")


HEADERS = {
    "priority": "band",
    "primary_support_reason": "support reason",
    "applications": "open",
    "high_priority": "high",
    "median_wait_days": "median wait (d)",
    "longest_wait_days": "longest wait (d)",
}


def print_summary(s: TriageSummary, as_of: date, rules: Rules) -> None:
    """Counts only (no row contents): safe for a shared terminal or a log."""
    console.print(
        f"[bold]DoLS worklist as of {as_of.isoformat()}[/bold]: {s.rows_in} rows in, "
        f"{s.accepted} on the worklist, {s.rejected} refused"
    )
    console.print(
        f"Past statutory deadline: [bold red]{s.breached}[/bold red] · urgent expiring within "
        f"{rules.timescales.alerts.urgent_expiring_within_days} days: "
        f"[bold]{s.urgent_expiring_soon}[/bold] · extension decision due: [bold]{s.extension_due}[/bold]"
    )
    for title, table in (
        ("By priority band", s.by_band),
        ("By primary support reason", s.by_support_reason),
        ("By setting", s.by_setting),
    ):
        t = Table(title=title, title_justify="left")
        for col in table.columns:
            first = col == table.columns[0]
            t.add_column(HEADERS.get(col, col), justify="left" if first else "right", no_wrap=first)
        for row in table.itertuples(index=False):
            t.add_row(*(f"{v:.0f}" if isinstance(v, float) else str(v) for v in row))
        console.print(t)
    if s.rejected:
        counts = ", ".join(f"{r.column} {r.rows}" for r in s.rejects_by_column.itertuples())
        console.print(f"Refused rows by the column at fault: {counts}")


@app.command()
def synth(
    n: Annotated[int, typer.Option("--n", min=1, help="Number of applications.")] = 2000,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The export's date (default today).")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Random seed (same seed, same file).")] = 1,
    out: Annotated[Path, typer.Option(help="Where to write it (.csv or .xlsx).")] = Path("example.csv"),
    bad_rows: Annotated[int, typer.Option(min=0, help="Rows to spoil with typical export mistakes.")] = 0,
) -> None:
    """Write a synthetic open-applications export (no real person's data)."""
    if bad_rows > n:
        raise DolsSimError(f"--bad-rows {bad_rows}: must be at most --n ({n})")
    df = synthesise(n, parse_as_of(as_of), seed=seed, bad_rows=bad_rows)
    write_table(df, out, "applications")
    console.print(f"Wrote {n} synthetic applications ({bad_rows} spoiled) -> {out}")


app.command("validate", help="Check a scenario file (and --set overrides) without running it.")(validate_cmd)
app.command("run", help="Run a scenario: replications, KPIs with 95% CIs, result files.")(run_cmd)


@app.command("app")
def web_app(
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve the page on.")] = 8501,
    address: Annotated[
        str, typer.Option(help="Address to listen on (default: this machine only).")
    ] = "127.0.0.1",
) -> None:
    """Start the web page (Streamlit), headless, on http://ADDRESS:PORT."""
    import subprocess

    app_file = Path(__file__).resolve().parent.parent / "app.py"
    if not app_file.exists():
        raise DolsSimError(f"{app_file} not found: install from a clone with `pip install -e .`")
    console.print(f"dols-sim page: http://{address}:{port}  (Ctrl+C to stop)")
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app_file),
        "--server.headless", "true", "--server.port", str(port), "--server.address", address,
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    try:
        raise typer.Exit(subprocess.call(cmd, cwd=app_file.parent))
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: user errors are one line and exit code 2 (typer's usage errors too)."""
    try:
        app(args=argv, prog_name="dols-sim")  # standalone: typer reports usage errors itself, exit 2
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except DolsSimError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
