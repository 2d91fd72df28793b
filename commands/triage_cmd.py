"""``dols-sim triage`` and ``dols-sim synth``: today's worklist from an export, and synthetic exports.

Nothing from an application row is printed: the terminal gets counts only. The data libraries are
imported inside the commands, so ``dols-sim --help`` stays quick.
"""

from __future__ import annotations

import numbers
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from triage.errors import DolsSimError

if TYPE_CHECKING:
    from rich.console import Console

    from triage.rulebook import Rules
    from triage.summary import TriageSummary


def parse_as_of(text: str | None) -> date:
    """``--as-of``: the export's own date reader (ISO or DD/MM/YYYY), default today in England."""
    from triage.validate import parse_as_of as parse
    from triage.validate import today_in_england

    if text is None:
        return today_in_england()

    try:
        return parse(text)
    except DolsSimError as exc:
        raise DolsSimError(f"--as-of {exc}") from None


def triage(
    export: Annotated[Path, typer.Argument(help="The open applications export (.csv or .xlsx).")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date to triage as of (default today).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write the worklist here (.csv or .xlsx).")] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="Write refused rows and why here (.csv or .xlsx).")
    ] = None,
    outside: Annotated[
        Path | None,
        typer.Option(
            help="Write the rows outside the DoLS (under 18) and the route for each here (.csv or .xlsx)."
        ),
    ] = None,
    in_hand: Annotated[
        Path | None,
        typer.Option(
            "--in-hand",
            help="Write the work in hand (with an assessor or awaiting sign-off) here (.csv or .xlsx).",
        ),
    ] = None,
    caseload: Annotated[
        Path | None,
        typer.Option(help="Write each assessor's caseload of the work in hand here (.csv or .xlsx)."),
    ] = None,
    authorisations: Annotated[
        Path | None,
        typer.Option(help="The register of authorisations in force (.csv or .xlsx), joined by person_id."),
    ] = None,
    register_out: Annotated[
        Path | None, typer.Option(help="Write the register with its alerts here (.csv or .xlsx).")
    ] = None,
    register_rejects: Annotated[
        Path | None, typer.Option(help="Write the register's refused rows and why here (.csv or .xlsx).")
    ] = None,
    criteria: Annotated[Path | None, typer.Option(help="Your own screening criteria TOML.")] = None,
    timescales: Annotated[Path | None, typer.Option(help="Your own statutory timescales TOML.")] = None,
    policies: Annotated[
        Path | None, typer.Option(help="Your own queue policies TOML (needed for your own band names).")
    ] = None,
    policy: Annotated[
        str | None, typer.Option(help="Worklist order (a policy id in the policies file).")
    ] = None,
    columns: Annotated[
        Path | None,
        typer.Option(
            help="Your export's headers and codes (a mapping TOML, read on top of the shipped one)."
        ),
    ] = None,
    header_row: Annotated[
        int | None,
        typer.Option(
            "--header-row",
            min=1,
            help="The row holding the column names (1 = the first; default: found, skipping titles).",
        ),
    ] = None,
) -> None:
    """Rank today's open applications by priority and statutory deadline, and explain why."""
    from rich.console import Console

    from triage.export import write_table
    from triage.mapping import load_mapping
    from triage.outputs import distinct_outputs
    from triage.rulebook import load_rules
    from triage.summary import nothing_accepted, summarise
    from triage.worklist import build_worklist

    distinct_outputs(  # before anything is read or written: no output may overwrite an input, or another
        {"the export": export, "--authorisations": authorisations, "--columns": columns,
         "--criteria": criteria, "--timescales": timescales, "--policies": policies},
        {"--out": out, "--rejects": rejects, "--outside": outside, "--in-hand": in_hand,
         "--caseload": caseload, "--register-out": register_out, "--register-rejects": register_rejects},
    )  # fmt: skip
    rules = load_rules(timescales=timescales, criteria=criteria, policies=policies)
    mapping = load_mapping(columns, rules.criteria.inputs.flags)
    from triage.ingest import read_export

    raw = read_export(export, header_row=header_row)
    result = build_worklist(raw, parse_as_of(as_of), rules, policy_id=policy, mapping=mapping)
    register = None
    if authorisations is not None:
        from triage.register import build_register

        register = build_register(authorisations, result.as_of, result.open_requests, rules, mapping=mapping)
        if register_out:
            write_table(register.register, register_out, "register")
        if register_rejects:
            write_table(register.rejects, register_rejects, "register rejects")
    elif register_out or register_rejects:
        raise DolsSimError("--register-out and --register-rejects need --authorisations FILE")
    summary = summarise(result, rules.criteria.all_bands, register)
    if rejects:
        write_table(result.rejects, rejects, "rejects")
    if outside:
        write_table(result.outside_scope, outside, "outside the DoLS")
    if in_hand:
        write_table(result.in_hand, in_hand, "in hand")
    if caseload:
        from triage.in_hand import caseload as caseload_of

        write_table(caseload_of(result.in_hand), caseload, "caseload")
    if not len(result.worklist) and not len(result.in_hand):
        where = f"see {rejects}" if rejects else "add --rejects FILE to see why"
        raise DolsSimError(f"{nothing_accepted(summary, result.source_name)}; {where}")
    if out:
        write_table(result.worklist, out, "worklist")
    console = Console(highlight=False, soft_wrap=True)
    print_summary(console, summary, result.as_of, rules)
    if out:
        console.print(f"Worklist: {len(result.worklist):,} rows -> {out}", markup=False)
    if len(result.in_hand):
        where = (
            f"-> {in_hand}" if in_hand else "(add --in-hand FILE for the list, --caseload FILE by assessor)"
        )
        console.print(f"Work in hand: {len(result.in_hand):,} rows {where}", markup=False)
    if len(result.outside_scope):
        where = f"-> {outside}" if outside else "(add --outside FILE for the list and the route)"
        console.print(
            f"Outside the DoLS (under 18): {len(result.outside_scope):,} rows {where}", markup=False
        )
    if len(result.rejects):
        where = f"-> {rejects}" if rejects else "(add --rejects FILE to see why)"
        console.print(f"Refused: {len(result.rejects):,} rows {where}", markup=False)


def print_summary(console: Console, s: TriageSummary, as_of: date, rules: Rules) -> None:
    """Counts only (no row contents): safe for a shared terminal or a log."""
    from rich.markup import escape
    from rich.table import Table

    from presentation.formats import number, plural, reading
    from triage.summary import COLUMN_LABELS

    console.print(reading(s), markup=False)  # a file's name is the user's text, never markup
    console.print(
        f"[bold]DoLS worklist as of {as_of.isoformat()}[/bold]: {plural(s.rows_in, 'row')} in, "
        f"{number(s.accepted, 0)} on the worklist, "
        + (f"{number(s.in_hand, 0)} in hand, " if s.in_hand else "")
        + f"{number(s.outside_scope, 0)} outside the DoLS (under 18), {number(s.rejected, 0)} refused"
    )
    if s.in_hand:
        stages = ", ".join(f"{label} {number(n, 0)}" for label, n in s.in_hand_by_stage.items())
        console.print(
            f"Work in hand (not ranked; counted below): {stages}; past statutory deadline "
            f"{number(s.in_hand_breached, 0)}; held by {plural(s.assessors, 'assessor')}"
        )
    console.print(
        f"Past statutory deadline: [bold red]{number(s.breached, 0)}[/bold red] · urgent expiring within "
        f"{plural(rules.timescales.alerts.urgent_expiring_within_days, 'day')}: "
        f"[bold]{number(s.urgent_expiring_soon, 0)}[/bold] · extension decision due: "
        f"[bold]{number(s.extension_due, 0)}[/bold]"
    )
    a = s.alerts
    register_ended = (
        f"; authorisation ended with no further request {number(s.register_counts['ended_no_request'], 0)}"
        if s.register_counts
        else ""
    )
    console.print(
        f"Deprived of liberty without authority: [bold red]{number(s.without_authority_total, 0)}[/bold red] "
        f"(standard request, already deprived {number(a.without_authority_standard, 0)}, of which "
        f"{number(a.without_authority_assumed, 0)} on the setting's default; urgent authorisation ended "
        f"{number(a.without_authority_urgent, 0)}; standing authorisation ended "
        f"{number(a.without_authority_renewal, 0)}{register_ended})"
    )
    if s.register_counts:
        from triage.register import REGISTER_ALERT_LABELS

        listed = " · ".join(
            f"{REGISTER_ALERT_LABELS[k]}: [bold]{number(v, 0)}[/bold]"
            for k, v in s.register_counts.items()
            if k != "ended_no_request"
        )
        console.print(
            f"Register of authorisations: {number(s.register_rows, 0)} in the register, "
            f"{number(s.register_rejected, 0)} refused · {listed}"
        )
        if s.unmatched_further_requests:
            console.print(
                f"[yellow]Warning[/yellow]: {plural(s.unmatched_further_requests, 'renewal or review')} "
                "with a person reference in no authorisation of the register"
            )
    console.print(
        f"Last lawful day today: [bold red]{number(a.last_lawful_day_today, 0)}[/bold red], tomorrow: "
        f"[bold]{number(a.last_lawful_day_tomorrow, 0)}[/bold] · urgent on its final day, already "
        f"extended: [bold]{number(a.urgent_final_day, 0)}[/bold] · IMCA to instruct (s39A): "
        f"[bold]{number(a.imca_to_instruct, 0)}[/bold] · standing authorisation ends within "
        f"{plural(rules.timescales.alerts.renewal_authorisation_ending_within_days, 'day')}: "
        f"[bold]{number(a.authorisation_ending_soon, 0)}[/bold]"
    )
    if a.ended_before_request:
        console.print(
            f"Authorisation had ended before the request arrived: {number(a.ended_before_request, 0)}"
        )
    if s.reviews:
        console.print(f"Review requests (Part 8, no statutory period): {number(s.reviews, 0)}")
    if s.not_applicable_answers:
        console.print(
            f"Screening answers given as N/A, read as not known: {number(s.not_applicable_answers, 0)}"
        )
    if a.renewal_requested_early:
        window = rules.timescales.standard_authorisation.renewal_request_window_days
        console.print(
            f"Renewals requested more than {plural(window, 'day')} before the authorisation ends: "
            f"{number(a.renewal_requested_early, 0)}"
        )
    if s.absent_screening_columns:
        console.print(
            f"[bold yellow]No column for screening question(s)[/bold yellow] "
            f"{escape(', '.join(s.absent_screening_columns))}: "
            f"{plural(s.unscreened_for_absent_columns, 'row')} unscreened for want of them "
            "(map them with --columns if the file has them under another name)"
        )
    for warning in s.column_warnings:
        console.print(f"[yellow]Warning[/yellow]: {escape(warning)}")  # names the file's own headers
    for title, table in (
        ("By priority band", s.by_band),
        ("By primary support reason", s.by_support_reason),
        ("By setting", s.by_setting),
    ):
        t = Table(title=title, title_justify="left")
        for col in table.columns:
            first = col == table.columns[0]
            t.add_column(COLUMN_LABELS.get(col, col), justify="left" if first else "right", no_wrap=first)
        for row in table.itertuples(index=False):
            t.add_row(*(number(float(v)) if isinstance(v, numbers.Real) else str(v) for v in row))
        console.print(t)
    if s.rejected:
        counts = ", ".join(f"{r.column} {r.rows}" for r in s.rejects_by_column.itertuples())
        console.print(f"Refused rows by the column at fault: {counts}")


def synth(
    n: Annotated[int, typer.Option("--n", min=1, help="Number of applications.")] = 2000,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The export's date (default today).")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Random seed (same seed, same file).")] = 1,
    out: Annotated[Path, typer.Option(help="Where to write it (.csv or .xlsx).")] = Path("example.csv"),
    bad_rows: Annotated[int, typer.Option(min=0, help="Rows to spoil with typical export mistakes.")] = 0,
) -> None:
    """Write a synthetic open-applications export (no real person's data)."""
    from triage.export import write_table
    from triage.synth import synthesise

    if bad_rows > n:
        raise DolsSimError(f"--bad-rows {bad_rows}: must be at most --n ({n})")
    df = synthesise(n, parse_as_of(as_of), seed=seed, bad_rows=bad_rows)
    write_table(df, out, "applications")
    print(f"Wrote {n:,} synthetic applications ({bad_rows} spoiled) -> {out}")
